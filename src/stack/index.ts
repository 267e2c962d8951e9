import { compileTrustProxy, type ProxyHeadersOption, type TrustProxyOption } from '../client-ip/index.ts';
import { globalEventSink, warnConfig } from '../core/events.ts';
import { recordMount } from '../core/config-registry.ts';
import { checkKeys, optionsObject } from '../core/options.ts';
import type { EventSink, Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';
import type { ViewContext } from '../core/view.ts';
import { RampartError } from '../errors.ts';
import { nodeAdapter, type NodeHandler } from '../adapters/node.ts';
import { upgradeAdapter, type UpgradeListener, type UpgradeOptions } from '../adapters/node-upgrade.ts';
import { expressAdapter, type ExpressAdapterOptions, type ExpressMiddleware } from '../adapters/express.ts';
import { fastifyPluginFactory, type FastifyPluginFactory } from '../adapters/fastify.ts';
import { honoAdapter, type HonoAdapterOptions, type HonoMiddleware } from '../adapters/hono.ts';
import { fetchAdapter, type FetchAdapterOptions, type FetchHandler } from '../adapters/fetch.ts';
import { presentDefault, rejectionPresenter, type OnReject, type Presenter } from '../core/on-reject.ts';
import { failureReply, runChain } from './run.ts';
import type { ShieldCore } from './shield.ts';
import { withTargetCheck } from './target.ts';

/** Options shared by `stack()` and the `rampart()` preset. */
export interface StackOptions {
  /** Which peers may report the client address and scheme. Default false (socket address only). */
  trustProxy?: TrustProxyOption;
  /**
   * Which header family trusted proxies use for the client address, scheme and host:
   * `'x-forwarded'` (default: X-Forwarded-For/-Proto/-Host) or `'forwarded'` (RFC 7239).
   * The other family is ignored.
   */
  proxyHeaders?: ProxyHeadersOption;
  /** Where security events go. Default: the global SecurityLog (see `rampart/log`). */
  events?: EventSink;
  /**
   * Accept `%2F`/`%5C` inside a path segment (kept encoded in the canonical path) instead
   * of answering 400. Only for apps whose routes carry encoded slashes; announced at startup.
   */
  allowEncodedSlashes?: boolean;
  /**
   * Answer rejections (403 CSRF, 429, 400 host, 413, …) with the application's own page:
   * `(rejection, req) => Response | { status, headers, body } | undefined` (undefined: the
   * default, an HTML page for browsers and problem+json for the rest). Security headers
   * still apply; a handler that throws gets the default answer and a REJECT_HANDLER_FAILED event.
   */
  onReject?: OnReject;
}

export type { ShieldCore } from './shield.ts';

/** A composed middleware stack with one method per adapter (each hands this shield to its adapter). */
export interface Shield extends ShieldCore {
  /** node:http handler: `http.createServer(shield.node(handler))`. */
  node<H extends NodeHandler>(handler: H): NodeHandler;
  /**
   * node:http 'upgrade' listener (WebSocket handshakes never reach `node(handler)`):
   * `server.on('upgrade', shield.upgrade(listener, { origins }))` runs the request checks and
   * refuses a cross-site `Origin`; a refused handshake gets a raw HTTP answer and is closed.
   */
  upgrade(listener: UpgradeListener, options?: UpgradeOptions): UpgradeListener;
  /**
   * Connect/Express middleware: `app.use(shield.express())`. With `{ rejections: 'next' }`
   * rejections go to the app's error handler as a RejectionError (`next(err)`).
   */
  express(options?: ExpressAdapterOptions): ExpressMiddleware;
  /**
   * Fastify plugin: `await app.register(shield.fastify())`. Registered uncalled
   * (`app.register(shield.fastify)`) it installs the same plugin.
   */
  readonly fastify: FastifyPluginFactory;
  /** Hono middleware: `app.use(shield.hono())`. */
  hono(options?: HonoAdapterOptions): HonoMiddleware;
  /** fetch-style handler (Bun, Deno, Workers, Node via an adapter): `export default { fetch: shield.fetch(handler) }`. */
  fetch(handler: FetchHandler, options?: FetchAdapterOptions): FetchHandler;
  /** Release middleware resources (stores, timers). */
  close(): Promise<void>;
}

/**
 * Run `chain` with rejections (and a middleware that threw: fail closed) turned into what
 * the client prefers: an HTML page for a browser, problem+json for the rest, or onReject's answer.
 */
function runPresented(
  chain: readonly Middleware[],
  present: Presenter,
  req: RequestView,
  res: ResponseControl,
): Reply | undefined | Promise<Reply | undefined> {
  let outcome: Reply | undefined | Promise<Reply | undefined>;
  try {
    outcome = runChain(chain, 0, req, res);
  } catch (error) {
    return present(req, failureReply(error));
  }
  if (outcome === undefined) return undefined;
  if (typeof (outcome as Promise<unknown>).then !== 'function') return present(req, outcome as Reply);
  return (outcome as Promise<Reply | undefined>).then(
    (reply) => (reply === undefined ? undefined : present(req, reply)),
    (error: unknown) => present(req, failureReply(error)),
  );
}

/**
 * Compose middleware in order (outermost first) into a {@link Shield}.
 *
 * @example
 * const shield = stack([securityHeaders(), cors({ origins: ['https://app.example'] })]);
 * http.createServer(shield.node(handler)).listen(3000);
 */
export function stack(middleware: readonly Middleware[], options: StackOptions = {}): Shield {
  if (!Array.isArray(middleware)) {
    throw new RampartError('ERR_RAMPART_CONFIG', 'stack() takes an array of middleware, e.g. stack([securityHeaders(), cors({...})]).');
  }
  middleware.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.handle !== 'function') {
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        `stack(): entry ${i} is not a rampart middleware (an object with handle(req, res)); call the factory, e.g. securityHeaders().`,
      );
    }
  });
  checkKeys(optionsObject(options, 'stack'), ['trustProxy', 'proxyHeaders', 'events', 'allowEncodedSlashes', 'onReject'], 'stack');
  const allowEncodedSlashes = options.allowEncodedSlashes ?? false;
  if (typeof allowEncodedSlashes !== 'boolean') {
    throw new RampartError('ERR_RAMPART_CONFIG', `allowEncodedSlashes must be true or false (got ${JSON.stringify(allowEncodedSlashes)}).`);
  }
  const chain = Object.freeze([...middleware]);
  const sink = options.events ?? globalEventSink;
  const context: ViewContext = Object.freeze({
    trust: compileTrustProxy(options.trustProxy, { proxyHeaders: options.proxyHeaders, sink }),
    sink,
    presentNow: presentDefault,
    ...(allowEncodedSlashes ? { allowEncodedSlashes } : {}),
  });
  if (allowEncodedSlashes) {
    warnConfig(
      "allowEncodedSlashes: %2F and %5C inside path segments are accepted; a router that decodes them reads another path than rampart's path rules see.",
      sink,
    );
  }
  // The target check runs right after the security headers, before any other decision.
  const full = withTargetCheck(chain);
  const present = rejectionPresenter(options.onReject);
  // `rampart check --app` asks whether an adapter was made for the shield (a shield never mounted protects nothing).
  const mounted = (): Shield => {
    recordMount(context);
    return shield;
  };
  const shield: Shield = {
    middleware: chain,
    context,
    run: (req, res) => runPresented(full, present, req, res),
    decide: (req, res) => runChain(full, 0, req, res),
    node: (handler) => nodeAdapter(mounted(), handler),
    upgrade: (listener, opts) => upgradeAdapter(mounted(), listener, opts),
    express: (opts) => expressAdapter(mounted(), opts),
    fastify: fastifyPluginFactory(mounted),
    hono: (opts) => honoAdapter(mounted(), opts),
    fetch: (handler, opts) => fetchAdapter(mounted(), handler, opts),
    async close() {
      await Promise.all(chain.map((m) => m.close?.()));
    },
  };
  return Object.freeze(shield);
}
