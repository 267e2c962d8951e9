/**
 * The one place rampart opens PostgreSQL or PGlite: for the SecurityLog, the auth tables
 * (API keys, sessions, nonces), the rate-limit PostgreSQL store and the CLI.
 *
 * Every owner takes the same `database` option ({@link DatabaseOption}); it is checked at
 * construction ({@link checkDatabase}: the shape, and the optional peer it needs) and opened on
 * first use ({@link openDatabase}). What rampart opens it also closes; a client the caller
 * passes is used as it is and never closed.
 */
import { builtin } from '../core/builtin.ts';
import { checkPeer, importPeer, PEERS, type PeerFeature } from '../core/optional.ts';
import { configError, describeValue } from '../core/options.ts';
import {
  postgresOptions,
  postgresParams,
  type PGliteLike,
  type PGliteTransactionLike,
  type PostgresClientLike,
  type PostgresQueryable,
} from '../core/postgres.ts';
import type { Database, Queryable } from './sql.ts';
import { PGliteWorkerDriver } from './worker-driver.ts';
import { displayDatabase } from './database-display.ts';

export type { Database, Queryable } from './sql.ts';

/**
 * Where a database lives. One shape for the SecurityLog, the auth tables, `postgresStore` and the CLI:
 * - `'memory'`: an embedded PGlite in memory (gone when the process ends);
 * - a directory path (`'./data/security'`): an embedded PGlite on disk (created if missing);
 * - `'postgres://…'` / `'postgresql://…'`: a PostgreSQL server, through a pool rampart opens and closes;
 * - a `postgres` (porsager) client or a `PGlite` instance you own: used as it is, never closed by rampart.
 *
 * An embedded PGlite that rampart opens (a path or `'memory'`) runs in a worker thread.
 */
export type DatabaseOption = string | PostgresClientLike | PGliteLike;

/** What {@link checkDatabase} made of a {@link DatabaseOption}: which backend, and who owns the connection. */
export type DatabaseTarget =
  | { readonly source: 'url'; readonly backend: 'postgres'; readonly url: string }
  | { readonly source: 'path'; readonly backend: 'pglite'; readonly dataDir: string | undefined }
  | { readonly source: 'client'; readonly backend: 'postgres'; readonly client: PostgresClientLike }
  | { readonly source: 'client'; readonly backend: 'pglite'; readonly client: PGliteLike };

/** How a pool that rampart opens for a `postgres://` URL is sized (ignored for the other shapes). */
export interface PoolOptions {
  /** Connections in the pool. */
  poolSize: number;
  /** Seconds to wait for a connection. */
  connectTimeout: number;
  /** Seconds before an idle connection is closed. */
  idleTimeout?: number;
  /** Named prepared statements on PostgreSQL (for a few statements run very often). Default false. */
  prepare?: boolean;
}

/** The pool of a URL when the owner asks for nothing else (the auth tables: one indexed lookup per request). */
export const DEFAULT_POOL: PoolOptions = Object.freeze({ poolSize: 5, connectTimeout: 10, idleTimeout: 60 });

/** True for a postgres.js (porsager) client: the `sql` tag function with `unsafe` and `begin`. */
export function isPostgresClient(v: unknown): v is PostgresClientLike {
  return typeof v === 'function' && typeof (v as { unsafe?: unknown }).unsafe === 'function' && typeof (v as { begin?: unknown }).begin === 'function';
}

