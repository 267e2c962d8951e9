import type { AsyncLocalStorage } from 'node:async_hooks';
import { builtin } from '../core/builtin.ts';
import { bindView } from '../core/registry.ts';
import { unsendableReason } from './fetch-response.ts';
import { checkKeys, optionsObject } from '../core/options.ts';
import { RampartError } from '../errors.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { closeStalledRuntimeBody } from './node-body.ts';
import { finishWebResponse, type RuntimeIncoming, runtimeAddressIn, runtimeIncomingIn, startWebExchange, type WebExchange, webReply } from './web-exchange.ts';

// Structural type of Hono's Context: rampart does not depend on hono at runtime or in its .d.ts.
interface HonoContextLike {
  /** `path`: what the router dispatches on (the app's `getPath`); absent on other frameworks' contexts. */
  req: { raw: Request; path?: unknown };
  env: unknown;
  res: Response | undefined;
  error?: unknown;
  /** False while no Response was set (Hono ≥ 3). */
  finalized?: boolean;
}

/** On the runtime's node request (@hono/node-server): the exchange of the shield that decided it. */
const DECIDED: unique symbol = Symbol('rampart.hono.decided');
type Decided = { [DECIDED]?: WebExchange };
/**
 * On an exchange whose client request the app sent through again under another method or
 * path: the answer of that later pass, final as it is (the earlier pass leaves it alone).
 */
const LATER_ANSWER: unique symbol = Symbol('rampart.hono.laterAnswer');
type Superseded = { [LATER_ANSWER]?: Response | undefined };

/**
 * Where the runtime gives no per-request node request (`app.request()`, Workers, Bun): the
 * exchange whose `next()` is running, so a request the app sends through again from inside
 * it (methodOverride's `app.fetch`, a re-dispatch) is known as the same client request.
 * Null where the runtime has no AsyncLocalStorage: every pass then also counts as a new
 * client request (rate limit).
 */
let running: AsyncLocalStorage<WebExchange> | null | undefined;
function runningStorage(): AsyncLocalStorage<WebExchange> | undefined {
  if (running === undefined) {
    try {
      running = new (builtin<typeof import('node:async_hooks')>('node:async_hooks').AsyncLocalStorage)<WebExchange>();
    } catch {
      running = null;
    }
  }
  return running ?? undefined;
}

/** On an exchange whose `next()` has returned. */
const FINISHED: unique symbol = Symbol('rampart.hono.finished');
type Finished = { [FINISHED]?: true };

/** The exchange whose `next()` is running in this async context, if any (see {@link running}). */
function liveStore(): WebExchange | undefined {
  const store = running?.getStore();
  return store === undefined || (store as Finished)[FINISHED] === true ? undefined : store;
}

/** The URL's path: methodOverride keeps it (the query may lose its `_method`). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.indexOf('?', start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

/** A Hono middleware. */
// biome-ignore lint/suspicious/noExplicitAny: Hono's Context type, without depending on hono's types (unknown would reject app.use())
// biome-ignore lint/suspicious/noConfusingVoidType: Hono's MiddlewareHandler returns Promise<Response | void>
export type HonoMiddleware = (c: any, next: () => Promise<void>) => Promise<Response | void>;

/** Options of the Hono adapter. */
export interface HonoAdapterOptions {
  /**
   * How to find the peer address from the context; default: @hono/node-server's
   * `env.incoming`, Bun's and Deno's conventions. Required where the runtime gives none
   * (Workers: `(c) => c.req.header('CF-Connecting-IP')`; `app.request()` in tests) when the
   * stack keys by client (rate limit, blocklist). `trustProxy` still applies to the result.
   */
  // biome-ignore lint/suspicious/noExplicitAny: Hono's Context type, without depending on hono's types (unknown would reject app.use())
  clientIp?: (c: any) => string | undefined | null;
  /** Older name of {@link HonoAdapterOptions.clientIp}. */
  // biome-ignore lint/suspicious/noExplicitAny: Hono's Context type, without depending on hono's types (unknown would reject app.use())
  address?: (c: any) => string | undefined | null;
}

/**
 * A Hono middleware running the stack: answers before the route when a middleware
 * decides to, otherwise merges rampart's headers (and compression) into `c.res`.
 *
 * @example
 * app.use(shield.hono());
 */
