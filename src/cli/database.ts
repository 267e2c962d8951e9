/** Opening a SecurityLog database for the CLI (read side: `rampart log`, `rampart dashboard`). */
import { existsSync, statSync } from 'node:fs';
import { importPeer, PEERS } from '../core/optional.ts';
import { postgresOptions, postgresQuery } from '../core/postgres.ts';
import { SecurityLog } from '../log/index.ts';
import { UsageError } from './args.ts';

/** The default database: the demo's embedded PGlite directory. */
export const DEFAULT_DATABASE = './data/security';
const TABLE = /^[a-z_][a-z0-9_]{0,47}$/;

/** A SecurityLog on a client the CLI owns, plus aggregate queries the log API does not offer. */
export interface OpenLog {
  log: SecurityLog;
  /** Events per type since `since`, most frequent first. */
  countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>>;
  /** The IPs with the most events since `since`. */
  topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>>;
  close(): Promise<void>;
}

type Run = (text: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Open `database` (a PGlite directory that must already exist, or a postgres:// URL).
 * An embedded PGlite directory admits one process at a time: stop the app (or use
 * PostgreSQL) before reading its log.
 */
export async function openLog(command: string, database: string, table = 'rampart_security_log'): Promise<OpenLog> {
  if (!TABLE.test(table)) throw new UsageError(`rampart ${command}: --table must match [a-z_][a-z0-9_]* (at most 48 characters).`);
  let run: Run;
  let closeClient: () => Promise<void>;
  let client: unknown;
  if (/^postgres(ql)?:\/\//i.test(database)) {
    const { default: postgres } = await importPeer(PEERS.postgresUrl, () => import('postgres'));
    const sql = postgres(database, postgresOptions({ max: 2, connectTimeout: 10 }));
    client = sql;
    run = postgresQuery(sql);
    closeClient = async () => sql.end({ timeout: 5 });
  } else {
    if (!existsSync(database) || !statSync(database).isDirectory()) {
      throw new UsageError(`rampart ${command}: no SecurityLog database at ${database} (a PGlite directory or a postgres:// URL; the demo writes ./data/security).`);
    }
    const { PGlite } = await importPeer(PEERS.pglite, () => import('@electric-sql/pglite'));
    const pg = new PGlite(database);
    await pg.waitReady;
    client = pg;
    run = async (text, params) => (await pg.query<Record<string, unknown>>(text, params)).rows;
    closeClient = async () => pg.close();
  }
  const log = new SecurityLog({ database: client as never, table });
  const q = `"${table}"`;
  try {
    await log.ensureTable();
  } catch (err) {
    await log.close();
    await closeClient();
    throw err;
  }
  return {
    log,
    async countsByEvent(since) {
      const rows = await run(`select event, count(*)::int as n from ${q} where "timestamp" >= $1::timestamptz group by event order by n desc, event limit 200`, [since.toISOString()]);
      return rows.map((r) => ({ event: String(r.event), count: Number(r.n) }));
    },
    async topIps(since, limit) {
      const rows = await run(`select ip_address as ip, count(*)::int as n from ${q} where "timestamp" >= $1::timestamptz and ip_address is not null group by ip_address order by n desc, ip_address limit $2`, [since.toISOString(), limit]);
      return rows.map((r) => ({ ip: String(r.ip), count: Number(r.n) }));
    },
    async close() {
      await log.close();
      await closeClient();
    },
  };
}