/** True for a PGlite instance (or anything with its `query`, `exec`, `transaction` and `close`). */
export function isPGlite(v: unknown): v is PGliteLike {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.query === 'function' && typeof o.exec === 'function' && typeof o.transaction === 'function' && typeof o.close === 'function';
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;
const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Strings that mean an in-memory PGlite ('memory' is the documented one; the others are PGlite's own spellings). */
const MEMORY = new Set(['memory', 'memory://', ':memory:', 'pglite']);

/** The shapes, as every error about a bad `database` option names them. */
export const DATABASE_SHAPES = "'memory', a directory path (embedded PGlite on disk), a 'postgres://…' URL, a postgres (porsager) client or a PGlite instance";

/** A value for an error message that never shows a password from a URL. */
function shown(v: unknown): string {
  return typeof v === 'string' ? describeValue(displayDatabase(v)) : describeValue(v);
}

/** Options of {@link checkDatabase}. */
export interface CheckDatabaseOptions {
  /** What an omitted option means: `'memory'` (default) or `'required'` (the owner needs a database). */
  fallback?: 'memory' | 'required';
  /** Which optional-peer feature a `postgres://` URL is (its name appears in ERR_RAMPART_MISSING_DEPENDENCY). */
  urlPeer?: PeerFeature;
  /** Only these backends are allowed (default both). */
  backends?: ReadonlyArray<'pglite' | 'postgres'>;
}

/**
 * Check a `database` option at construction (no I/O): ERR_RAMPART_CONFIG for a bad shape (the
 * message names the shapes), ERR_RAMPART_MISSING_DEPENDENCY when a URL or path needs an optional
 * peer that is not installed. `owner` starts the messages (`'apiKeys'`, `'SecurityLog'`).
 */
export function checkDatabase(value: unknown, owner: string, options: CheckDatabaseOptions = {}): DatabaseTarget {
  const target = targetOf(value, owner, options.fallback ?? 'memory');
  const allowed = options.backends;
  if (allowed !== undefined && !allowed.includes(target.backend)) {
    throw configError(
      `${owner}: database must be a PostgreSQL server here (a 'postgres://…' URL or a postgres client), not ${target.backend === 'pglite' ? 'an embedded PGlite' : 'PostgreSQL'} (got ${shown(value)}).`,
    );
  }
  if (target.source === 'url') checkPeer(options.urlPeer ?? PEERS.postgresUrl);
  else if (target.source === 'path') checkPeer(PEERS.pglite);
  TARGETS.add(Object.freeze(target));
  return target;
}

const TARGETS = new WeakSet<object>();

/** True for a value {@link checkDatabase} returned (so it is not checked twice). */
export function isDatabaseTarget(v: unknown): v is DatabaseTarget {
  return typeof v === 'object' && v !== null && TARGETS.has(v);
}

function targetOf(value: unknown, owner: string, fallback: 'memory' | 'required'): DatabaseTarget {
  if (isPostgresClient(value)) return { source: 'client', backend: 'postgres', client: value };
  if (isPGlite(value)) return { source: 'client', backend: 'pglite', client: value };
  if (value === undefined && fallback === 'memory') return { source: 'path', backend: 'pglite', dataDir: undefined };
  if (typeof value === 'string' && value.trim() !== '') {
    if (POSTGRES_URL.test(value)) {
      if (!URL.canParse(value))
        throw configError(`${owner}: database ${shown(value)} is not a valid URL (percent-encode special characters in the user and password).`);
      return { source: 'url', backend: 'postgres', url: value };
    }
    if (MEMORY.has(value)) return { source: 'path', backend: 'pglite', dataDir: undefined };
    if (!ANY_URL.test(value) || /^file:\/\//i.test(value)) return { source: 'path', backend: 'pglite', dataDir: value };
  }
  throw configError(`${owner}: database must be ${DATABASE_SHAPES}${fallback === 'memory' ? ' (omit it for an in-memory PGlite)' : ''}; got ${shown(value)}.`);
}

/**
 * Open a checked database. A URL gets a postgres.js pool made with postgresOptions() (closed by
 * `close()`); a path or `'memory'` an embedded PGlite in a worker thread (closed by `close()`); a
 * caller's client is wrapped and never closed.
 */
export async function openDatabase(target: DatabaseTarget, pool: PoolOptions = DEFAULT_POOL, urlPeer: PeerFeature = PEERS.postgresUrl): Promise<Database> {
  switch (target.source) {
    case 'client':
      return target.backend === 'postgres' ? postgresDatabase(target.client, false, pool.prepare === true) : pgliteDatabase(target.client);
    case 'url': {
      const { default: postgres } = await importPeer(urlPeer, () => import('postgres'));
      const options = postgresOptions({
        max: pool.poolSize,
        connectTimeout: pool.connectTimeout,
        ...(pool.idleTimeout === undefined ? {} : { idleTimeout: pool.idleTimeout }),
      });
      return postgresDatabase(postgres(target.url, options), true, pool.prepare === true);
    }
    case 'path': {
      // Under Node's permission model without --allow-worker (`rampart check --app` runs the app
      // so), no worker thread can start: PGlite then runs on this thread.
      if (process.permission?.has('worker') === false) return openPgliteHere(target.dataDir);
      const worker = new PGliteWorkerDriver(target.dataDir);
      try {
        await worker.open();
      } catch (err) {
        await worker.close();
        throw err;
      }
      return worker;
    }
  }
}

/** An embedded PGlite on the calling thread (closed, and its directory's lock released, by `close()`). */
async function openPgliteHere(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await importPeer(PEERS.pglite, () => import('@electric-sql/pglite'));
  const onDisk = dataDir !== undefined && !/^[a-z]+:\/\//i.test(dataDir) ? dataDir : undefined;
  if (onDisk !== undefined) {
    const { dirname, resolve } = builtin<typeof import('node:path')>('node:path');
    await builtin<typeof import('node:fs/promises')>('node:fs/promises').mkdir(dirname(resolve(onDisk)), { recursive: true });
  }
  // The lock file helpers load node:fs: imported here, not with the main entry.
  const { releasePgliteLock, takePgliteLock } = await import('./pglite-lock.ts');
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  if (onDisk !== undefined) takePgliteLock(onDisk);
  const database = pgliteDatabase(db as unknown as PGliteLike);
  return {
    ...database,
    ephemeral: dataDir === undefined,
    async close() {
      if (!db.closed) await db.close();
      if (onDisk !== undefined) releasePgliteLock(onDisk);
    },
  };
}

function pgliteQueryable(db: PGliteLike | PGliteTransactionLike): Queryable {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      return (await db.query<T>(text, params === undefined ? undefined : [...params])).rows;
    },
  };
}

/** A caller's PGlite instance (on the caller's thread; never closed by rampart). */
function pgliteDatabase(db: PGliteLike): Database {
  return {
    backend: 'pglite',
    ...pgliteQueryable(db),
    transaction: (fn) => db.transaction(async (tx) => fn(pgliteQueryable(tx))),
    async close() {},
  };
}

function postgresQueryable(sql: PostgresQueryable, prepare: boolean): Queryable {
  const options = prepare ? { prepare: true } : undefined;
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      // rampart-ignore S003: the Queryable contract: text is rampart's own SQL, values travel as params
      return [...(await sql.unsafe(text, postgresParams(params), options))] as T[];
    },
  };
}

