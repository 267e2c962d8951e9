import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Sql, TransactionSql } from 'postgres';
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
  /** Bulk insert: COPY on a PostgreSQL server, one multi-row INSERT … SELECT unnest(…) on PGlite. */
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

function columnList(withIds: boolean): string {
  return (withIds ? ['id', ...COLUMNS] : COLUMNS).join(', ');
}

// ── PGlite ───────────────────────────────────────────────────────────────────

function pgliteQueryable(db: PGlite | Transaction): Queryable {
  return {
    async query<T>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const res = await db.query<T>(text, params === undefined ? undefined : [...params]);
      return res.rows;
    },
    async insertRows(table, rows, withIds) {
      if (rows.length === 0) return;
      const cols: unknown[][] = withIds ? [[]] : [];
      const data: unknown[][] = [[], [], [], [], [], [], [], [], []];
      for (const r of rows) {
        if (withIds) (cols[0] as unknown[]).push(r.id);
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
      const types = ['text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text'];
      const all = [...cols, ...data];
      const allTypes = withIds ? ['int8', ...types] : types;
      const placeholders = allTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
      await db.query(`insert into ${table} (${columnList(withIds)}) select * from unnest(${placeholders})`, all);
    },
  };
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

// COPY text format: backslash, tab, newline and CR are escaped; NULL is \N.
function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const s = String(value);
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyText(rows: readonly InsertRow[], withIds: boolean): string {
  let out = '';
  for (const r of rows) {
    if (withIds) out += `${copyField(r.id)}\t`;
    out += `${copyField(r.event)}\t${copyField(r.userId)}\t${copyField(r.ip)}\t${copyField(r.userAgent)}\t${copyField(r.path)}\t${copyField(r.detail)}\t${r.timestamp}\t${copyField(r.chainPrev)}\t${copyField(r.chainHmac)}\n`;
  }
  return out;
}

function postgresQueryable(sql: Sql | TransactionSql, writeTimeoutMs: number): Queryable {
  return {
    async query<T>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const rows = await sql.unsafe(text, (params ?? []) as never[]);
      return rows as unknown as T[];
    },
    async insertRows(table, rows, withIds) {
      if (rows.length === 0) return;
      const stream = (await sql.unsafe(`copy ${table} (${columnList(withIds)}) from stdin`).writable()) as Writable;
      // Errors are read through finished() below; a late one (the connection reset after the
      // COPY settled) must not become an uncaught 'error' event that takes the process down.
      stream.on('error', () => undefined);
      const text = copyText(rows, withIds);
      // Write in ~1 MiB pieces so a large batch does not build one huge Buffer.
      const piece = 1 << 20;
      for (let i = 0; i < text.length; i += piece) {
        if (!stream.write(text.slice(i, i + piece))) await new Promise<void>((r) => stream.once('drain', r));
      }
      stream.end();
      // A COPY whose connection dies mid-stream (server crash) never finishes nor errors in
      // postgres.js: bound the wait, destroy the stream, and let the writer retry the batch.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new Error(`COPY did not complete within ${writeTimeoutMs} ms (connection lost?)`);
          stream.destroy(err);
          reject(err);
        }, writeTimeoutMs);
      });
      try {
        await Promise.race([finished(stream), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Wrap a postgres.js client. `owned`: end it on close(). */
export function postgresDriver(sql: Sql, owned: boolean, writeTimeoutMs = 30_000): Driver {
  const q = postgresQueryable(sql, writeTimeoutMs);
  return {
    kind: 'postgres',
    ...q,
    async transaction(fn) {
      return (await sql.begin(async (tx) => fn(postgresQueryable(tx, writeTimeoutMs)))) as Awaited<ReturnType<typeof fn>>;
    },
    async close() {
      if (owned) await sql.end({ timeout: 5 });
    },
  };
}
