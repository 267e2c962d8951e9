import type { Options, PostgresType, Sql, TransactionSql } from 'postgres';

/**
 * Options for every postgres.js client rampart opens itself. `fetch_types` is off: with it
 * on, each new connection runs a catalogue query whose promise postgres.js drops, so a
 * connection lost during that query (a database restart) becomes an unhandled rejection
 * that ends the process (porsager/postgres#1192, #1223). Array parameters are sent as
 * array literals instead (postgresParams), which needs no type catalogue.
 */
export function postgresOptions(pool: { max: number; connectTimeout: number; idleTimeout?: number }): Options<Record<string, PostgresType>> {
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

/** Parameterised SQL on a postgres.js client or transaction, rows as plain objects. */
export function postgresQuery(sql: Sql | TransactionSql): <T = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<T[]> {
  return async <T>(text: string, params?: readonly unknown[]) => [...(await sql.unsafe(text, postgresParams(params)))] as T[];
}
