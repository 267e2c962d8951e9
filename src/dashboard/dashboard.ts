/**
 * `dashboard({ log, auth })`: the security dashboard as a handler for every adapter. Routes,
 * under `path` (default `/_rampart`):
 * - `GET  {path}`             the page (charts, tables), or the sign-in page (401) for a browser without a session
 * - `GET  {path}/api/summary` the data the page draws (`?hours=1..168`)
 * - `GET  {path}/api/events`  Server-Sent Events: every event stored after the page loaded
 * - `GET  {path}/assets/dashboard.js` uPlot and the page script (built into dist/, no CDN)
 * - `POST {path}/login`, `POST {path}/logout` (token mode) the session cookie
 * Every answer carries its own strict CSP (a fresh nonce; no 'unsafe-inline'), no-store and
 * framing refused; unauthenticated requests get 401, an authenticated user without the
 * permission 403.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkKeys, configError, describeValue, optionsObject } from '../core/options.ts';
import { viewOf } from '../core/registry.ts';
import { freshNonce } from '../csp/nonce.ts';
import { openLogDatabase, readerOver, type LogReader } from '../log/reader.ts';
import { openedLogDatabase, SecurityLog } from '../log/security-log.ts';
import { checkDatabase, type Database, type DatabaseOption } from '../stores/database.ts';
import { dashboardAssets } from './assets.ts';
import { compileAuth, SESSION_COOKIE, SESSION_SECONDS, sessionCookie, type DashboardAuth } from './auth.ts';
import { LiveFeed } from './live.ts';
import { targetPath, underMount } from './mount.ts';
import { dashboardPage, loginPage } from './page.ts';
import { signOutsIn } from './signouts.ts';
import { summarize, type DashboardSummary } from './summary.ts';

/** Options of {@link dashboard}. */
export interface DashboardOptions {
  /** The app's SecurityLog (read through its own connection), or a database to read (a `postgres://` URL, a client). */
  log: SecurityLog | DatabaseOption;
  /** Who may see it (required: the dashboard is never public). See {@link DashboardAuth}. */
  auth: DashboardAuth;
  /** Where it is mounted. Default `'/_rampart'`. */
  path?: string;
  /** Table of a `log` given as a database. Default `'rampart_security_log'`. */
  table?: string;
  /** How often live updates look for new events, ms. Default 1000. */
  pollMs?: number;
  /** Most Server-Sent Events streams open at once (more get 503). Default 32. */
  maxStreams?: number;
  /** Shown under the title (what is being read). Default: "SecurityLog". */
  label?: string;
  /**
   * The app's `monitor()` (or `shield.monitor`): the page then shows its 4xx and 5xx rates over
   * all responses (the SecurityLog holds only what rampart refused, never a 5xx of the app).
   */
  monitor?: DashboardMonitor;
}

/** What the dashboard reads from a monitor: its current and previous counting windows. */
export interface DashboardMonitor {
  snapshot(): { current: MonitorWindow; previous?: MonitorWindow | undefined };
}

/** One counting window of a monitor, as {@link DashboardMonitor.snapshot} gives it. */
export interface MonitorWindow {
  /** Start of the window (ISO 8601). */
  readonly since: string;
  /** Length in seconds. */
  readonly window: number;
  readonly total: number;
  /** Responses by class: `{ '2xx': 120, '4xx': 7, '5xx': 1 }`. */
  readonly byClass: Readonly<Record<string, number>>;
}

