/** Opening a SecurityLog database for the CLI (read side: `rampart log`, `rampart dashboard`). */
import { existsSync, statSync } from 'node:fs';
import { isRampartError } from '../errors.ts';
import { openLogReader, type LogReader } from '../log/reader.ts';
import { checkDatabase, type DatabaseTarget } from '../stores/database.ts';
import { UsageError } from './args.ts';

/** The default database: the demo's embedded PGlite directory. */
export const DEFAULT_DATABASE = './data/security';
const TABLE = /^[a-z_][a-z0-9_]{0,47}$/;

/** A SecurityLog table opened for reading (the queries and the dashboard's aggregates live with the log's store). */
export interface OpenLog {
  log: LogReader;
  /** Events per type since `since`, most frequent first. */
  countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>>;
  /** The IPs with the most events since `since`. */
  topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>>;
  close(): Promise<void>;
}

/**
 * Open `database` (a PGlite directory that must already exist, or a postgres:// URL) through
 * rampart's one database opener (an embedded PGlite runs in a worker thread). An embedded PGlite
 * directory admits one process at a time: stop the app (or use PostgreSQL) before reading its log.
 */
export async function openLog(command: string, database: string, table = 'rampart_security_log'): Promise<OpenLog> {
  if (!TABLE.test(table)) throw new UsageError(`rampart ${command}: --table must match [a-z_][a-z0-9_]* (at most 48 characters).`);
  let target: DatabaseTarget;
  try {
    target = checkDatabase(database, `rampart ${command} --database`);
  } catch (err) {
    if (isRampartError(err, 'ERR_RAMPART_CONFIG')) throw new UsageError(err.message);
    throw err;
  }
  // The CLI reads an existing log: it never creates an empty PGlite directory.
  if (target.source === 'path' && (target.dataDir === undefined || !existsSync(target.dataDir) || !statSync(target.dataDir).isDirectory())) {
    throw new UsageError(
      `rampart ${command}: no SecurityLog database at ${database} (a PGlite directory or a postgres:// URL; the demo writes ./data/security).`,
    );
  }
  const reader = await openLogReader(target, table);
  return { log: reader, countsByEvent: reader.countsByEvent, topIps: reader.topIps, close: reader.close };
}
