/**
 * Real services for tests: a throwaway PostgreSQL 15 cluster, a throwaway Redis server and a throwaway nginx,
 * each on a free loopback port, stopped automatically when the test ends (or the process
 * exits). When a binary is missing the test is skipped with the reason, unless
 * RAMPART_REQUIRE_SERVICES=1 (CI), in which case it fails with a clear error.
 */
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, chown, chmod, access, appendFile, writeFile, readFile } from 'node:fs/promises';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestContext, SuiteContext } from 'node:test';

const execFileAsync = promisify(execFile);

/** Where Debian's PostgreSQL 15 binaries live (override with RAMPART_PG_BIN). */
const PG_BIN = process.env.RAMPART_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const READY_TIMEOUT_MS = 30_000;

type Ctx = TestContext | SuiteContext | undefined;

/** True when tests must have real services (CI sets RAMPART_REQUIRE_SERVICES=1). */
export function servicesRequired(): boolean {
  return process.env.RAMPART_REQUIRE_SERVICES === '1';
}

/** A running throwaway PostgreSQL cluster. */
export interface PgServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth, no password). */
  url: string;
  port: number;
  /** Stop the server and delete its data directory. Idempotent. */
  stop(): Promise<void>;
  /** Immediate shutdown (`pg_ctl -m immediate`): like a crash, the data directory stays. */
  kill(): Promise<void>;
  /** Start the same data directory again on the same port (after kill()). */
  restart(): Promise<void>;
}

/** A running throwaway Redis server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Stop the server. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL the server (no persistence: data is gone). */
  kill(): Promise<void>;
  /** Start a fresh server on the same port (after kill()). */
  restart(): Promise<void>;
}

/**
 * A free TCP port on 127.0.0.1 for a server started later (PostgreSQL binds only after initdb,
 * seconds later). On Linux it is drawn below the kernel's ephemeral range: a port the kernel
 * handed out could meanwhile become the local port of one of the many client connections
 * the parallel test files make (the server would then fail with EADDRINUSE), or be handed to
 * another listen(0). Elsewhere the kernel chooses.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; low !== undefined && attempt < 50; attempt++) {
    const port = FIXED_PORTS_FROM + Math.floor(Math.random() * (low - FIXED_PORTS_FROM));
    if ((await listenOnce(port)) === port) return port;
  }
  return listenOnce(0);
}

/** Explicitly chosen ports start here (clear of the well-known and most registered ports). */
const FIXED_PORTS_FROM = 20_000;

/** The low end of the kernel's ephemeral port range, when it leaves room below it for fixed ports. */
function ephemeralLow(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > FIXED_PORTS_FROM + 1000 ? low : undefined;
  } catch {
    return undefined;
  }
}

/** Listen on `port` (0: the kernel picks) and close again; the port, or 0 when it was taken. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (error: NodeJS.ErrnoException) => (port !== 0 && error.code === 'EADDRINUSE' ? resolve(0) : reject(error)));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

// ── cleanup registry ─────────────────────────────────────────────────────────
const live = new Set<{ syncKill(): void }>();
let exitHookInstalled = false;
function track(entry: { syncKill(): void }): void {
  live.add(entry);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const e of live) {
      try {
        e.syncKill();
      } catch {
        // best effort
      }
    }
    live.clear();
  };
  // Last resort: a test that crashed without its after() hook, or a runner that was
  // interrupted (timeout, Ctrl-C), must not leave servers behind.
  process.once('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      // Re-raise: with this listener gone the default action (exit) applies.
      process.kill(process.pid, signal);
    });
  }
}

function registerCleanup(t: Ctx, stop: () => Promise<void>): void {
  if (t === undefined) return;
  const c = t as { after?: (fn: () => Promise<void>) => void };
  if (typeof c.after === 'function') c.after(stop);
}

function unavailable(t: Ctx, what: string, reason: string): undefined {
  const message = `${what} not available: ${reason}`;
  if (servicesRequired())
    throw new Error(`${message} (RAMPART_REQUIRE_SERVICES=1 makes it mandatory; install it, e.g. apt-get install postgresql-15 redis-server nginx)`);
  const c = t as { skip?: (msg?: string) => void } | undefined;
  if (c !== undefined && typeof c.skip === 'function') c.skip(message);
  return undefined;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

// ── PostgreSQL ───────────────────────────────────────────────────────────────
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function pgCommand(bin: string, args: string[]): [string, string[]] {
  const full = join(PG_BIN, bin);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
}

async function pgRun(bin: string, args: string[], timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const [cmd, argv] = pgCommand(bin, args);
  await execFileAsync(cmd, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
}

/**
 * Start a throwaway PostgreSQL 15 cluster (initdb + pg_ctl) on a free loopback port.
 * Returns undefined (and skips `t`) when PostgreSQL is not installed, unless services are required.
 */
