/** What every open database offers, whatever the backend (see database.ts, which opens them). */

/** Parameterised SQL on a connection or inside a transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** An open database: PostgreSQL through postgres.js, or PGlite (in a worker thread, or a caller's instance). */
export interface Database extends Queryable {
  readonly backend: 'pglite' | 'postgres';
  /** Run `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Close what rampart opened; a caller's client is left open. */
  close(): Promise<void>;
}
