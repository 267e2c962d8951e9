/** What every open database offers, whatever the backend (see database.ts, which opens them). */
import type { CopyColumn, CopyValue } from './copy-binary.ts';

/** Parameterised SQL on a connection or inside a transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Load rows into `table` (a quoted identifier) with one binary COPY: one statement with
   * nothing to plan and no parameters or text to parse. Only where it is cheaper than an
   * INSERT: the embedded PGlite in its worker thread. Values in the order of `columns`:
   * strings for text, integers for int8, epoch milliseconds for timestamptz, or null.
   */
  copyRows?(table: string, columns: readonly CopyColumn[], rows: ReadonlyArray<ReadonlyArray<CopyValue>>): Promise<void>;
}

/** An open database: PostgreSQL through postgres.js, or PGlite (in a worker thread, or a caller's instance). */
export interface Database extends Queryable {
  readonly backend: 'pglite' | 'postgres';
  /** True for an in-memory database: nothing in it outlives close(), so writing WAL for it buys nothing. */
  readonly ephemeral?: boolean;
  /** Run `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Close what rampart opened; a caller's client is left open. `graceMs`: how long statements
   * still running may take before the connections are cut (a pool; default 5 s).
   */
  close(graceMs?: number): Promise<void>;
}