/** A postgres.js client; `owned`: ended by close(). */
function postgresDatabase(sql: PostgresClientLike, owned: boolean, prepare: boolean): Database {
  let ended = false;
  return {
    backend: 'postgres',
    ...postgresQueryable(sql, prepare),
    async transaction(fn) {
      return (await sql.begin(async (tx) => fn(postgresQueryable(tx, prepare)))) as Awaited<ReturnType<typeof fn>>;
    },
    async close(graceMs = 5000) {
      if (!owned || ended) return;
      ended = true;
      await sql.end({ timeout: graceMs / 1000 });
    },
  };
}

/** A lower-case SQL identifier for a table (interpolated into SQL, so never user input). */
export function checkTable(name: unknown, owner: string, maxLength = 63): string {
  if (typeof name !== 'string' || name.length > maxLength || !/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw configError(`${owner}: table must be a lower-case SQL identifier (letters, digits, _; at most ${maxLength} characters), got ${describeValue(name)}.`);
  }
  return name;
}

/** What {@link once} returns: call it to open (once); `started` tells whether anything was opened. */
export interface Once<T> {
  (): Promise<T>;
  /** The open under way or done, if any (a store closed before its first use opens nothing). */
  readonly started: Promise<T> | undefined;
}

/**
 * Run `open` once; later calls share its promise. A failure is not kept: the next call tries
 * again (a database that was down at the first request is opened when it is back).
 */
export function once<T>(open: () => Promise<T>): Once<T> {
  let pending: Promise<T> | undefined;
  const run = (): Promise<T> => {
    pending ??= open().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return Object.defineProperty(run, 'started', { get: () => pending }) as Once<T>;
}

/** Close what `open` opened, if it was ever used (never opens a database just to close it). */
export async function closeOpened(open: Once<Database>): Promise<void> {
  const db = await open.started?.catch(() => undefined);
  await db?.close();
}
