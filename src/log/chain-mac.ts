/**
 * The MAC of one SecurityLog row (over its fields, its id and the previous row's MAC), and the
 * check of one stored row against it: what the chain walk (store-chain.ts) and the per-row
 * check of the read queries (row-integrity.ts) share.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RawRow } from './row.ts';
import type { InsertRow } from './store-schema.ts';

export type BadRow = { id: number; reason: 'altered' | 'deleted' };

/** A row as the chain walk reads it: `sub_ms` when its timestamp has a part below the millisecond. */
export type ChainRow = RawRow & { sub_ms?: boolean };

/** The link of the chain's first row. */
export const GENESIS = '0'.repeat(64);

/** The HMAC of a row: over every stored field, including the id (so deletions show), and the previous MAC. */
export function mac(key: Buffer, prev: string, r: InsertRow): Buffer {
  return createHmac('sha256', key)
    .update(`${prev}\n${JSON.stringify([r.id, r.event, r.userId, r.ip, r.userAgent, r.path, r.detail, new Date(r.time).toISOString()])}`)
    .digest();
}

/** A stored timestamp in milliseconds since the epoch. */
export function timeOf(raw: RawRow): number {
  return (raw.timestamp instanceof Date ? raw.timestamp : new Date(raw.timestamp)).getTime();
}

/** The chain input of a stored row (the same fields a batch was sealed with). */
export function chainRowOf(raw: RawRow, prev: string): InsertRow {
  return {
    id: Number(raw.id),
    event: raw.event,
    userId: raw.user_id,
    ip: raw.ip_address,
    userAgent: raw.user_agent,
    path: raw.path,
    detail: raw.detail,
    time: timeOf(raw),
    chainPrev: prev,
    chainHmac: null,
  };
}

/** Why a stored chained row does not check out after `expected` (undefined: it does). */
export function badReason(key: Buffer, raw: ChainRow, expected: string): BadRow['reason'] | undefined {
  const prev = raw.chain_prev ?? '';
  if (prev !== expected) return 'deleted';
  // Rows are written at millisecond precision, the precision the MAC covers: a part below
  // the millisecond is an edit the MAC alone would not show.
  if (raw.sub_ms === true) return 'altered';
  const stored = Buffer.from(raw.chain_hmac ?? '', 'hex');
  const computed = mac(key, prev, chainRowOf(raw, prev));
  return stored.length === computed.length && timingSafeEqual(stored, computed) ? undefined : 'altered';
}

/**
 * True when a stored row's MAC covers its fields and the link it stores (one HMAC, no walk):
 * what each row a query returns is checked with. Deleted rows are verify()'s to find.
 */
export function sealHolds(key: Buffer, raw: ChainRow): boolean {
  const prev = raw.chain_prev;
  if (typeof prev !== 'string' || typeof raw.chain_hmac !== 'string') return false;
  return badReason(key, raw, prev) === undefined;
}
