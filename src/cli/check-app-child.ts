/**
 * The child process of `rampart check --app FILE`: imports the app with listening and
 * connecting (TCP and UDP) disabled, under Node's permission model (permissionFlags() in
 * check-app.ts: no worker thread, child process, addon or process.binding() gets around the
 * stubs), then reports on file descriptor 3 what it built — the configuration every rampart
 * component recorded (core/config-registry.ts), the node servers it created (their
 * timeouts) and the routes an Express, Fastify or Hono app registered. The app's own output stays on
 * stdout/stderr, which the parent discards. Arguments: the app file, the environment name.
 */
import dgram from 'node:dgram';
import { readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { type ConfigRecord, startRecording, wasMounted } from '../core/config-registry.ts';
import type { RampartOptions } from '../preset.ts';
import { type AppSnapshot, cookieFindings, type ServerSnapshot, shieldFindings, timeoutFindings, unmountedFinding } from './check-app-rules.ts';
import { frameworkRoutes } from './check-app-routes.ts';
import type { Finding } from './findings.ts';

const [file, environment] = process.argv.slice(2);
const SETTLE_MS = 200;
/**
 * An app that awaits its own listen() (`await app.listen()` in Fastify) never finishes
 * importing, since nothing binds: this long after the first listen() the check goes on anyway.
 */
const AFTER_LISTEN_MS = 2000;
const LOG_READ_MS = 3000;

const records: ConfigRecord[] = startRecording();
const servers: net.Server[] = [];
let listenCalled: () => void = () => {};
const listened = new Promise<void>((resolve) => {
  listenCalled = resolve;
});

// Nothing binds: listen() records the server and returns it, unbound (no callback runs).
net.Server.prototype.listen = function listen(this: net.Server): net.Server {
  if (!servers.includes(this)) servers.push(this);
  listenCalled();
  return this;
} as typeof net.Server.prototype.listen;

// Nothing connects: every outgoing socket (HTTP clients, databases, fetch) fails at once.
net.Socket.prototype.connect = function connect(this: net.Socket): net.Socket {
  const error = Object.assign(new Error('rampart check --app: outgoing connections are disabled while the app is checked'), { code: 'ECONNREFUSED' });
  process.nextTick(() => this.destroy(error));
  return this;
} as typeof net.Socket.prototype.connect;

// UDP neither: bind() leaves the socket unbound (no callback, no error event), send() reports
// the refusal to its callback, connect() does nothing. The permission model does not cover UDP.
dgram.Socket.prototype.bind = function bind(this: dgram.Socket): dgram.Socket {
  return this;
} as typeof dgram.Socket.prototype.bind;
dgram.Socket.prototype.send = function send(this: dgram.Socket, ...args: unknown[]): void {
  const callback = args.findLast((a) => typeof a === 'function') as ((err: Error) => void) | undefined;
  const error = Object.assign(new Error('rampart check --app: UDP is disabled while the app is checked'), { code: 'EACCES' });
  if (callback !== undefined) process.nextTick(callback, error);
} as typeof dgram.Socket.prototype.send;
dgram.Socket.prototype.connect = function connect(this: dgram.Socket): void {} as typeof dgram.Socket.prototype.connect;

function send(snapshot: AppSnapshot): void {
  writeSync(3, JSON.stringify(snapshot));
}

function serverSnapshot(server: net.Server): ServerSnapshot {
  const s = server as net.Server & { headersTimeout?: number; requestTimeout?: number; keepAliveTimeout?: number };
  return {
    kind: server.constructor?.name ?? 'Server',
    ...(typeof s.headersTimeout === 'number' ? { headersTimeout: s.headersTimeout } : {}),
    ...(typeof s.requestTimeout === 'number' ? { requestTimeout: s.requestTimeout } : {}),
    ...(typeof s.keepAliveTimeout === 'number' ? { keepAliveTimeout: s.keepAliveTimeout } : {}),
  };
}

type Layer = { route?: { path?: unknown }; handle?: { stack?: Layer[] }; name?: string };

/** Paths an Express (4 or 5) app registered, found through the servers' request listeners. */
function expressRoutes(): string[] {
  const paths = new Set<string>();
  const walk = (stack: unknown, depth: number): void => {
    if (!Array.isArray(stack) || depth > 8) return;
    for (const layer of stack as Layer[]) {
      const path = layer.route?.path;
      if (typeof path === 'string') paths.add(path);
      else if (Array.isArray(path)) for (const p of path) if (typeof p === 'string') paths.add(p);
      if (layer.name === 'router') walk(layer.handle?.stack, depth + 1);
    }
  };
  for (const server of servers) {
    for (const listener of server.listeners('request')) {
      const app = listener as unknown as { router?: { stack?: unknown }; _router?: { stack?: unknown } };
      walk(app.router?.stack ?? app._router?.stack, 0);
    }
  }
  return [...paths];
}

type LogLike = { getByEvent?: (event: string, options?: { limit?: number }) => Promise<Array<{ detail?: unknown }>> };

/** CONFIG_WARNING details the app's SecurityLogs hold (runtime warnings such as a proxy nobody declared). */
async function loggedWarnings(): Promise<{ details: string[]; unreadable: number }> {
  const details = new Set<string>();
  let unreadable = 0;
  for (const record of records) {
    const log = record.log as LogLike | undefined;
    if (typeof log?.getByEvent !== 'function') continue;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const rows = await Promise.race([
        log.getByEvent('CONFIG_WARNING', { limit: 500 }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), LOG_READ_MS);
        }),
      ]);
      for (const row of rows) if (typeof row.detail === 'string') details.add(row.detail);
    } catch {
      unreadable++;
    } finally {
      clearTimeout(timer);
    }
  }
  return { details: [...details], unreadable };
}

