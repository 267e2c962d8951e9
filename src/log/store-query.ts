/**
 * The SecurityLog's read queries: the API's lookups (recent, per user/IP/event, counts, a
 * user's summary; export pages are reader.ts's) and the aggregates `rampart log` / `rampart dashboard` show. Every
 * statement is parameterised; the table name is a checked identifier.
 */
import type { Queryable } from '../stores/database.ts';
import { type RawRow, SELECT_COLUMNS, type SecurityLogRow, toRowObject } from './row.ts';
import { chainStart, INTEGRITY_COLUMNS, readChecked } from './row-integrity.ts';

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

export { type RawRow, type RowIntegrity, SELECT_COLUMNS, type SecurityLogRow, toRowObject } from './row.ts';

/** The per-row MAC check of a chained log's reads. */
export interface ReadCheck {
  /** The chain key. */
  key: Buffer;
  /** Told the ids of the rows a read (`what`: getRecent, query, getByEvent, export, after) left out or marked. */
  onTampered?: ((ids: readonly number[], what: string) => void) | undefined;
}

/** Which rows a checked read returns: the verified and unchained ones, or all of them marked. */
export interface ReadOptions {
  includeTampered?: boolean | undefined;
}

/** Queries over one table `q` (quoted name); with `check`, the rows they return have their MAC checked. */
export class LogQueries {
  private readonly db: Queryable;
  private readonly q: string;
  private readonly check: ReadCheck | undefined;

  constructor(db: Queryable, q: string, check?: ReadCheck) {
    this.db = db;
    this.q = q;
    this.check = check;
  }

  /** True when the rows returned have their MAC checked (a chained log read with its key). */
  get checked(): boolean {
    return this.check !== undefined;
  }

  private async rows(text: string, params: readonly unknown[]): Promise<SecurityLogRow[]> {
    return (await this.db.query<RawRow>(text, params)).map(toRowObject);
  }

  /**
   * Rows matching `where` (over `params`), newest first. Checked: pages continue after the
   * last row read (its database timestamp text keeps the microseconds) while rows were left out.
   */
  private async newest(what: string, where: string, params: readonly unknown[], limit: number, options: ReadOptions | undefined): Promise<SecurityLogRow[]> {
    const check = this.check;
    const order = 'order by "timestamp" desc, id desc';
    if (check === undefined)
      return this.rows(`select ${SELECT_COLUMNS} from ${this.q}${where === '' ? '' : ` where ${where}`} ${order} limit $${params.length + 1}`, [
        ...params,
        limit,
      ]);
    const start = await chainStart(this.db, this.q);
    const read = await readChecked(check.key, start, limit, options?.includeTampered === true, (after, n) => {
      const p: unknown[] = [...params];
      const conditions = where === '' ? [] : [where];
      if (after !== undefined) {
        p.push(after.cursor_time, String(after.id));
        conditions.push(`("timestamp", id) < ($${p.length - 1}::text::timestamptz, $${p.length}::int8)`);
      }
      p.push(n);
      const filter = conditions.length === 0 ? '' : ` where ${conditions.join(' and ')}`;
      return this.db.query(
        `select ${SELECT_COLUMNS}, ${INTEGRITY_COLUMNS}, "timestamp"::text as cursor_time from ${this.q}${filter} ${order} limit $${p.length}`,
        p,
      );
    });
    if (read.tampered.length > 0) check.onTampered?.(read.tampered, what);
    return read.rows;
  }

  recent(limit: number, options?: ReadOptions): Promise<SecurityLogRow[]> {
    return this.newest('getRecent', '', [], limit, options);
  }

  forColumn(column: 'user_id' | 'ip_address', value: string, limit: number, since: Date | undefined, options?: ReadOptions): Promise<SecurityLogRow[]> {
    const params: unknown[] = [value];
    let where = `${column} = $1`;
    if (since !== undefined) {
      where += ' and "timestamp" >= $2';
      params.push(since.toISOString());
    }
    return this.newest('query', where, params, limit, options);
  }

  byEvent(event: string, since: Date, limit: number, options?: ReadOptions): Promise<SecurityLogRow[]> {
    return this.newest('getByEvent', 'event = $1 and "timestamp" >= $2', [event, since.toISOString()], limit, options);
  }

  async count(filters: { event?: string | undefined; ip?: string | undefined }, since: Date): Promise<number> {
    const params: unknown[] = [since.toISOString()];
    let where = '"timestamp" >= $1';
    if (filters.event !== undefined) {
      params.push(filters.event);
      where += ` and event = $${params.length}`;
    }
    if (filters.ip !== undefined) {
      params.push(filters.ip);
      where += ` and ip_address = $${params.length}`;
    }
    const rows = await this.db.query<{ n: number | string }>(`select count(*) as n from ${this.q} where ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  /** How many rows a user has, per event, with the first and last time of each. */
  async userSummary(userId: string): Promise<Array<{ event: string; count: number; first: Date; last: Date }>> {
    const rows = await this.db.query<{ event: string; n: number | string; first: Date | string; last: Date | string }>(
      `select event, count(*) as n, min("timestamp") as first, max("timestamp") as last from ${this.q} where user_id = $1 group by event order by event`,
      [userId],
    );
    return rows.map((r) => ({ event: r.event, count: Number(r.n), first: date(r.first), last: date(r.last) }));
  }

  /** Events per type since `since`, most frequent first (at most 200 types). */
  async countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>> {
    const rows = await this.db.query<{ event: string; n: number | string }>(
      `select event, count(*)::int as n from ${this.q} where "timestamp" >= $1::timestamptz group by event order by n desc, event limit 200`,
      [since.toISOString()],
    );
    return rows.map((r) => ({ event: String(r.event), count: Number(r.n) }));
  }

  /** The addresses with the most events since `since`. */
  async topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>> {
    const rows = await this.db.query<{ ip: string; n: number | string }>(
      `select ip_address as ip, count(*)::int as n from ${this.q} where "timestamp" >= $1::timestamptz and ip_address is not null group by ip_address order by n desc, ip_address limit $2`,
      [since.toISOString(), limit],
    );
    return rows.map((r) => ({ ip: String(r.ip), count: Number(r.n) }));
  }
}
