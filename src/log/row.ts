/** A stored SecurityLog row: the columns it is read with, as the database gives it and as the API returns it. */

/**
 * How far a row of a tamper-evident log can be trusted: its MAC checks out (`verified`), it
 * was written before `chain: true` (`unchained`), or it was inserted or changed without the key
 * (`tampered`).
 */
export type RowIntegrity = 'verified' | 'unchained' | 'tampered';

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
  /**
   * On a log with `chain: true`: `verified` (the row's MAC checks out), `unchained` (written
   * before the chain was switched on) or `tampered` (returned only with `includeTampered`).
   * Absent on a log without chain.
   */
  integrity?: RowIntegrity;
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