export function honoAdapter(shield: ShieldCore, options: HonoAdapterOptions = {}): HonoMiddleware {
  const opts = optionsObject(options, 'shield.hono()') as HonoAdapterOptions;
  checkKeys(opts, ['clientIp', 'address'], 'shield.hono()');
  if (opts.clientIp !== undefined && opts.address !== undefined) {
    throw new RampartError('ERR_RAMPART_CONFIG', 'shield.hono(): give clientIp or its older name address, not both.');
  }
  const address = opts.clientIp ?? opts.address;
  if (address !== undefined && typeof address !== 'function') {
    throw new RampartError('ERR_RAMPART_CONFIG', "shield.hono(): clientIp must be a function (c) => address, e.g. (c) => c.req.header('CF-Connecting-IP').");
  }
  // biome-ignore lint/suspicious/noConfusingVoidType: Hono's MiddlewareHandler returns Promise<Response | void>
  return async function rampartHono(c: HonoContextLike, next: () => Promise<void>): Promise<Response | void> {
    const request = c.req.raw;
    const incoming = runtimeIncomingIn(c.env);
    // The same client request sent through the app again (Hono's methodOverride calls
    // app.fetch with the new Request and the same env; a handler re-dispatching elsewhere).
    const earlier = incoming !== undefined ? (incoming as Decided)[DECIDED] : liveStore();
    if (earlier?.builtBy(shield.context) !== true) return pass(c, next, request, incoming, undefined);
    // The same method on the same path: judged already, the same way.
    if (earlier.method === request.method && pathOf(earlier.request.url) === pathOf(request.url)) {
      bindView(earlier, c.req.raw, c);
      return next();
    }
    // Another method (methodOverride's DELETE) or another path: judged in full for what runs
    // (no exemption of the first path carries over; the rate limiter charges only the
    // policies the earlier pass did not), and its answer is final.
    const answer = await pass(c, next, request, incoming, earlier);
    (earlier as Superseded)[LATER_ANSWER] = answer ?? (c.finalized === false ? undefined : c.res);
    return answer;
  };

  /** Judge one pass of a request and run the app; `earlier` is the client request's earlier pass, if any. */
  async function pass(
    c: HonoContextLike,
    next: () => Promise<void>,
    request: Request,
    incoming: RuntimeIncoming | undefined,
    earlier: WebExchange | undefined,
    // biome-ignore lint/suspicious/noConfusingVoidType: Hono's MiddlewareHandler returns Promise<Response | void>
  ): Promise<Response | void> {
    const remote = (address !== undefined ? address(c) : undefined) ?? runtimeAddressIn(request, c.env);
    // A later pass's target is the app's new Request (its URL), not the node request's target;
    // its connection (TLS) is still the node request's.
    const connection = earlier !== undefined && incoming !== undefined ? laterPassIncoming(incoming) : incoming;
    // Hono routes `getPath(request)` (`c.req.path`): a custom getPath or `strict: false` may run
    // another path than the URL's, which the rules then match too (see routed-path.ts).
    const routed = c.req.path;
    const started = startWebExchange(shield, request, remote, c, connection, earlier, typeof routed === 'string' ? routed : undefined);
    const { exchange, early } = started instanceof Promise ? await started : started;
    // The rate-limit headers of the earlier pass stay on the answer when this pass counted nothing.
    if (earlier !== undefined && early === undefined) keepRateLimitHeaders(earlier, exchange);
    // Marks the runtime's node request (@hono/node-server) as decided by this shield.
    // methodOverride never sends a GET through again: a GET costs no mark.
    if (incoming !== undefined && exchange.method !== 'GET' && Object.isExtensible(incoming)) (incoming as Decided)[DECIDED] = exchange;
    if (exchange.bodyIdleMs !== undefined) closeStalledRuntimeBody(c.env, exchange.bodyIdleMs);
    if (early !== undefined) return early;
    if (exchange.request !== request) {
      c.req.raw = exchange.request;
      bindView(exchange, exchange.request);
    }
    try {
      // Elsewhere than on a node request, methodOverride is recognised through the running
      // exchange; a GET is never sent through again, so it costs nothing.
      if (incoming === undefined && exchange.method !== 'GET' && runningStorage() !== undefined) {
        try {
          await running!.run(exchange, next);
        } finally {
          // Work the handler left running (a background task) keeps this store: what it sends
          // through the app after the answer is a request of its own.
          (exchange as Finished)[FINISHED] = true;
        }
      } else await next();
    } catch (error) {
      // What Hono gives no onError (a thrown non-Error) or an onError that throws: the
      // runtime would answer a bare 500; rampart's 500 carries the security headers.
      console.error(error);
      c.res = undefined;
      c.res = webReply(exchange, exchange.bodyExceeded !== undefined ? exchange.bodyExceeded() : exchange.handlerFailure(error));
      return;
    }
    if (exchange.bodyExceeded !== undefined) {
      c.res = undefined;
      c.res = webReply(exchange, exchange.bodyExceeded());
      return;
    }
    const unanswered = c.error === undefined ? undefined : await unansweredRampartError(c);
    if (unanswered !== undefined) {
      c.res = undefined;
      c.res = webReply(exchange, exchange.handlerFailure(unanswered));
      return;
    }
    const response = c.finalized === false ? undefined : c.res;
    // A later pass answered (the app returned its Response as it is): final.
    const later = (exchange as Superseded)[LATER_ANSWER];
    if (later !== undefined && response === later) return;
    // No Response (a route that returned none, an onError that answered none), another value,
    // or one no server can send (Response.error(), status 0 or 1000, a Proxy around one): Hono
    // without rampart answers 500 ("Context is not finalized", or the runtime's) or 200.
    const unsendable = unsendableReason(response);
    if (unsendable !== undefined)
      return failWith(c, exchange, new RampartError('ERR_RAMPART_ADAPTER', `shield.hono(): the app answered ${unsendable} instead of a Response.`));
    let finished: Response;
    try {
      const finishing = finishWebResponse(exchange, response as Response);
      finished = finishing instanceof Promise ? await finishing : finishing;
    } catch (error) {
      return failWith(c, exchange, error);
    }
    if (finished !== response) {
      // Reset first: Hono's setter would otherwise copy the old headers (stale Content-Length) back.
      c.res = undefined;
      c.res = finished;
    }
  }
}

