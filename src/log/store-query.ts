/**
 * The SecurityLog's read queries: the API's lookups (recent, per user/IP/event, counts, a
 * user's summary; export pages are reader.ts's) and the aggregates `rampart log` / `rampart dashboard` show. Every
 * statement is parameterised; the table name is a checked identifier.
 */
import type { Queryable } from '../stores/database.ts';

/** One stored security event, as the query methods return it (newest first). */
export interface SecurityLogRow {
  id: number;
  event: string;
  /** Stored as text: numeric ids come back as strings ('42'). */
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  path: string | null;
  detail: string | null;
  timestamp: Date;
}

/** The columns a row is read with. */
export const SELECT_COLUMNS = 'id, event, user_id, ip_address, user_agent, path, detail, "timestamp"';

/** A row as the database returns it (with the chain columns when selected). */
export interface RawRow {
  id: number | string | bigint;
  event: string;
  user_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  path: string | null;
  detail: string | null;
  timestamp: Date | string;
  chain_prev?: string | null;
  chain_hmac?: string | null;
}

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

/** A database row as the API returns it. */
export function toRowObject(r: RawRow): SecurityLogRow {
  return {
    id: Number(r.id),
    event: r.event,
    userId: r.user_id,
    ipAddress: r.ip_address,
    userAgent: r.user_agent,
    path: r.path,
    detail: r.detail,
    timestamp: date(r.timestamp),
  };
}

/** Queries over one table `q` (quoted name). */
export class LogQueries {
  private readonly db: Queryable;
  private readonly q: string;

  constructor(db: Queryable, q: string) {
    this.db = db;
    this.q = q;
  }

  private async rows(text: string, params: readonly unknown[]): Promise<SecurityLogRow[]> {
    return (await this.db.query<RawRow>(text, params)).map(toRowObject);
  }

  recent(limit: number): Promise<SecurityLogRow[]> {
    return this.rows(`select ${SELECT_COLUMNS} from ${this.q} order by "timestamp" desc, id desc limit $1`, [limit]);
  }

  forColumn(column: 'user_id' | 'ip_address', value: string, limit: number, since: Date | undefined): Promise<SecurityLogRow[]> {
    const params: unknown[] = [value, limit];
    let where = `${column} = $1`;
    if (since !== undefined) {
      where += ' and "timestamp" >= $3';
      params.push(since.toISOString());
    }
    return this.rows(`select ${SELECT_COLUMNS} from ${this.q} where ${where} order by "timestamp" desc, id desc limit $2`, params);
  }

  byEvent(event: string, since: Date, limit: number): Promise<SecurityLogRow[]> {
    return this.rows(`select ${SELECT_COLUMNS} from ${this.q} where event = $1 and "timestamp" >= $2 order by "timestamp" desc, id desc limit $3`, [
      event,
      since.toISOString(),
      limit,
    ]);
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
