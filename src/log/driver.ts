import { postgresQuery, type PGliteLike, type PGliteTransactionLike, type PostgresClientLike, type PostgresQueryable } from '../core/postgres.ts';
import type { PendingRow } from './fields.ts';

/** The columns a batch writes, in order; the id is reserved from the table's sequence first. */
export interface InsertRow extends Omit<PendingRow, 'time'> {
  id?: number;
  timestamp: string;
  chainPrev: string | null;
  chainHmac: string | null;
}

/** A connection (or transaction) that runs parameterised SQL. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Bulk insert: one multi-row INSERT … SELECT unnest(…). */
  insertRows(table: string, rows: readonly InsertRow[]): Promise<void>;
}

/** What the SecurityLog needs from a database. */
export interface Driver extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` in one transaction. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Close the connection when the SecurityLog opened it (a caller's client is left open). */
  close(): Promise<void>;
}

const COLUMNS = ['id', 'event', 'user_id', 'ip_address', 'user_agent', 'path', 'detail', '"timestamp"', 'chain_prev', 'chain_hmac'].join(', ');
const TYPES = ['int8', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text'];

/**
 * One multi-row INSERT … SELECT unnest(…): a column array per parameter, so a batch is one
 * statement whose outcome the driver reports like any other query. COPY through postgres.js
 * peaked about 20% higher but could report as finished a COPY that a database restart had
 * discarded: its completion callback outlived the connection and fired on the next reply.
 */
function insertStatement(table: string, rows: readonly InsertRow[]): { text: string; params: unknown[][] } {
  const params: unknown[][] = TYPES.map(() => []);
  for (const r of rows) {
    params[0]!.push(r.id);
    params[1]!.push(r.event);
    params[2]!.push(r.userId);
    params[3]!.push(r.ip);
    params[4]!.push(r.userAgent);
    params[5]!.push(r.path);
    params[6]!.push(r.detail);
    params[7]!.push(r.timestamp);
    params[8]!.push(r.chainPrev);
    params[9]!.push(r.chainHmac);
  }
  const placeholders = TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  return { text: `insert into ${table} (${COLUMNS}) select * from unnest(${placeholders})`, params };
}

export function queryable(run: <T>(text: string, params?: readonly unknown[]) => Promise<T[]>): Queryable {
  return {
    query: run,
    async insertRows(table, rows) {
      if (rows.length === 0) return;
      const { text, params } = insertStatement(table, rows);
      await run(text, params);
    },
  };
}

// ── PGlite ───────────────────────────────────────────────────────────────────

function pgliteQueryable(db: PGliteLike | PGliteTransactionLike): Queryable {
  return queryable(async <T>(text: string, params?: readonly unknown[]) => (await db.query<T>(text, params === undefined ? undefined : [...params])).rows);
}

/** Wrap a PGlite instance. `owned`: close it on close(). */
export function pgliteDriver(db: PGliteLike, owned: boolean): Driver {
  const q = pgliteQueryable(db);
  return {
    kind: 'pglite',
    ...q,
    async transaction(fn) {
      return db.transaction(async (tx) => fn(pgliteQueryable(tx)));
    },
    async close() {
      if (owned && !db.closed) await db.close();
    },
  };
}

// ── PostgreSQL server through postgres.js ────────────────────────────────────

function postgresQueryable(sql: PostgresQueryable): Queryable {
  return queryable(postgresQuery(sql));
}

/** Wrap a postgres.js client. `owned`: end it on close(). */
export function postgresDriver(sql: PostgresClientLike, owned: boolean): Driver {
  const q = postgresQueryable(sql);
  return {
    kind: 'postgres',
    ...q,
    async transaction(fn) {
      return (await sql.begin(async (tx) => fn(postgresQueryable(tx)))) as Awaited<ReturnType<typeof fn>>;
    },
    async close() {
      if (owned) await sql.end({ timeout: 5 });
    },
  };
}