/** A mounted dashboard: one entry per adapter. */
export interface Dashboard {
  /** fetch-style handler (Bun, Deno, Workers, Hono routes): 404 outside `path`. */
  fetch(request: Request): Promise<Response>;
  /** node:http handler and Connect/Express middleware: `app.use(dash.node)`; outside `path` it calls `next()` (or answers 404). */
  node(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /**
   * Fastify plugin: `await app.register(dash.fastify())`, after the shield's plugin. Registered
   * uncalled (`app.register(dash.fastify)`) it is the same plugin.
   */
  readonly fastify: DashboardFastifyPlugin;
  /** Hono middleware: `app.use(dash.hono())`. */
  hono(): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined>;
  /** Stop live updates and close a database the dashboard opened (never the app's SecurityLog). */
  close(): Promise<void>;
}

/** {@link Dashboard.fastify}: called with no argument it returns itself; Fastify calls it as a plugin. */
export type DashboardFastifyPlugin = {
  (): DashboardFastifyPlugin;
  (app: FastifyLike, options: unknown, done: (err?: Error) => void): void;
} & { [key: symbol]: unknown };

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): void }, done: (err?: Error) => void) => void,
  ): unknown;
}

/** The parts of a Hono context the middleware uses. */
export interface HonoContextLike {
  req: { raw: Request; url: string };
}

/** A request as the routes see it, whatever the adapter. */
interface Incoming {
  method: string;
  /** The canonical path below the mount ('/' for the mount itself). */
  sub: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  secure: boolean;
  native: unknown;
  body(limit: number): Promise<string>;
}

/** An answer: a whole body, or a stream of server-sent events. */
interface Outgoing {
  status: number;
  headers: Record<string, string | string[]>;
  body?: string;
  stream?: (write: (chunk: string) => void, closed: Promise<void>) => Promise<void>;
}

const OPTION_NAMES = ['log', 'auth', 'path', 'table', 'pollMs', 'maxStreams', 'label', 'monitor'];

