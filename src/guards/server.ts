import type { Server as HttpServer } from 'node:http';
import { checkKeys, configError, describeValue, numberOption } from '../core/options.ts';

/** Options of {@link hardenServer}, in seconds. */
export interface HardenServerOptions {
  /** Longest time a client may take to send the request head (slowloris). Default 10 (node: 60). */
  headersTimeout?: number;
  /** Longest time for the whole request, head and body (slow bodies). Default 30 (node: 300). At least headersTimeout. */
  requestTimeout?: number;
  /** How long an idle keep-alive connection stays open. Default 5 (node: 5). */
  keepAliveTimeout?: number;
}

/** The defaults {@link hardenServer} applies (seconds). */
export const SERVER_TIMEOUT_DEFAULTS: Readonly<Required<HardenServerOptions>> = Object.freeze({
  headersTimeout: 10,
  requestTimeout: 30,
  keepAliveTimeout: 5,
});

interface TimedServer {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval?: number;
  listening: boolean;
  // biome-ignore lint/complexity/noBannedTypes: node:events declares listeners(): Function[]; the same type lets a real server match
  listeners(event: string): Function[];
}

/**
 * Apply slow-request timeouts to a node:http / node:https server (the one under
 * `shield.node()`, Express, Fastify's `f.server` or `@hono/node-server`): headers within
 * `headersTimeout`, the whole request within `requestTimeout`, idle keep-alive
 * connections closed after `keepAliveTimeout` (all seconds). A client that trickles its
 * head (slowloris) or its body gets 408 and the connection is closed, instead of holding
 * a socket for node's 60 s / 300 s. Node checks those deadlines every
 * `connectionsCheckingInterval` (30 s by default); this sets it to at most 1 s.
 *
 * @example
 * const server = hardenServer(http.createServer(shield.node(app)));
 * server.listen(3000);
 */
export function hardenServer<S extends HttpServer>(server: S, options: HardenServerOptions = {}): S {
  const target = server as unknown as TimedServer;
  if (typeof server !== 'object' || server === null || typeof target.headersTimeout !== 'number' || typeof target.requestTimeout !== 'number') {
    throw configError(
      `hardenServer needs a node:http or node:https server (http.createServer(...), Fastify's f.server, @hono/node-server's createAdaptorServer); got ${describeValue(server)}.`,
    );
  }
  if (typeof options !== 'object' || options === null) throw configError(`hardenServer options must be an object (got ${describeValue(options)}).`);
  checkKeys(options, ['headersTimeout', 'requestTimeout', 'keepAliveTimeout'], 'hardenServer');
  const headers = numberOption(options.headersTimeout ?? SERVER_TIMEOUT_DEFAULTS.headersTimeout, 'hardenServer: headersTimeout (seconds)', 0.1, 3600, false);
  const request = numberOption(
    options.requestTimeout ?? Math.max(SERVER_TIMEOUT_DEFAULTS.requestTimeout, headers),
    'hardenServer: requestTimeout (seconds)',
    0.1,
    86_400,
    false,
  );
  const keepAlive = numberOption(
    options.keepAliveTimeout ?? SERVER_TIMEOUT_DEFAULTS.keepAliveTimeout,
    'hardenServer: keepAliveTimeout (seconds)',
    0.1,
    3600,
    false,
  );
  if (request < headers) {
    throw configError(`hardenServer: requestTimeout (${request} s) must be at least headersTimeout (${headers} s): the request includes its headers.`);
  }
  target.headersTimeout = Math.round(headers * 1000);
  target.requestTimeout = Math.round(request * 1000);
  target.keepAliveTimeout = Math.round(keepAlive * 1000);
  // Node enforces headersTimeout/requestTimeout from a periodic check (default every 30 s),
  // so a 10 s deadline could really be 40 s. Check at least every second (a quarter of the
  // shortest deadline when that is shorter); node reads this value when the server starts
  // listening.
  const interval = Math.max(50, Math.min(1000, Math.floor((Math.min(headers, request) * 1000) / 4)));
  target.connectionsCheckingInterval = interval;
  if (target.listening) {
    // Already listening: node's checker runs with the old interval. Its 'listening'
    // handler (setupConnectionsTracking) replaces the checker when called again; it is
    // node's own listener, so nothing else runs. Without it the timeouts still apply,
    // just checked less often.
    const setup = target.listeners('listening').find((fn) => fn.name === 'setupConnectionsTracking');
    if (setup !== undefined) setup.call(server);
  }
  return server;
}
