/**
 * Read access to a SecurityLog table without a writer: what `rampart log` and the dashboard use.
 * Reading never runs DDL (no table creation, no partitions), so it works through a PostgreSQL
 * role that may only SELECT. It opens the database through the one opener
 * (src/stores/database.ts) and runs the log's own queries (store-query.ts) plus the aggregates
 * the dashboard and `rampart log stats` show.
 */
import { RampartError } from '../errors.ts';
import { checkDatabase, isDatabaseTarget, openDatabase, type Database, type DatabaseOption, type DatabaseTarget } from '../stores/database.ts';
import { normalizeIp, toRow } from './fields.ts';
import { LogQueries, type ReadCheck, type ReadOptions, SELECT_COLUMNS, toRowObject, type RawRow, type SecurityLogRow } from './store-query.ts';
import { chainStart, INTEGRITY_COLUMNS, readChecked } from './row-integrity.ts';

/** Events of one type in one time bucket (`rampart dashboard`'s chart). */
export interface EventBucket {
  /** Start of the bucket. */
  bucket: Date;
  event: string;
  count: number;
}

/** Where an export page starts: after this (timestamp, id). */
export interface ExportCursor {
  time: string;
  id: number;
}

/** What `rampart log stats` prints. */
export interface LogStats {
  total: number;
  oldest: Date | null;
  newest: Date | null;
  /** Events in the last 24 hours. */
  last24h: number;
  /** Every event type, most frequent first, with the time it was last seen. */
  events: Array<{ event: string; count: number; last: Date }>;
  /** The ten addresses with the most events in the last 24 hours. */
  topIps: Array<{ ip: string; count: number }>;
}

/** The read side of a SecurityLog table. */
export interface LogReader {
  /**
   * True when the rows returned have their MAC checked (a chained log opened with its key):
   * rows that do not verify are left out unless `includeTampered` (see `SecurityLogRow.integrity`).
   */
  readonly checked: boolean;
  /** The most recent events, newest first. */
  getRecent(options: { limit: number } & ReadOptions): Promise<SecurityLogRow[]>;
  /** Events of one user, newest first. */
  getForUser(userId: string, options: { limit: number; sinceHours?: number } & ReadOptions): Promise<SecurityLogRow[]>;
  /** Events from one address, newest first. */
  getForIp(ip: string, options: { limit: number; sinceHours?: number } & ReadOptions): Promise<SecurityLogRow[]>;
  /** Events of one type within the last `sinceHours`, newest first. */
  getByEvent(event: string, options: { limit: number; sinceHours: number } & ReadOptions): Promise<SecurityLogRow[]>;
  /** Events per type since `since`, most frequent first. */
  countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>>;
  /** The addresses with the most events since `since`. */
  topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>>;
  /** Events per type and time bucket of `bucketSeconds` since `since`, oldest bucket first. */
  eventsOverTime(since: Date, bucketSeconds: number): Promise<EventBucket[]>;
  /**
   * Rows with an id above `afterId`, in id order (what `tail --follow` and live updates poll).
   * Checked: rows left out after the last one returned are read (and reported) again by the next poll.
   */
  after(afterId: number, limit: number, options?: ReadOptions): Promise<SecurityLogRow[]>;
  /** The highest id stored (0 when empty). */
  newestId(): Promise<number>;
  /** True when one of the newest 1000 rows carries a MAC (a `chain: true` log). */
  chained(): Promise<boolean>;
  /** True when at least one row has this event name. */
  hasEvent(event: string): Promise<boolean>;
  /**
   * Rows after the `cursor` in (time, id) order (keyset pages for export), and the cursor of the
   * next page (the database's own timestamp text, so microseconds are not lost).
   */
  page(cursor: ExportCursor, limit: number, options?: ReadOptions): Promise<{ rows: SecurityLogRow[]; next: ExportCursor | undefined }>;
  /** Rows since `since` (all rows without it). */
  count(since?: Date): Promise<number>;
  /** Totals for `rampart log stats`. */
  stats(): Promise<LogStats>;
  /** Close the database the reader opened (a caller's client stays open). */
  close(): Promise<void>;
}

const hoursAgo = (hours: number | undefined): Date | undefined => (hours === undefined ? undefined : new Date(Date.now() - hours * 3_600_000));
const toDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

