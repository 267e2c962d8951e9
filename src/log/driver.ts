import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Sql, TransactionSql } from 'postgres';
import { postgresParams } from '../core/postgres.ts';
import type { PendingRow } from './fields.ts';

/** The columns a batch writes, in order (id only when the chain pre-assigns ids). */
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
  insertRows(table: string, rows: readonly InsertRow[], withIds: boolean): Promise<void>;
}

/** What the SecurityLog needs from a database. */
export interface Driver extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` in one transaction. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Close the connection when the SecurityLog opened it (a caller's client is left open). */
  close(): Promise<void>;
}

const COLUMNS = ['event', 'user_id', 'ip_address', 'user_agent', 'path', 'detail', '"timestamp"', 'chain_prev', 'chain_hmac'];
const TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text'];

/**
 * One multi-row INSERT … SELECT unnest(…): a column array per parameter, so a batch is one
 * statement whose outcome the driver reports like any other query. COPY through postgres.js
 * peaked about 20% higher but could report as finished a COPY that a database restart had
 * discarded: its completion callback outlived the connection and fired on the next reply.
 */
function insertStatement(table: string, rows: readonly InsertRow[], withIds: boolean): { text: string; params: unknown[][] } {
  const data: unknown[][] = [[], [], [], [], [], [], [], [], []];
  const ids: unknown[] = [];
  for (const r of rows) {
    if (withIds) ids.push(r.id);
    data[0]!.push(r.event);
    data[1]!.push(r.userId);
    data[2]!.push(r.ip);
    data[3]!.push(r.userAgent);
    data[4]!.push(r.path);
    data[5]!.push(r.detail);
    data[6]!.push(r.timestamp);
    data[7]!.push(r.chainPrev);
    data[8]!.push(r.chainHmac);
  }
  const params = withIds ? [ids, ...data] : data;
  const types = withIds ? ['int8', ...TYPES] : TYPES;
  const columns = (withIds ? ['id', ...COLUMNS] : COLUMNS).join(', ');
  const placeholders = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  return { text: `insert into ${table} (${columns}) select * from unnest(${placeholders})`, params };
}

function queryable(run: <T>(text: string, params?: readonly unknown[]) => Promise<T[]>): Queryable {
  return {
    query: run,
    async insertRows(table, rows, withIds) {
      if (rows.length === 0) return;
      const { text, params } = insertStatement(table, rows, withIds);
      await run(text, params);
    },
  };
}

// ── PGlite ───────────────────────────────────────────────────────────────────

function pgliteQueryable(db: PGlite | Transaction): Queryable {
  return queryable(async <T>(text: string, params?: readonly unknown[]) => (await db.query<T>(text, params === undefined ? undefined : [...params])).rows);
}

/** Wrap a PGlite instance. `owned`: close it on close(). */
export function pgliteDriver(db: PGlite, owned: boolean): Driver {
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

function postgresQueryable(sql: Sql | TransactionSql): Queryable {
  // Array parameters go as array literals: rampart's own clients run without fetch_types.
  return queryable(async <T>(text: string, params?: readonly unknown[]) => (await sql.unsafe(text, postgresParams(params))) as unknown as T[]);
}

/** Wrap a postgres.js client. `owned`: end it on close(). */
export function postgresDriver(sql: Sql, owned: boolean): Driver {
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
