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
 *
 * @example
 * export default { fetch: shield.fetch((req) => Response.json({ ok: true })) };
 */
export function fetchAdapter(shield: ShieldCore, handler: FetchHandler, options: FetchAdapterOptions = {}): FetchHandler {
  if (typeof handler !== 'function') {
    throw new RampartError('ERR_RAMPART_ADAPTER', 'shield.fetch(handler) needs a (request) => Response function.');
  }
  const opts = optionsObject(options, 'shield.fetch()');
  checkKeys(opts, ['clientIp', 'address'], 'shield.fetch()');
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
  /** The handler's Response, rampart's headers merged; rampart's answer when the body failed (413, 408) meanwhile. */
  const finish = (exchange: WebExchange, response: Response): Response | Promise<Response> =>
    // The body failed but the handler answered anyway: rampart's answer wins.
    exchange.bodyExceeded !== undefined ? webReply(exchange, exchange.bodyExceeded()) : finishWebResponse(exchange, response);
  const failed = (exchange: WebExchange, error: unknown): Response => {
    if (exchange.bodyExceeded === undefined) throw error;
    return webReply(exchange, exchange.bodyExceeded());
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
      return failed(exchange, error);
    }
    if (typeof (response as Partial<Promise<Response>> | null)?.then === 'function') {
      return (response as Promise<Response>).then(
        (resolved) => finish(exchange, resolved),
        (error: unknown) => failed(exchange, error),
      );
    }
    return finish(exchange, response as Response);
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
