/**
 * Read access to a SecurityLog table without a writer: what `rampart log` and `rampart
 * dashboard` use. It opens the database through the one opener (src/stores/database.ts) and
 * runs the log's own queries (store-query.ts), including the aggregates the dashboard shows.
 */
import { checkDatabase, isDatabaseTarget, openDatabase, type DatabaseOption, type DatabaseTarget } from '../stores/database.ts';
import { normalizeIp, toRow } from './fields.ts';
import { Store, type SecurityLogRow } from './store.ts';

/** The read side of a SecurityLog table. */
export interface LogReader {
  /** The most recent events, newest first. */
  getRecent(options: { limit: number }): Promise<SecurityLogRow[]>;
  /** Events of one user, newest first. */
  getForUser(userId: string, options: { limit: number; sinceHours?: number }): Promise<SecurityLogRow[]>;
  /** Events from one address, newest first. */
  getForIp(ip: string, options: { limit: number; sinceHours?: number }): Promise<SecurityLogRow[]>;
  /** Events of one type within the last `sinceHours`, newest first. */
  getByEvent(event: string, options: { limit: number; sinceHours: number }): Promise<SecurityLogRow[]>;
  /** Events per type since `since`, most frequent first. */
  countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>>;
  /** The addresses with the most events since `since`. */
  topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>>;
  /** Close the database the reader opened (a caller's client stays open). */
  close(): Promise<void>;
}

const hoursAgo = (hours: number | undefined): Date | undefined => (hours === undefined ? undefined : new Date(Date.now() - hours * 3_600_000));

/**
 * Open a SecurityLog table for reading (creating it when missing, as SecurityLog does). The
 * table name must already be checked; `database` is any {@link DatabaseOption}, or one that
 * checkDatabase() has already checked.
 */
export async function openLogReader(database: DatabaseOption | DatabaseTarget, table: string): Promise<LogReader> {
  const target = isDatabaseTarget(database) ? database : checkDatabase(database, 'SecurityLog reader');
  const db = await openDatabase(target, { poolSize: 2, connectTimeout: 10 });
  const store = new Store(db, { table, partition: 'month', partitionsAhead: 2, unlogged: false, chainKey: undefined });
  try {
    await store.ensureTable();
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    getRecent: ({ limit }) => store.recent(limit),
    getForUser: (userId, { limit, sinceHours }) => store.forColumn('user_id', toRow('LOGOUT', { userId }, 64).userId ?? '', limit, hoursAgo(sinceHours)),
    async getForIp(ip, { limit, sinceHours }) {
      const addr = normalizeIp(ip).ip;
      return addr === null ? [] : store.forColumn('ip_address', addr, limit, hoursAgo(sinceHours));
    },
    getByEvent: (event, { limit, sinceHours }) => store.byEvent(event, hoursAgo(sinceHours)!, limit),
    countsByEvent: (since) => store.countsByEvent(since),
    topIps: (since, limit) => store.topIps(since, limit),
    close: () => db.close(),
  };
}
