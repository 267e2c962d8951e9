import { bindView } from '../core/registry.ts';
import { RampartError } from '../errors.ts';
import { checkKeys, optionsObject } from '../core/options.ts';
import type { ShieldCore } from '../stack/shield.ts';
import {
  finishWebResponse,
  runtimeAddressIn,
  runtimeIncoming,
  runtimeIncomingIn,
  startWebExchange,
  type WebExchange,
  type WebStart,
  webReply,
} from './web-exchange.ts';
import { closeStalledRuntimeBody } from './node-body.ts';
import { isResponse, unsendableReason } from './fetch-response.ts';

/** A fetch-style handler: `(request, ...runtimeArgs) => Response`. */
// biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments (env, ctx, info) are typed by the app; unknown would reject its typed handler
export type FetchHandler = (request: Request, ...rest: any[]) => Response | Promise<Response>;

/** Options of the fetch adapter. */
export interface FetchAdapterOptions {
  /**
   * Where this runtime keeps the client address, called with the handler's arguments
   * (`request, env, ctx` on Workers). Needed where the runtime passes none — Cloudflare
   * Workers: `(request) => request.headers.get('CF-Connecting-IP')` — when the stack keys
   * by client (rate limit, blocklist): without an address such requests fail with
   * ERR_RAMPART_CONFIG instead of every client sharing one key. Returning undefined falls
   * back to the default: Deno's `info.remoteAddr.hostname`, Bun's `server.requestIP(request)`,
   * @hono/node-server's `env.incoming.socket`. The result is the peer address: `trustProxy`
   * still applies to it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments (env, ctx, info) are typed by the app; unknown would reject its typed handler
  clientIp?: (request: Request, ...rest: any[]) => string | undefined | null;
  /** Older name of {@link FetchAdapterOptions.clientIp}. */
  // biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments (env, ctx, info) are typed by the app; unknown would reject its typed handler
  address?: (request: Request, ...rest: any[]) => string | undefined | null;
  /**
   * Called when the handler throws, rejects or answers something other than a Response
   * (ERR_RAMPART_ADAPTER), with the error, the request and the
   * runtime's arguments. rampart then answers a 500 (problem+json, or the HTML page a
   * browser prefers) with its security headers, where the runtime would send its own bare
   * 500 — or, for a RampartError with an HTTP status, that status and the error's headers
   * (409 ERR_RAMPART_SESSION_ENDED, 503 + Retry-After of a session store). Default: `console.error(error)`, what Bun, Deno, @hono/node-server and Hono print.
   * Return a Response to answer with it instead (rampart's headers are merged into it);
   * throw (`(error) => { throw error; }`) to hand the error to the runtime as without
   * rampart (its own 500, without rampart's headers).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments (env, ctx, info) are typed by the app; unknown would reject its typed handler
  // biome-ignore lint/suspicious/noConfusingVoidType: a reporting callback such as (error) => console.error(error) returns void
  onError?: (error: unknown, request: Request, ...rest: any[]) => Response | undefined | void | Promise<Response | undefined | void>;
}

/** The default {@link FetchAdapterOptions.onError}: print the error, as fetch runtimes do. */
function printError(error: unknown): void {
  console.error(error);
}

/**
 * The handler's error when its result is not a Response a server can send (the runtime would
 * fail, hang up or send it as a 200).
 */
function notAResponse(value: unknown): RampartError {
  const what = unsendableReason(value) ?? 'an unreadable value';
  return new RampartError('ERR_RAMPART_ADAPTER', `shield.fetch(handler): the handler returned ${what} instead of a Response.`);
}

/**
 * The `then` of a handler's (or onError's) result: a promise, or any thenable (awaited like
 * one, as `await` would). Throws what a throwing `then` getter throws.
 */
function thenOf(value: unknown): unknown {
  return typeof value === 'object' || typeof value === 'function' ? (value as { then?: unknown } | null)?.then : undefined;
}

/** Peer address from the second argument fetch runtimes pass (Deno info, Bun server, node-server env). */
export function runtimeAddress(request: Request, rest: readonly unknown[]): string {
  return runtimeAddressIn(request, rest[0]);
}

/**
 * The request target as the client sent it, when the runtime keeps it (@hono/node-server
 * passes `{ incoming }` as the second argument); undefined elsewhere (the URL is used).
 */
export function runtimeTarget(rest: readonly unknown[]): string | undefined {
  return runtimeIncoming(rest)?.url;
}

/**
 * Wrap a fetch-style handler (Bun, Deno, Cloudflare Workers, any `Request → Response`).
 * A handler that throws gets rampart's 500 (a RampartError with an HTTP status: that status), security headers included, and its error goes
 * to {@link FetchAdapterOptions.onError}.
 *
 * @example
 * export default { fetch: shield.fetch((req) => Response.json({ ok: true })) };
 */
export function fetchAdapter(shield: ShieldCore, handler: FetchHandler, options: FetchAdapterOptions = {}): FetchHandler {
  if (typeof handler !== 'function') {
    throw new RampartError('ERR_RAMPART_ADAPTER', 'shield.fetch(handler) needs a (request) => Response function.');
  }
  const opts = optionsObject(options, 'shield.fetch()');
  checkKeys(opts, ['clientIp', 'address', 'onError'], 'shield.fetch()');
  if (options.clientIp !== undefined && options.address !== undefined) {
    throw new RampartError('ERR_RAMPART_CONFIG', 'shield.fetch(): give clientIp or its older name address, not both.');
  }
  const address = options.clientIp ?? options.address;
  if (address !== undefined && typeof address !== 'function') {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      "shield.fetch(): clientIp must be a function (request, ...runtimeArgs) => address, e.g. (request) => request.headers.get('CF-Connecting-IP').",
    );
  }
  const onError = options.onError ?? printError;
  if (typeof onError !== 'function') {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      'shield.fetch(): onError must be a function (error, request, ...runtimeArgs) => Response | undefined, e.g. (error) => console.error(error).',
    );
  }
  /** The handler's Response, rampart's headers merged; rampart's answer when the body failed (413, 408) meanwhile. */
  // biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments, as FetchHandler
  const finish = (exchange: WebExchange, response: Response, rest: any[]): Response | Promise<Response> => {
    // The body failed but the handler answered anyway: rampart's answer wins.
    if (exchange.bodyExceeded !== undefined) return webReply(exchange, exchange.bodyExceeded());
    // A Response rampart cannot merge into (a foreign one whose headers refuse): a handler failure.
    let finished: Response | Promise<Response>;
    try {
      finished = finishWebResponse(exchange, response);
    } catch (error) {
      return failed(exchange, error, rest);
    }
    return finished instanceof Promise ? finished.catch((error: unknown) => failed(exchange, error, rest)) : finished;
  };
  /** onError's Response with rampart's headers, or rampart's 500. */
  const answered = (exchange: WebExchange, answer: unknown, error: unknown): Response | Promise<Response> => {
    const failure = (): Response => webReply(exchange, exchange.handlerFailure(error));
    if (!isResponse(answer)) return failure();
    try {
      const finished = finishWebResponse(exchange, answer);
      return finished instanceof Promise ? finished.catch(failure) : finished;
    } catch {
      return failure();
    }
  };
  // biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments, as FetchHandler
  const failed = (exchange: WebExchange, error: unknown, rest: any[]): Response | Promise<Response> => {
    if (exchange.bodyExceeded !== undefined) return webReply(exchange, exchange.bodyExceeded());
    // An onError that throws hands its error to the runtime (a rejection).
    const answer = onError(error, exchange.request, ...rest);
    let then: unknown;
    try {
      then = thenOf(answer);
    } catch {
      return answered(exchange, undefined, error);
    }
    if (typeof then === 'function') {
      // A rejection is onError handing its error to the runtime, as a throw is.
      return Promise.resolve(answer).then((resolved) => answered(exchange, resolved, error));
    }
    return answered(exchange, answer, error);
  };
  // biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments, as FetchHandler
  const proceed = (request: Request, rest: any[], started: WebStart): Response | Promise<Response> => {
    const { exchange, early } = started;
    if (exchange.bodyIdleMs !== undefined) closeStalledRuntimeBody(rest[0], exchange.bodyIdleMs);
    if (early !== undefined) return early;
    if (exchange.request !== request) bindView(exchange, exchange.request);
    let response: Response | Promise<Response>;
    try {
      response = handler(exchange.request, ...rest);
    } catch (error) {
      return failed(exchange, error, rest);
    }
    let then: unknown;
    try {
      then = thenOf(response);
    } catch (error) {
      return failed(exchange, error, rest);
    }
    if (typeof then === 'function') {
      // Any thenable, as `await` takes it (its own then() may return nothing).
      return Promise.resolve(response).then(
        (resolved) => (isResponse(resolved) ? finish(exchange, resolved, rest) : failed(exchange, notAResponse(resolved), rest)),
        (error: unknown) => failed(exchange, error, rest),
      );
    }
    return isResponse(response) ? finish(exchange, response, rest) : failed(exchange, notAResponse(response), rest);
  };
  // Synchronous while the stack and the handler are: a fetch runtime may then send the
  // Response at once (@hono/node-server writes it without awaiting). Errors still reject the
  // returned promise; the call itself never throws.
  // biome-ignore lint/suspicious/noExplicitAny: same signature as FetchHandler
  return function rampartFetch(request: Request, ...rest: any[]): Response | Promise<Response> {
    try {
      const remote = (address !== undefined ? address(request, ...rest) : undefined) ?? runtimeAddressIn(request, rest[0]);
      const started = startWebExchange(shield, request, remote, undefined, runtimeIncomingIn(rest[0]));
      return started instanceof Promise ? started.then((resolved) => proceed(request, rest, resolved)) : proceed(request, rest, started);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** `rampart/fetch`: wrap a fetch handler with a shield (same as `shield.fetch(handler)`). */
export function fetch(shield: ShieldCore, handler: FetchHandler, options?: FetchAdapterOptions): FetchHandler {
  return fetchAdapter(shield, handler, options);
}
