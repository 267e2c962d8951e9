/**
 * The routes of Fastify and Hono apps, read from the frameworks' own route tables while
 * `rampart check --app` imports the app (check-app-child.ts); Express routers are walked there.
 * - Fastify announces every instance it creates on the diagnostics channel
 *   `fastify.initialization`; an `onRoute` hook added then sees every route with its prefix,
 *   plugins included.
 * - Hono keeps no global list of apps, but every route (sub-apps mounted with `route()` and
 *   `basePath()` included) is added to its router with the full path: the routers' `add` is
 *   observed, on the same module instances the app imports (resolved from the app's file). A
 *   sub-app's own entries (`/login` of an app mounted at `/auth`) are dropped: mounting adds the
 *   same handler again to the parent's router under the longer path, which is the one served.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import module from 'node:module';

/** How long `paths()` lets a Fastify app that never called ready() or listen() load its plugins. */
const READY_MS = 3000;
/** Specifiers the child imports as the app would resolve them (the part after the prefix). */
const AS_THE_APP = 'rampart-check-app-resolve:';
const HONO_ROUTERS = ['smart-router', 'reg-exp-router', 'trie-router', 'linear-router', 'pattern-router'];
/** The property by which Hono marks a mounted sub-app's handler wrapped for its error handler. */
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

/** One route as a Hono router received it. */
interface HonoEntry {
  router: unknown;
  path: string;
}

interface FastifyLike {
  addHook(name: 'onRoute', hook: (route: { url?: unknown }) => void): unknown;
  ready(): PromiseLike<unknown>;
}

interface RouterPrototype {
  add(this: unknown, method: unknown, path: unknown, ...rest: unknown[]): unknown;
}

/** Collects the route paths of the Fastify and Hono apps an app module builds. */
export interface FrameworkRoutes {
  /** Start observing; call before the app is imported. `appUrl`: the app's file URL. */
  start(appUrl: string): Promise<void>;
  /** The paths seen, once every Fastify app has loaded its plugins (or READY_MS passed). */
  paths(): Promise<string[]>;
}

/** A collector for one check. */
export function frameworkRoutes(): FrameworkRoutes {
  const seen = new Set<string>();
  const fastifyApps: FastifyLike[] = [];
  // Hono routes by handler (the original of a wrapped one): how a mounted copy is recognised.
  const honoRoutes = new Map<unknown, HonoEntry[]>();

  const onFastify = (message: unknown): void => {
    const app = (message as { fastify?: FastifyLike } | null)?.fastify;
    if (typeof app?.addHook !== 'function') return;
    fastifyApps.push(app);
    try {
      app.addHook('onRoute', (route) => {
        if (typeof route?.url === 'string') seen.add(route.url);
      });
    } catch {
      // An instance that refuses hooks keeps its routes to itself.
    }
  };

  // Router prototypes already observed (require() of an ESM-only build returns the same classes).
  const observed = new WeakSet<object>();
  const observeRouters = (exports: Record<string, unknown>): void => {
    for (const value of Object.values(exports)) {
      const proto = (value as { prototype?: RouterPrototype } | null)?.prototype;
      if (typeof value !== 'function' || typeof proto?.add !== 'function' || observed.has(proto)) continue;
      observed.add(proto);
      const add = proto.add;
      proto.add = function observedAdd(this: unknown, method: unknown, path: unknown, ...rest: unknown[]): unknown {
        // Middleware (`use`) is method ALL on a wildcard path: not a route of its own.
        if (typeof path === 'string' && !(method === 'ALL' && path.includes('*'))) {
          const handler = Array.isArray(rest[0]) ? rest[0][0] : rest[0];
          const key = (handler as Record<string, unknown> | null | undefined)?.[COMPOSED_HANDLER] ?? handler;
          const list = honoRoutes.get(key) ?? [];
          list.push({ router: this, path });
          honoRoutes.set(key, list);
        }
        return add.call(this, method, path, ...rest);
      };
    }
  };

  const observeHono = async (appUrl: string): Promise<void> => {
    // An app that loads Hono with require() gets its CommonJS build: other module instances
    // than the ESM one, so both are observed, each resolved as the app resolves it.
    const requireAsTheApp = module.createRequire(appUrl);
    for (const name of HONO_ROUTERS) {
      try {
        observeRouters((await import(`${AS_THE_APP}hono/router/${name}`)) as Record<string, unknown>);
      } catch {
        // Hono is not installed for this app, or has no such router
      }
      try {
        observeRouters(requireAsTheApp(`hono/router/${name}`) as Record<string, unknown>);
      } catch {
        // no CommonJS build of this router
      }
    }
  };

  return {
    async start(appUrl) {
      diagnosticsChannel.subscribe('fastify.initialization', onFastify);
      // Older Node (< 22.15) has no in-thread resolve hooks: Hono routes are then not listed.
      if (typeof module.registerHooks !== 'function') return;
      module.registerHooks({
        resolve(specifier, context, nextResolve) {
          if (!specifier.startsWith(AS_THE_APP)) return nextResolve(specifier, context);
          return nextResolve(specifier.slice(AS_THE_APP.length), { ...context, parentURL: appUrl });
        },
      });
      await observeHono(appUrl);
    },
    async paths() {
      for (const app of fastifyApps) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.resolve()
            .then(() => app.ready())
            .then(
              () => undefined,
              () => undefined,
            ),
          new Promise((resolve) => {
            timer = setTimeout(resolve, READY_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      for (const list of honoRoutes.values()) {
        for (const e of list) {
          const mounted = list.some((o) => o.router !== e.router && o.path.length > e.path.length && (e.path === '/' || o.path.endsWith(e.path)));
          if (!mounted) seen.add(e.path);
        }
      }
      return [...seen];
    },
  };
}
