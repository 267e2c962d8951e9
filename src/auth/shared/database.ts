import { checkPeer, importPeer, PEERS } from '../../core/optional.ts';
import { configError } from '../../core/options.ts';
import { postgresOptions, postgresQuery, type PGliteLike, type PostgresClientLike } from '../../core/postgres.ts';

/**
 * Where auth tables live — the same shape SecurityLog accepts: omitted (an in-memory
 * PGlite), a PGlite data directory path, a `postgres://` URL, a postgres (porsager)
 * client or a PGlite instance.
 */
export type DatabaseOption = string | PostgresClientLike | PGliteLike | undefined;

/** Minimal parameterised SQL access. */
export interface SqlConnection {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function isPostgresClient(v: unknown): v is PostgresClientLike {
  return typeof v === 'function' && typeof (v as { unsafe?: unknown }).unsafe === 'function' && typeof (v as { begin?: unknown }).begin === 'function';
}

function isPGlite(v: unknown): v is PGliteLike {
  return typeof v === 'object' && v !== null && typeof (v as { query?: unknown }).query === 'function' && typeof (v as { exec?: unknown }).exec === 'function';
}

const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/**
 * Validate a database option at construction (no I/O). A URL or path needs its optional
 * peer (`postgres`, `@electric-sql/pglite`): ERR_RAMPART_MISSING_DEPENDENCY when it is absent.
 */
export function checkDatabase(db: unknown, owner: string): DatabaseOption {
  if (isPostgresClient(db) || isPGlite(db)) return db;
  if (db === undefined || (typeof db === 'string' && db.trim() !== '')) {
    checkPeer(db !== undefined && isPostgresUrl(db) ? PEERS.postgresUrl : PEERS.pglite);
    return db;
  }
  throw configError(`${owner}: database must be a path, a postgres:// URL, a postgres (porsager) client or a PGlite instance (omit it for an in-memory PGlite).`);
}

/** A valid SQL identifier (table names are interpolated, never user input). */
export function checkTable(name: unknown, owner: string): string {
  if (typeof name !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw configError(`${owner}: table must be a lower-case SQL identifier (letters, digits, _).`);
  return name;
}

/** Open the connection (lazily, on first use). */
export async function connect(db: DatabaseOption): Promise<SqlConnection> {
  if (isPostgresClient(db)) return postgresConnection(db, false);
  if (isPGlite(db)) return pgliteConnection(db, false);
  if (typeof db === 'string' && isPostgresUrl(db)) {
    const { default: postgres } = await importPeer(PEERS.postgresUrl, () => import('postgres'));
    return postgresConnection(postgres(db, postgresOptions({ max: 5, connectTimeout: 10, idleTimeout: 60 })), true);
  }
  const { PGlite } = await importPeer(PEERS.pglite, () => import('@electric-sql/pglite'));
  const memory = db === undefined || db === 'pglite' || db === 'memory://' || db === ':memory:';
  const pg = memory ? new PGlite() : new PGlite(db);
  await pg.waitReady;
  return pgliteConnection(pg, true);
}

function pgliteConnection(db: PGliteLike, owned: boolean): SqlConnection {
  return {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      return (await db.query<T>(text, params === undefined ? undefined : [...params])).rows;
    },
    async close() {
      if (owned) await db.close();
    },
  };
}

function postgresConnection(sql: PostgresClientLike, owned: boolean): SqlConnection {
  return {
    kind: 'postgres',
    query: postgresQuery(sql),
    async close() {
      if (owned) await sql.end({ timeout: 5 });
    },
  };
}

/** Run `open` once; later calls share the same promise (retrying after a failure). */
export function lazy<T>(open: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= open().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