function securityHeaders(nonce: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** The monitor's windows as the page shows them: totals and the 4xx / 5xx counts. */
function responseRates(monitor: DashboardMonitor): NonNullable<DashboardSummary['responses']> {
  const { current, previous } = monitor.snapshot();
  const one = (w: MonitorWindow) => ({
    since: w.since,
    window: w.window,
    total: w.total,
    clientErrors: w.byClass['4xx'] ?? 0,
    serverErrors: w.byClass['5xx'] ?? 0,
  });
  return previous === undefined ? [one(current)] : [one(previous), one(current)];
}

function problem(status: number, title: string, extra: Record<string, string> = {}): Outgoing {
  return {
    status,
    headers: { ...securityHeaders(freshNonce()), 'content-type': 'application/problem+json', ...extra },
    body: JSON.stringify({ type: 'about:blank', title, status }),
  };
}

/**
 * The security dashboard over a SecurityLog, mountable on every adapter (see {@link Dashboard}).
 * `auth` is required; a missing or malformed one throws ERR_RAMPART_CONFIG at construction.
 *
 * @example
 * const dash = dashboard({ log, auth: { token: process.env.DASHBOARD_TOKEN } });
 * app.use(dash.node);                       // Express / connect, at /_rampart
 * http.createServer((req, res) => dash.node(req, res, () => app(req, res)));
 */
export function dashboard(options: DashboardOptions): Dashboard {
  const o = optionsObject(options, 'dashboard') as Partial<DashboardOptions>;
  checkKeys(o, OPTION_NAMES, 'dashboard');
  // Sign-outs live beside the log, so every process reading the same database honours them.
  const gate = compileAuth(
    o.auth,
    signOutsIn(async () => (await open()).db),
  );
  const mount = o.path ?? '/_rampart';
  if (typeof mount !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(mount) || mount.endsWith('/') || mount.includes('//'))
    throw configError(`dashboard: path must be an absolute path without a trailing slash, like '/_rampart' (got ${describeValue(mount)}).`);
  const table = o.table ?? 'rampart_security_log';
  if (typeof table !== 'string' || !/^[a-z_][a-z0-9_]{0,47}$/.test(table))
    throw configError(`dashboard: table must match [a-z_][a-z0-9_]* (got ${describeValue(table)}).`);
  const pollMs = o.pollMs ?? 1000;
  if (typeof pollMs !== 'number' || !Number.isInteger(pollMs) || pollMs < 50 || pollMs > 60_000)
    throw configError('dashboard: pollMs must be an integer from 50 to 60000.');
  const maxStreams = o.maxStreams ?? 32;
  if (typeof maxStreams !== 'number' || !Number.isInteger(maxStreams) || maxStreams < 1) throw configError('dashboard: maxStreams must be a positive integer.');
  const label = typeof o.label === 'string' ? o.label : 'SecurityLog';
  const monitor = o.monitor;
  if (monitor !== undefined && typeof monitor?.snapshot !== 'function')
    throw configError('dashboard: monitor must be the monitor() of rampart (or shield.monitor).');
  const source = o.log;
  if (source === undefined) throw configError('dashboard: log is required (the SecurityLog to show, or a postgres:// URL to read).');
  const target = source instanceof SecurityLog ? undefined : checkDatabase(source, 'dashboard: log');

  // One connection for the log and the sign-outs: the app's SecurityLog's, or one opened here.
  let opened: Promise<{ db: Database; reader: LogReader }> | undefined;
  function open(): Promise<{ db: Database; reader: LogReader }> {
    opened ??= (
      target === undefined
        ? openedLogDatabase(source as SecurityLog).then(({ db, table: t, check }) => ({ db, reader: readerOver(db, t, false, check) }))
        : openLogDatabase(target, table).then((db) => ({ db, reader: readerOver(db, table, true) }))
    ).catch((err: unknown) => {
      opened = undefined;
      throw err;
    });
    return opened;
  }
  const reader = async (): Promise<LogReader> => (await open()).reader;
  return dashboardOver(reader, {
    gate,
    mount,
    pollMs,
    maxStreams,
    label,
    monitor,
    close: async () => (await opened?.catch(() => undefined))?.reader.close(),
  });
}

/** Internal: a dashboard over any reader (the CLI's). */
export function dashboardOver(
  reader: () => Promise<LogReader>,
  settings: {
    gate: ReturnType<typeof compileAuth>;
    mount: string;
    pollMs: number;
    maxStreams: number;
    label: string;
    monitor?: DashboardMonitor | undefined;
    close: () => Promise<void>;
  },
): Dashboard {
  const { gate, mount, maxStreams, label } = settings;
  const feed = new LiveFeed(reader, settings.pollMs);
  const wantsHtml = (req: Incoming): boolean => /\btext\/html\b/.test(req.header('accept') ?? '');

  function cookieHeader(value: string, maxAge: number, secure: boolean): string {
    return `${SESSION_COOKIE}=${value}; Path=${mount}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  function loginAnswer(status: number, failed: boolean): Outgoing {
    const nonce = freshNonce();
    return {
      status,
      headers: { ...securityHeaders(nonce), 'content-type': 'text/html; charset=utf-8', 'www-authenticate': 'Bearer realm="rampart dashboard"' },
      body: loginPage({ nonce, base: mount, failed }),
    };
  }

  /** A cross-site form post (login CSRF, logout by a foreign page) is refused. */
  function sameOrigin(req: Incoming): boolean {
    const site = req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.header('origin');
    if (origin === undefined || origin === 'null') return site !== undefined || origin === undefined;
    try {
      return new URL(origin).host === (req.header('host') ?? '');
    } catch {
      return false;
    }
  }

  async function route(req: Incoming): Promise<Outgoing> {
    const sub = req.sub;
    if (sub === '/login' && req.method === 'POST' && gate.tokens) {
      if (!sameOrigin(req)) return problem(403, 'Cross-site sign-in refused.');
      const form = new URLSearchParams(await req.body(4096));
      const session = gate.session(form.get('token') ?? '', Date.now());
      if (session === undefined) return loginAnswer(401, true);
      return { status: 303, headers: { ...securityHeaders(freshNonce()), location: mount, 'set-cookie': cookieHeader(session, SESSION_SECONDS, req.secure) } };
    }
    if (sub === '/logout' && req.method === 'POST') {
      if (!sameOrigin(req)) return problem(403, 'Cross-site sign-out refused.');
      const cleared = { 'set-cookie': cookieHeader('', 0, req.secure) };
      try {
        await gate.revoke(sessionCookie(req.header('cookie')), Date.now());
      } catch (err) {
        process.emitWarning(`rampart dashboard: a sign-out could not be stored in the log database: ${(err as Error)?.message ?? String(err)}`);
        return problem(
          503,
          'Signed out in this process only: the sign-out could not be stored in the log database, so other processes may accept this session until it expires. Sign out again when the database is back.',
          cleared,
        );
      }
      return { status: 303, headers: { ...securityHeaders(freshNonce()), location: mount, ...cleared } };
    }
    const verdict = await gate.check(req.native, req.header);
    if (verdict === 'unauthenticated') {
      if (gate.tokens && wantsHtml(req) && req.method === 'GET') return loginAnswer(401, false);
      return problem(401, 'Authentication required.', { 'www-authenticate': 'Bearer realm="rampart dashboard"' });
    }
    if (verdict === 'forbidden') return problem(403, 'You do not have permission to see the security dashboard.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return problem(405, 'Method not allowed.', { allow: 'GET, HEAD' });

    if (sub === '/' || sub === '') {
      const nonce = freshNonce();
      const { css } = await dashboardAssets();
      return {
        status: 200,
        headers: { ...securityHeaders(nonce), 'content-type': 'text/html; charset=utf-8' },
        body: dashboardPage({ nonce, base: mount, css, source: label }),
      };
    }
    if (sub === '/assets/dashboard.js') {
      const { script } = await dashboardAssets();
      return { status: 200, headers: { ...securityHeaders(freshNonce()), 'content-type': 'text/javascript; charset=utf-8' }, body: script };
    }
    if (sub === '/api/summary') {
      const raw = req.query.get('hours') ?? '24';
      const hours = /^\d{1,3}$/.test(raw) ? Math.min(Math.max(Number(raw), 1), 168) : 24;
      const summary = await summarize(await reader(), hours);
      if (settings.monitor !== undefined) summary.responses = responseRates(settings.monitor);
      return { status: 200, headers: { ...securityHeaders(freshNonce()), 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(summary) };
    }
    if (sub === '/api/events') {
      if (feed.size >= maxStreams) return problem(503, 'Too many live streams are open.', { 'retry-after': '10' });
      const r = await reader();
      const resume = Number(req.header('last-event-id'));
      const after = Number.isSafeInteger(resume) && resume > 0 ? resume : await r.newestId();
      return {
        status: 200,
        headers: {
          ...securityHeaders(freshNonce()),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store, no-transform',
          'x-accel-buffering': 'no',
        },
        async stream(write, closed) {
          write('retry: 3000\n\n');
          const stop = feed.subscribe((rows) => {
            for (const row of rows) write(`id: ${row.id}\nevent: security\ndata: ${JSON.stringify(row)}\n\n`);
          }, after);
          const ping = setInterval(() => write(': keep-alive\n\n'), 15_000);
          ping.unref?.();
          await closed;
          clearInterval(ping);
          stop();
        },
      };
    }
    return problem(404, 'Not found.');
  }

  async function answer(req: Incoming): Promise<Outgoing> {
    try {
      return await route(req);
    } catch (err) {
      process.emitWarning(`rampart dashboard: ${(err as Error)?.message ?? String(err)}`);
      return problem(500, 'The dashboard could not read the security log.');
    }
  }

  function fromWeb(request: Request, sub: string): Incoming {
    const url = new URL(request.url);
    return {
      method: request.method,
      sub: sub || '/',
      query: url.searchParams,
      header: (name) => request.headers.get(name) ?? undefined,
      secure: viewOf(request)?.secure ?? url.protocol === 'https:',
      native: request,
      body: async (limit) => {
        const text = await request.text();
        return text.length > limit ? '' : text;
      },
    };
  }

  async function fetchHandler(request: Request): Promise<Response> {
    const sub = underMount(mount, targetPath(request.url));
    if (sub === undefined) return new Response('Not found', { status: 404 });
    const req = fromWeb(request, sub);
    const out = await answer(req);
    const headers = new Headers();
    for (const [k, v] of Object.entries(out.headers)) for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
    if (out.stream === undefined) return new Response(req.method === 'HEAD' ? null : (out.body ?? null), { status: out.status, headers });
    const stream = out.stream;
    let finish: () => void = () => {};
    const closed = new Promise<void>((resolve) => (finish = resolve));
    request.signal?.addEventListener('abort', () => finish());
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        void stream((chunk) => {
          try {
            controller.enqueue(encoder.encode(chunk));
          } catch {
            finish();
          }
        }, closed).finally(() => {
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        });
      },
      cancel: () => finish(),
    });
    return new Response(body, { status: out.status, headers });
  }

  function nodeHandler(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void {
    // Express strips its mount path from req.url and keeps the full one in originalUrl.
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const q = url.indexOf('?');
    const sub = underMount(mount, targetPath(url));
    if (sub === undefined) {
      if (next !== undefined) next();
      else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const incoming: Incoming = {
      method: req.method ?? 'GET',
      sub: sub || '/',
      query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
      header,
      secure: viewOf(req)?.secure ?? (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true,
      native: req,
      body: (limit) =>
        new Promise((resolve, reject) => {
          const chunks: Buffer[] = [];
          let size = 0;
          req.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= limit) chunks.push(c);
          });
          req.on('end', () => resolve(size > limit ? '' : Buffer.concat(chunks).toString('utf8')));
          req.on('error', reject);
        }),
    };
    void answer(incoming).then(async (out) => {
      if (res.headersSent) return;
      if (out.stream === undefined) {
        res.writeHead(out.status, out.headers);
        res.end(incoming.method === 'HEAD' ? undefined : out.body);
        return;
      }
      res.writeHead(out.status, out.headers);
      res.flushHeaders?.();
      const closed = new Promise<void>((resolve) => res.on('close', resolve));
      await out.stream((chunk) => void res.write(chunk), closed);
      res.end();
    });
  }

  /**
   * An onRequest hook on the app itself (the plugin skips Fastify's encapsulation), so the mount
   * is read from the raw target as on the other adapters (Fastify's router would refuse `//` or
   * another case with its own 404) and the body is still unread: the sign-in form needs no
   * content-type parser of the app (Fastify has none for urlencoded forms and answers 415).
   * Register it after the shield's plugin so the shield's hooks run first.
   */
  function fastifyPlugin(app?: FastifyLike, _options?: unknown, done?: (err?: Error) => void): DashboardFastifyPlugin | undefined {
    // `dash.fastify()` (as `shield.fastify()` is written) hands back the plugin itself.
    if (app === undefined) return fastifyPlugin as DashboardFastifyPlugin;
    if (typeof app?.addHook !== 'function' || typeof done !== 'function') {
      throw configError('dash.fastify takes no options (configure dashboard()); mount it with await app.register(dash.fastify()).');
    }
    app.addHook('onRequest', (request, reply, next) => {
      const raw = request.raw;
      if (underMount(mount, targetPath(raw.url ?? '/')) === undefined) {
        next();
        return;
      }
      reply.hijack();
      nodeHandler(raw, reply.raw);
      next();
    });
    done();
    return undefined;
  }
  Object.assign(fastifyPlugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'rampart-dashboard' });

  return Object.freeze<Dashboard>({
    fetch: fetchHandler,
    node: nodeHandler,
    fastify: fastifyPlugin as DashboardFastifyPlugin,
    hono() {
      return async (c, next) => {
        if (underMount(mount, targetPath(c.req.url)) === undefined) {
          await next();
          return undefined;
        }
        return fetchHandler(c.req.raw);
      };
    },
    async close() {
      feed.close();
      await settings.close();
    },
  });
}
