/** Opening a SecurityLog database for the CLI (read side: `rampart log`, `rampart dashboard`). */
import { existsSync, statSync } from 'node:fs';
import { isRampartError, RampartError } from '../errors.ts';
import { openLogReader, type LogReader } from '../log/reader.ts';
import type { ReadCheck, ReadOptions } from '../log/store-query.ts';
import { checkDatabase, type DatabaseTarget } from '../stores/database.ts';
import { displayDatabase } from '../stores/database-display.ts';
import { pgliteHolder } from '../stores/pglite-lock.ts';
import { UsageError } from './args.ts';

/** The default database: the demo's embedded PGlite directory. */
export const DEFAULT_DATABASE = './data/security';
const TABLE = /^[a-z_][a-z0-9_]{0,47}$/;

/** A SecurityLog table opened for reading (the queries and the dashboard's aggregates live with the log's store). */
export interface OpenLog {
  log: LogReader;
  /** What the row reads pass (`--include-tampered`). */
  readOptions: ReadOptions;
  /** Events per type since `since`, most frequent first. */
  countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>>;
  /** The IPs with the most events since `since`. */
  topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>>;
  close(): Promise<void>;
}

/**
 * Check `database` for a CLI command: a postgres:// URL, or a PGlite directory that exists and
 * that no other live process holds (PGlite is single-process: reading beside a running app
 * would see stale pages). Usage mistakes are UsageError; a held directory is
 * ERR_RAMPART_LOG_DATABASE_BUSY.
 */
export function cliDatabase(command: string, database: string, table: string): DatabaseTarget {
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
      `rampart ${command}: no SecurityLog database at ${displayDatabase(database)} (a PGlite directory or a postgres:// URL; the demo writes ./data/security).`,
    );
  }
  if (target.source === 'path' && target.dataDir !== undefined) {
    const holder = pgliteHolder(target.dataDir);
    if (holder !== undefined) {
      throw new RampartError(
        'ERR_RAMPART_LOG_DATABASE_BUSY',
        `rampart ${command}: ${displayDatabase(database)} is an embedded PGlite database held by process ${holder.pid} on ${holder.host}, and PGlite admits one process (a second one would read stale or corrupt pages). Read it through the running app (mount dashboard({ log, auth }) from rampart/dashboard), stop the app first, or keep the log on a PostgreSQL server (log: { database: 'postgres://…' }).`,
      );
    }
  }
  return target;
}

/**
 * Open `database` (a PGlite directory that must already exist, or a postgres:// URL) for
 * reading through rampart's one database opener (an embedded PGlite runs in a worker thread).
 * Nothing is created: see {@link cliDatabase} for the checks.
 */
export async function openLog(
  command: string,
  database: string,
  table = 'rampart_security_log',
  check?: ReadCheck,
  readOptions: ReadOptions = {},
): Promise<OpenLog> {
  const target = cliDatabase(command, database, table);
  const reader = await openLogReader(target, table, check);
  return { log: reader, readOptions, countsByEvent: reader.countsByEvent, topIps: reader.topIps, close: reader.close };
}
