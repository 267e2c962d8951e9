import { after, type TestContext } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { SecurityLog, type SecurityLogOptions } from '../../src/log/index.ts';
import { startPostgres, type PgServer } from './services.ts';

/** Raw SQL on the log's database: the attacker (or the app) with table access. */
export type Raw = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** A chained log's test environment: a fresh table on one backend, and raw SQL on it. */
export interface ChainedLogEnv {
  /** A chained log on the test's table (options override the defaults; `chain: false` gives a plain log on it). */
  open(options?: SecurityLogOptions): SecurityLog;
  raw: Raw;
  table: string;
}

/** The chain key the environments' logs use. */
const CHAIN_KEY = 'chain-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';

/**
 * `environment(t, backend)` for a test file: one shared in-process PGlite, one throwaway
 * PostgreSQL started on first use (the test is skipped with a visible reason when it is
 * missing, or fails under RAMPART_REQUIRE_SERVICES=1), a table per call named after
 * `prefix`, and every log opened through it closed after the test.
 */
export function chainedLogEnvironments(prefix: string): (t: TestContext, backend: 'pglite' | 'postgres') => Promise<ChainedLogEnv | undefined> {
  let counter = 0;
  let lite: PGlite | undefined;
  let pg: PgServer | undefined;
  let pgTried = false;
  after(async () => {
    await pg?.stop();
    await lite?.close();
  });
  return async (t, backend) => {
    const table = `${prefix}_${process.pid}_${++counter}`;
    const logs: SecurityLog[] = [];
    let database: SecurityLogOptions['database'];
    let raw: Raw;
    if (backend === 'pglite') {
      lite ??= new PGlite();
      const db = lite;
      database = db;
      raw = async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows;
    } else {
      if (!pgTried) {
        pgTried = true;
        pg = await startPostgres(undefined);
      }
      if (pg === undefined) {
        t.skip('PostgreSQL not available (set RAMPART_REQUIRE_SERVICES=1 to fail instead)');
        return undefined;
      }
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      t.after(() => sql.end({ timeout: 1 }));
      database = pg.url;
      raw = async (text, params) => (await sql.unsafe(text, (params ?? []) as never[])) as unknown as Record<string, unknown>[];
    }
    t.after(async () => {
      for (const l of logs) await l.close();
    });
    const open = (options: SecurityLogOptions = {}): SecurityLog => {
      const l = new SecurityLog({ database, table, flushIntervalMs: 10, chain: true, chainKey: CHAIN_KEY, ...options });
      logs.push(l);
      return l;
    };
    return { open, raw, table };
  };
}