/** Route-like string literals in the app's entry file (for apps whose router cannot be inspected). */
function literalRoutes(path: string): string[] {
  let source: string;
  try {
    source = readFileSync(path, 'utf8').slice(0, 1_048_576);
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const m of source.matchAll(/['"`](\/[\w\-/:.]{0,100})['"`]/g)) if (m[1] !== undefined) out.add(m[1]);
  return [...out];
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.id}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function main(): Promise<void> {
  if (file === undefined || environment === undefined) throw new Error('usage: check-app-child FILE ENVIRONMENT');
  process.env.NODE_ENV = environment;
  process.env.RAMPART_SILENT = '1';
  let loadError: string | undefined;
  const url = pathToFileURL(file).href;
  const frameworks = frameworkRoutes();
  await frameworks.start(url);
  const loading = import(url).then(
    () => undefined,
    (err: unknown) => {
      const code = (err as { code?: unknown })?.code;
      loadError = `${(err as Error)?.name ?? 'Error'}${typeof code === 'string' ? ` [${code}]` : ''}: ${(err as Error)?.message ?? String(err)}`;
    },
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    loading,
    listened.then(
      () =>
        new Promise((resolve) => {
          timer = setTimeout(resolve, AFTER_LISTEN_MS);
        }),
    ),
  ]);
  clearTimeout(timer);
  // Let startup code that runs after the first await (listen after a setup promise) finish.
  if (loadError === undefined) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const logged = await loggedWarnings();
  const production = environment === 'production';
  const routes = [...new Set([...expressRoutes(), ...(await frameworks.paths()), ...literalRoutes(file)])];
  const findings: Finding[] = [];
  let shields = 0;
  for (const record of records) {
    if (record.kind === 'rampart') {
      shields++;
      const options = (typeof record.options === 'object' && record.options !== null ? record.options : {}) as RampartOptions;
      findings.push(...shieldFindings(options, record.warnings, record.log, { production, routes, loggedWarnings: logged.details }));
      if (record.shield !== undefined && !wasMounted(record.shield)) findings.push(unmountedFinding());
    } else findings.push(...cookieFindings(record.kind, record.options, production));
  }
  findings.push(...timeoutFindings(servers.map(serverSnapshot)));
  send({ ...(loadError !== undefined ? { loadError } : {}), shields, findings: dedupe(findings) });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`rampart check --app: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(3);
  },
);
