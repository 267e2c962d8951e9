import type { IncomingMessage, ServerResponse } from 'node:http';

// After rampart answered for the application (413, 408) the response is finished, and a
// handler's usual error path (`req.on('error', () => { res.writeHead(400); res.end(); })`)
// would throw ERR_HTTP_HEADERS_SENT inside an event listener: an uncaught exception that
// ends the process. Node itself never puts an app there: on a request the client aborts,
// the response is still open and such writes go nowhere. So a response rampart closed
// takes the app's late writes and drops them, as a response on a gone connection does.

function returnThis(this: ServerResponse): ServerResponse {
  return this;
}

function nothing(): void {}

function callbackOf(args: readonly unknown[]): (() => void) | undefined {
  for (let i = args.length - 1; i >= 0; i--) if (typeof args[i] === 'function') return args[i] as () => void;
  return undefined;
}

function droppedWrite(...args: unknown[]): boolean {
  const callback = callbackOf(args);
  if (callback !== undefined) process.nextTick(callback);
  return true; // never false: the app would wait for a 'drain' that cannot come
}

function droppedEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
  const callback = callbackOf(args);
  if (callback !== undefined) process.nextTick(callback);
  return this;
}

const closed = new WeakSet<ServerResponse>();

/**
 * Make the application's further writes on `res` (head, headers, body, end) no-ops. Only for
 * a response that is already finished or that rampart answered: nothing the app writes can
 * reach the client any more.
 */
export function ignoreLateWrites(res: ServerResponse): void {
  if (closed.has(res)) return;
  closed.add(res);
  const target = res as unknown as Record<string, unknown>;
  for (const name of ['writeHead', 'setHeader', 'setHeaders', 'appendHeader']) target[name] = returnThis;
  for (const name of ['removeHeader', 'addTrailers', 'flushHeaders', 'writeContinue', 'writeProcessing', 'writeEarlyHints']) target[name] = nothing;
  target.write = droppedWrite;
  target.end = droppedEnd;
}

/**
 * Cut a request body rampart refused mid-stream: once the response is finished (rampart's
 * 413/408, or the app's own answer if it had started one), its late writes are ignored and
 * the request stream errors with `error`, so the app's reader learns that the body is
 * incomplete instead of seeing a truncated body end.
 */
export function cutRequestBody(req: IncomingMessage, res: ServerResponse, error: Error): void {
  const cut = (): void => {
    ignoreLateWrites(res);
    req.destroy(error);
  };
  if (res.writableFinished) cut();
  else res.once('finish', cut);
}
