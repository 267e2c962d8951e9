import { RampartError } from '../errors.ts';

// readBody() on a request whose body something else read first (a body parser mounted
// before rampart): the adapter knows the fix, the middleware that needed the body decides
// what to answer. A WeakSet marks these errors apart from aborted or stalled reads.
const consumed = new WeakSet<Error>();

/**
 * The ERR_RAMPART_BODY_READ a request view's `readBody()` rejects with when the body was
 * consumed before rampart could read it; `fix` says, for that adapter, how to mount things.
 */
export function consumedBodyError(fix: string): RampartError {
  const error = new RampartError('ERR_RAMPART_BODY_READ', `the request body was already consumed before rampart could read it. ${fix}`);
  consumed.add(error);
  return error;
}

/** True for the error of {@link consumedBodyError} (not an aborted or stalled body). */
export function isConsumedBody(error: unknown): boolean {
  return error instanceof Error && consumed.has(error);
}

/** How to keep the body for rampart, per adapter (the text of a consumed-body error). */
export const CONSUMED_BODY_FIX = {
  node: 'node:http: something read req before the shield ran (code in front of shield.node(handler)); call the shield first and read the body in the handler after it (rawBody(req) gives the bytes rampart read).',
  express:
    "Express: mount app.use(shield.express()) before express.json()/express.urlencoded()/express.text(), or put express.raw({ type: 'application/json' }) in front on the webhook route (rampart then uses req.body's exact bytes).",
  fastify:
    "Fastify: register shield.fastify() before plugins and onRequest/preParsing hooks that read request.raw; Fastify's content-type parsers run after rampart, and rawBody(request) gives the exact bytes in the route.",
  hono: 'Hono: app.use(shield.hono()) before middleware that reads the body (c.req.json(), c.req.parseBody(), c.req.text(), a validator); rawBody(c) gives the exact bytes in the route.',
  fetch:
    'fetch: the Request reached shield.fetch(handler) with its body already used (request.bodyUsed); pass the unread Request (code in front that needs the body reads request.clone()).',
} as const;
