/**
 * The part of a postgres.js (porsager) client or transaction that rampart uses. A
 * `postgres()` client fits it; rampart's public types do not import `postgres` itself (an
 * optional peer).
 */
export interface PostgresQueryable {
  unsafe(query: string, parameters?: unknown[], options?: { prepare?: boolean }): PromiseLike<Iterable<Record<string, unknown>>>;
}

/** A postgres.js client (`postgres(url)`), as rampart uses it: queries, transactions, end. */
export interface PostgresClientLike extends PostgresQueryable {
  begin<T>(fn: (tx: PostgresQueryable) => Promise<T>): Promise<unknown>;
  end(options?: { timeout?: number }): Promise<void>;
}

/**
 * The part of a PGlite instance (`new PGlite()`) that rampart uses; rampart's public types
 * do not import `@electric-sql/pglite` itself (an optional peer).
 */
export interface PGliteLike {
  query<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(query: string): Promise<unknown>;
  transaction<T>(fn: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** The part of a PGlite transaction that rampart uses. */
export interface PGliteTransactionLike {
  query<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

/** The postgres.js options rampart sets on clients it opens itself. */
export interface PostgresClientOptions {
  max: number;
  connect_timeout: number;
  idle_timeout?: number;
  fetch_types: boolean;
  onnotice: () => void;
}

/**
 * Options for every postgres.js client rampart opens itself. `fetch_types` is off: with it
 * on, each new connection runs a catalogue query whose promise postgres.js drops, so a
 * connection lost during that query (a database restart) becomes an unhandled rejection
 * that ends the process (porsager/postgres#1192, #1223). Array parameters are sent as
 * array literals instead (postgresParams), which needs no type catalogue.
 */
export function postgresOptions(pool: { max: number; connectTimeout: number; idleTimeout?: number }): PostgresClientOptions {
  return {
    max: pool.max,
    connect_timeout: pool.connectTimeout,
    ...(pool.idleTimeout === undefined ? {} : { idle_timeout: pool.idleTimeout }),
    fetch_types: false,
    onnotice: () => {},
  };
}

/** A PostgreSQL array literal (`{"a","b",NULL}`) for a `$n::type[]` parameter. */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else out += `"${String(v instanceof Date ? v.toISOString() : v).replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

/** Query parameters for postgres.js: arrays become array literals (see postgresOptions). */
export function postgresParams(params: readonly unknown[] | undefined): never[] {
  if (params === undefined) return [];
  return params.map((p) => (Array.isArray(p) ? arrayLiteral(p) : p)) as never[];
}
