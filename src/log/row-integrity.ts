/**
 * The per-row check of a tamper-evident log's reads: each row a query returns has its MAC
 * checked (one HMAC per row, no chain walk), so rows inserted or edited through SQL without
 * the key are not returned as genuine. Deletions, which leave no row to check, are verify()'s.
 */
import type { Queryable } from '../stores/database.ts';
import { type ChainRow, GENESIS, sealHolds, timeOf } from './chain-mac.ts';
import { toRowObject, type RawRow, type RowIntegrity, type SecurityLogRow } from './row.ts';

/** The columns a checked read adds to SELECT_COLUMNS. */
export const INTEGRITY_COLUMNS = `chain_prev, chain_hmac, "timestamp" <> date_trunc('milliseconds', "timestamp") as sub_ms`;

/** The oldest chained row: rows without MAC before it are the ones written before `chain: true`. */
export interface ChainStart {
  id: number;
  time: number;
  /** True when it links to the genesis value (the chain starts there, not after a cleanup). */
  genesis: boolean;
}

/** The oldest chained row of table `q` (undefined while no row carries a MAC): one index lookup. */
export async function chainStart(db: Queryable, q: string): Promise<ChainStart | undefined> {
  const rows = await db.query<RawRow>(`select id, "timestamp", chain_prev from ${q} where chain_hmac is not null order by id limit 1`);
  const first = rows[0];
  return first === undefined ? undefined : { id: Number(first.id), time: timeOf(first), genesis: first.chain_prev === GENESIS };
}

/**
 * How far a stored row can be trusted: `verified` (its MAC covers it), `unchained` (no MAC,
 * written before the chain was switched on: the same rows verify() counts as unchained) or
 * `tampered` (anything else: a MAC that does not match, a row without MAC inside or after the
 * chain, an id the sequence never hands out).
 */
export function integrityOf(key: Buffer, raw: ChainRow, start: ChainStart | undefined): RowIntegrity {
  const id = Number(raw.id);
  if (!(id > 0)) return 'tampered';
  if (raw.chain_hmac !== null && raw.chain_hmac !== undefined) return sealHolds(key, raw) ? 'verified' : 'tampered';
  if (start === undefined) return 'unchained';
  return start.genesis && id < start.id && timeOf(raw) < start.time ? 'unchained' : 'tampered';
}

/** What one checked read found. */
export interface CheckedRows {
  rows: SecurityLogRow[];
  /** Ids of the rows whose MAC did not verify (left out unless included). */
  tampered: number[];
  /** The last row read from the database (kept or not): where the next page starts. */
  last: (ChainRow & { cursor_time?: string }) | undefined;
}

/**
 * Read up to `limit` rows that pass the check (all rows, marked, when `include`), fetching
 * further pages after the last row read while rows were left out. `fetch(after, n)` reads
 * at most `n` rows after `after` (from the start when undefined), in the query's order.
 */
export async function readChecked<R extends ChainRow & { cursor_time?: string }>(
  key: Buffer,
  start: ChainStart | undefined,
  limit: number,
  include: boolean,
  fetch: (after: R | undefined, n: number) => Promise<R[]>,
): Promise<CheckedRows> {
  const rows: SecurityLogRow[] = [];
  const tampered: number[] = [];
  let last: R | undefined;
  for (;;) {
    const wanted = limit - rows.length;
    const page = await fetch(last, wanted);
    for (const raw of page) {
      const integrity = integrityOf(key, raw, start);
      if (integrity === 'tampered') {
        tampered.push(Number(raw.id));
        if (!include) continue;
      }
      rows.push({ ...toRowObject(raw), integrity });
    }
    if (page.length > 0) last = page.at(-1);
    if (page.length < wanted || rows.length >= limit) return { rows, tampered, last };
  }
}