function readError(what: string, err: unknown): RampartError {
  if (err instanceof RampartError) return err;
  return new RampartError('ERR_RAMPART_LOG_DATABASE', `SecurityLog reader: ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * A reader over a database that is already open (`owned`: closed by `close()`). The table must
 * exist and its name be checked; nothing here creates or alters anything. With `check` (the
 * chain key of a `chain: true` log), the rows returned have their MAC checked.
 */
export function readerOver(db: Database, table: string, owned: boolean, check?: ReadCheck): LogReader {
  const q = `"${table}"`;
  const queries = new LogQueries(db, q, check);
  const run =
    <A extends unknown[], T>(what: string, fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw readError(what, err);
      }
    };
  const rows = async (text: string, params: readonly unknown[]): Promise<SecurityLogRow[]> => (await db.query<RawRow>(text, params)).map(toRowObject);
  const count = async (since?: Date): Promise<number> => {
    const r = await db.query<{ n: number | string }>(
      since === undefined ? `select count(*) as n from ${q}` : `select count(*) as n from ${q} where "timestamp" >= $1::timestamptz`,
      since === undefined ? [] : [since.toISOString()],
    );
    return Number(r[0]?.n ?? 0);
  };
  /** Checked rows read in pages after `first` (see readChecked), telling `check.onTampered`. */
  const checkedRows = async <R extends RawRow & { cursor_time?: string }>(
    what: string,
    limit: number,
    options: ReadOptions | undefined,
    fetch: (after: R | undefined, n: number) => Promise<R[]>,
  ) => {
    const c = check!;
    const read = await readChecked(c.key, await chainStart(db, q), limit, options?.includeTampered === true, fetch);
    if (read.tampered.length > 0) c.onTampered?.(read.tampered, what);
    return read;
  };
  return {
    checked: check !== undefined,
    getRecent: run('getRecent', ({ limit, ...options }: { limit: number } & ReadOptions) => queries.recent(limit, options)),
    getForUser: run('query', (userId: string, { limit, sinceHours, ...options }: { limit: number; sinceHours?: number } & ReadOptions) =>
      queries.forColumn('user_id', toRow('LOGOUT', { userId }, 64).userId ?? '', limit, hoursAgo(sinceHours), options),
    ),
    getForIp: run('query', async (ip: string, { limit, sinceHours, ...options }: { limit: number; sinceHours?: number } & ReadOptions) => {
      const addr = normalizeIp(ip).ip;
      return addr === null ? [] : queries.forColumn('ip_address', addr, limit, hoursAgo(sinceHours), options);
    }),
    getByEvent: run('getByEvent', (event: string, { limit, sinceHours, ...options }: { limit: number; sinceHours: number } & ReadOptions) =>
      queries.byEvent(event, hoursAgo(sinceHours)!, limit, options),
    ),
    countsByEvent: run('countsByEvent', (since: Date) => queries.countsByEvent(since)),
    topIps: run('topIps', (since: Date, limit: number) => queries.topIps(since, limit)),
    eventsOverTime: run('eventsOverTime', async (since: Date, bucketSeconds: number) => {
      const r = await db.query<{ b: number | string; event: string; n: number | string }>(
        `select floor(extract(epoch from "timestamp") / $2)::bigint * $2 as b, event, count(*)::int as n from ${q}
         where "timestamp" >= $1::timestamptz group by 1, 2 order by 1, 2 limit 20000`,
        [since.toISOString(), bucketSeconds],
      );
      return r.map((x) => ({ bucket: new Date(Number(x.b) * 1000), event: String(x.event), count: Number(x.n) }));
    }),
    after: run('after', async (afterId: number, limit: number, options?: ReadOptions) => {
      if (check === undefined) return rows(`select ${SELECT_COLUMNS} from ${q} where id > $1::bigint order by id limit $2`, [afterId, limit]);
      const read = await checkedRows<RawRow>('after', limit, options, (after, n) =>
        db.query(`select ${SELECT_COLUMNS}, ${INTEGRITY_COLUMNS} from ${q} where id > $1::bigint order by id limit $2`, [
          after === undefined ? afterId : String(after.id),
          n,
        ]),
      );
      return read.rows;
    }),
    newestId: run('newestId', async () => Number((await db.query<{ id: number | string | null }>(`select max(id) as id from ${q}`))[0]?.id ?? 0)),
    // The newest rows by id (an index scan), not only the newest one: forged rows appended last carry no MAC.
    chained: run(
      'chained',
      async () =>
        (
          await db.query<{ c: boolean | null }>(`select bool_or(chain_hmac is not null) as c from (select chain_hmac from ${q} order by id desc limit 1000) s`)
        )[0]?.c === true,
    ),
    hasEvent: run('hasEvent', async (event: string) => (await db.query(`select 1 from ${q} where event = $1 limit 1`, [event])).length > 0),
    page: run('export', async (cursor: ExportCursor, limit: number, options?: ReadOptions) => {
      // The cursor is the database's own text (µs); the $1::text cast keeps the driver from parsing it into a Date (ms).
      const fetch = <R extends RawRow>(after: (RawRow & { cursor_time?: string }) | undefined, n: number, columns: string) =>
        db.query<R & { cursor_time: string }>(
          `select ${columns}, "timestamp"::text as cursor_time from ${q}
           where ("timestamp", id) > ($1::text::timestamptz, $2::bigint) order by "timestamp", id limit $3`,
          after === undefined ? [cursor.time, cursor.id, n] : [after.cursor_time, String(after.id), n],
        );
      const nextOf = (last: (RawRow & { cursor_time?: string }) | undefined): ExportCursor | undefined =>
        last === undefined ? undefined : { time: last.cursor_time!, id: Number(last.id) };
      if (check === undefined) {
        const raw = await fetch<RawRow>(undefined, limit, SELECT_COLUMNS);
        return { rows: raw.map(toRowObject), next: nextOf(raw.at(-1)) };
      }
      const read = await checkedRows('export', limit, options, (after, n) => fetch(after, n, `${SELECT_COLUMNS}, ${INTEGRITY_COLUMNS}`));
      return { rows: read.rows, next: nextOf(read.last) };
    }),
    count: run('count', count),
    stats: run('stats', async (): Promise<LogStats> => {
      const day = new Date(Date.now() - 86_400_000);
      const events = await db.query<{ event: string; n: number | string; last: Date | string }>(
        `select event, count(*) as n, max("timestamp") as last from ${q} group by event order by count(*) desc, event limit 500`,
      );
      const span = await db.query<{ oldest: Date | string | null; newest: Date | string | null }>(
        `select min("timestamp") as oldest, max("timestamp") as newest from ${q}`,
      );
      return {
        total: events.reduce((sum, e) => sum + Number(e.n), 0),
        oldest: toDate(span[0]?.oldest ?? null),
        newest: toDate(span[0]?.newest ?? null),
        last24h: await count(day),
        events: events.map((e) => ({ event: String(e.event), count: Number(e.n), last: toDate(e.last) as Date })),
        topIps: await queries.topIps(day, 10),
      };
    }),
    close: owned ? () => db.close() : async () => {},
  };
}

/**
 * Open a SecurityLog table for reading. The table name must already be checked; `database` is
 * any {@link DatabaseOption}, or one that checkDatabase() has already checked. A missing table
 * is ERR_RAMPART_LOG_DATABASE (the reader never creates one).
 */
export async function openLogReader(database: DatabaseOption | DatabaseTarget, table: string, check?: ReadCheck): Promise<LogReader> {
  return readerOver(await openLogDatabase(database, table), table, true, check);
}

/**
 * Open the database of a SecurityLog table, checking that the table exists (as
 * {@link openLogReader} does), for an owner that also keeps its own rows beside the log (the
 * dashboard's sign-outs). The caller closes it.
 */
export async function openLogDatabase(database: DatabaseOption | DatabaseTarget, table: string): Promise<Database> {
  const target = isDatabaseTarget(database) ? database : checkDatabase(database, 'SecurityLog reader');
  const db = await openDatabase(target, { poolSize: 2, connectTimeout: 10 });
  try {
    const found = await db.query<{ t: string | null }>('select to_regclass($1)::text as t', [`"${table}"`]);
    if (found[0]?.t == null) {
      throw new RampartError(
        'ERR_RAMPART_LOG_DATABASE',
        `SecurityLog reader: there is no table ${table} in this database (the app's SecurityLog creates it on first use; check --database and --table).`,
      );
    }
  } catch (err) {
    await db.close();
    throw readError('open', err);
  }
  return db;
}