/** Print the app's failure and answer rampart's 500 (with the security headers) instead. */
function failWith(c: HonoContextLike, exchange: WebExchange, error: unknown): void {
  console.error(error);
  c.res = undefined;
  c.res = webReply(exchange, exchange.handlerFailure(error));
}

/**
 * A RampartError with an HTTP status (409 ERR_RAMPART_SESSION_ENDED, 503 of a session store)
 * that a route threw and that only Hono's default error handler answered (its plain-text 500,
 * after printing the error): rampart answers it with its own status and headers instead, as
 * Express and Fastify do. An onError of the app that answered anything else keeps its answer.
 */
async function unansweredRampartError(c: HonoContextLike): Promise<RampartError | undefined> {
  const error = c.error;
  if (!(error instanceof RampartError) || error.status === undefined || error.status < 400 || error.status > 599 || error.status === 500) return undefined;
  const response = c.res;
  if (response === undefined || response.status !== 500 || response.headers.get('content-type')?.startsWith('text/plain') !== true) return undefined;
  try {
    return (await response.clone().text()) === 'Internal Server Error' ? error : undefined;
  } catch {
    return undefined;
  }
}

/** The node request of a later pass: its connection without its target (see WebExchange's raw target). */
function laterPassIncoming(incoming: RuntimeIncoming): RuntimeIncoming {
  const socket = (incoming as { socket?: unknown }).socket;
  return { url: '', httpVersionMajor: incoming.httpVersionMajor, socket } as RuntimeIncoming;
}

/** Copy the rate-limit headers of `earlier` that `exchange` did not set into `exchange`. */
function keepRateLimitHeaders(earlier: WebExchange, exchange: WebExchange): void {
  const from = earlier.out;
  const out = exchange.out;
  for (let i = 0; i < from.length; i += 2) {
    const name = from[i]!;
    if ((name.startsWith('ratelimit') || name.startsWith('x-ratelimit')) && exchange.get(name) === undefined) out.push(name, from[i + 1]!);
  }
}

/** `rampart/hono`: the Hono middleware of a shield (same as `shield.hono()`). */
export function hono(shield: ShieldCore, options?: HonoAdapterOptions): HonoMiddleware {
  return honoAdapter(shield, options);
}