export async function startPostgres(t: Ctx): Promise<PgServer | undefined> {
  try {
    await access(join(PG_BIN, 'initdb'));
    await access(join(PG_BIN, 'pg_ctl'));
  } catch {
    return unavailable(t, 'PostgreSQL', `${PG_BIN}/initdb not found`);
  }
  if (isRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/usr/bin/runuser')) {
    return unavailable(t, 'PostgreSQL', 'running as root but runuser is missing');
  }
  const dir = await mkdtemp(join(tmpdir(), 'rampart-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (isRoot) {
    const { stdout } = await execFileAsync('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
    const { stdout: gid } = await execFileAsync('id', ['-g', 'postgres']).catch(() => ({ stdout: '' }));
    const uid = Number(stdout.trim());
    if (!Number.isInteger(uid) || stdout.trim() === '') {
      await rm(dir, { recursive: true, force: true });
      return unavailable(t, 'PostgreSQL', 'running as root but there is no `postgres` user');
    }
    await chown(dir, uid, Number(gid.trim()));
  }
  const port = await freePort();
  let stopped = false;
  let running = false;

  const start = async (): Promise<void> => {
    await pgRun('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port} -k ${dir}`, 'start'], READY_TIMEOUT_MS + 5000);
    await waitFor(() => tcpOpen(port), READY_TIMEOUT_MS, `PostgreSQL on port ${port}`);
    running = true;
  };

  try {
    await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], 60_000);
    const conf = ["listen_addresses = '127.0.0.1'", 'fsync = off', 'max_connections = 100', "shared_buffers = '128MB'", ''].join('\n');
    await appendFile(join(data, 'postgresql.conf'), conf);
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    const message = `PostgreSQL failed to start: ${(err as Error).message}`;
    if (servicesRequired()) throw new Error(message, { cause: err });
    return unavailable(t, 'PostgreSQL', message);
  }

  const entry = {
    syncKill(): void {
      if (running) {
        const [cmd, argv] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        spawnSync(cmd, argv, { timeout: 10_000 });
        running = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  track(entry);

  const server: PgServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async kill() {
      if (!running) return;
      await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      running = false;
    },
    async restart() {
      if (stopped) throw new Error('PostgreSQL server was stopped; start a new one');
      if (running) await server.kill();
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (running) {
        await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() =>
          pgRun('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined),
        );
        running = false;
      }
      live.delete(entry);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  registerCleanup(t, () => server.stop());
  return server;
}

// ── Redis ────────────────────────────────────────────────────────────────────
const REDIS_BIN = process.env.RAMPART_REDIS_BIN ?? 'redis-server';

async function findRedis(): Promise<string | undefined> {
  if (REDIS_BIN.includes('/')) return existsSync(REDIS_BIN) ? REDIS_BIN : undefined;
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin', '/usr/sbin'])) {
    if (d !== '' && existsSync(join(d, REDIS_BIN))) return join(d, REDIS_BIN);
  }
  return undefined;
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.once('error', () => done(false));
  });
}

/**
 * Start a throwaway `redis-server` (no persistence) on a free loopback port.
 * Returns undefined (and skips `t`) when Redis is not installed, unless services are required.
 */
export async function startRedis(t?: Ctx): Promise<RedisServer | undefined> {
  const bin = await findRedis();
  if (bin === undefined) return unavailable(t, 'Redis', `${REDIS_BIN} not found on PATH`);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'rampart-redis-'));
  let child: ChildProcess | undefined;
  let stopped = false;

  const start = async (): Promise<void> => {
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    child = proc;
    proc.unref();
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`redis-server exited while starting on port ${port}`);
        return redisPing(port);
      },
      READY_TIMEOUT_MS,
      `Redis on port ${port}`,
    );
  };

  const killChild = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    child = undefined;
  };

  try {
    await start();
  } catch (err) {
    await killChild('SIGKILL');
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    const message = `Redis failed to start: ${(err as Error).message}`;
    if (servicesRequired()) throw new Error(message, { cause: err });
    return unavailable(t, 'Redis', message);
  }

  const entry = {
    syncKill(): void {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  track(entry);

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      await killChild('SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('Redis server was stopped; start a new one');
      await killChild('SIGKILL');
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await killChild('SIGTERM');
      live.delete(entry);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  registerCleanup(t, () => server.stop());
  return server;
}

// ── nginx ────────────────────────────────────────────────────────────────────
const NGINX_BIN = process.env.RAMPART_NGINX_BIN ?? 'nginx';

/** A running throwaway nginx. */
export interface NginxServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** The nginx.conf that was written (for diagnostics). */
  conf: string;
  /** Stop nginx (fast shutdown) and delete its prefix directory. Idempotent. */
  stop(): Promise<void>;
}

/** What goes into the throwaway nginx.conf. */
export interface NginxConfig {
  /**
   * Directives inside `server { listen 127.0.0.1:PORT; … }`, e.g. a `location / { proxy_pass …; }`.
   * The helper writes `listen`; `$`-variables are nginx's.
   */
  server: string;
  /** Extra directives at `http { … }` level (maps, upstreams). */
  http?: string;
}

async function findBinary(name: string, extra: readonly string[]): Promise<string | undefined> {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const d of (process.env.PATH ?? '').split(':').concat(extra)) {
    if (d !== '' && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

/**
 * Start a throwaway nginx on a free loopback port with its own prefix, conf, pid, temp
 * and log files in a temp directory (`daemon off`, one worker). As root the worker runs as
 * `nobody`; otherwise as the current user (no `user` directive). A syntax error in `config`
 * always fails; a missing binary skips `t` unless services are required.
 *
 * @example
 * const nginx = await startNginx(t, { server: `location / { proxy_pass ${app.url}; }` });
 */
export async function startNginx(t: Ctx, config: NginxConfig): Promise<NginxServer | undefined> {
  const bin = await findBinary(NGINX_BIN, ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']);
  if (bin === undefined) return unavailable(t, 'nginx', `${NGINX_BIN} not found on PATH or in /usr/sbin (apt-get install nginx)`);
  const dir = await mkdtemp(join(tmpdir(), 'rampart-nginx-'));
  const port = await freePort();
  let user = '';
  if (isRoot) {
    // Workers drop to nobody: they must be able to traverse the prefix (nginx chowns its temp dirs).
    const { stdout: group } = await execFileAsync('id', ['-gn', 'nobody']).catch(() => ({ stdout: '' }));
    user = `user nobody ${group.trim() === '' ? 'nogroup' : group.trim()};`;
    await chmod(dir, 0o755);
  }
  const conf = [
    user,
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(dir, `${k}_temp`)};`),
    config.http ?? '',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    config.server,
    '  }',
    '}',
    '',
  ].join('\n');
  const confFile = join(dir, 'nginx.conf');
  await writeFile(confFile, conf);
  const args = ['-p', `${dir}/`, '-e', join(dir, 'error.log'), '-c', confFile];
  try {
    await execFileAsync(bin, [...args, '-t', '-q'], { timeout: READY_TIMEOUT_MS });
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
    throw new Error(`nginx rejected the test configuration: ${stderr.trim()}\n${conf}`, { cause: err });
  }

  // Own process group: stopping it ends the master and its worker together.
  const child = spawn(bin, args, { stdio: 'ignore', detached: true });
  child.unref();
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`nginx exited while starting on port ${port}`);
        return tcpOpen(port);
      },
      READY_TIMEOUT_MS,
      `nginx on port ${port}`,
    );
  } catch (err) {
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    killGroup('SIGKILL');
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    const message = `nginx failed to start: ${(err as Error).message}${log === '' ? '' : `\n${log.trim()}`}`;
    if (servicesRequired()) throw new Error(message, { cause: err });
    return unavailable(t, 'nginx', message);
  }

  const entry = {
    syncKill(): void {
      killGroup('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  track(entry);
  let stopped = false;
  const server: NginxServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    conf,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        killGroup('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        killGroup('SIGKILL');
      }
      live.delete(entry);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  registerCleanup(t, () => server.stop());
  return server;
}
