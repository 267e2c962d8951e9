/**
 * The tamper-evident chain: each row's HMAC covers its fields and the previous row's HMAC.
 * Sealing a batch, verifying the chain, and GDPR anonymisation (which re-seals the rows it
 * rewrote when asked, under the chain lock).
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../stores/database.ts';
import { SELECT_COLUMNS, type RawRow } from './store-query.ts';
import { type BadRow, badReason, type ChainRow, chainRowOf, GENESIS, mac, timeOf } from './chain-mac.ts';
import type { InsertRow, LogTable } from './store-schema.ts';
import type { ChainFailureReason, ChainAnchor } from './chain-anchor.ts';
import { accountDigestsIn, textEraser, type TextEraser } from './erase-text.ts';

export type { ChainFailureReason, ChainAnchor } from './chain-anchor.ts';

/** The result of `verify()`. */
export interface VerifyReport {
  /** True when every chained row checks out. */
  ok: boolean;
  /** Chained rows checked. */
  checked: number;
  /** Rows without a MAC older than the whole chain (written before `chain: true`), not checked. */
  unchained: number;
  /**
   * The first bad row: `altered` (its content or MAC changed), `deleted` (a row before it, or the
   * anchor row, is missing), `unchained` (a row without MAC inside or after the chain) or
   * `truncated` (the log ends before the anchor row: the newest rows were deleted).
   */
  firstBad?: { id: number; reason: ChainFailureReason };
  /** The last chained row: keep `{ id, hmac }` elsewhere to detect deletion of the newest rows. */
  last?: { id: number; hmac: string };
}

/** How `anonymizeUser(…, { reseal: true })` left the tamper-evident chain. */
export interface ResealReport {
  /** True when the rows from `fromId` on were re-sealed with fresh MACs (the chain verifies again). */
  resealed: boolean;
  /** Why nothing was re-sealed. */
  reason?: string;
  /** The first re-sealed row (the user's oldest chained row). */
  fromId?: number;
  /** Rows whose chain columns were rewritten. */
  rows?: number;
  /** The newest row before re-sealing: an anchor kept outside the database with this MAC must be replaced by `last`. */
  previousLast?: { id: number; hmac: string };
  /** The newest row after re-sealing: the new anchor. */
  last?: { id: number; hmac: string };
}

const PAGE = 5000;

/** The newest chained row. */
async function lastSealed(t: LogTable, q: Queryable): Promise<{ id: number; hmac: string } | undefined> {
  const rows = await q.query<{ id: number | string; chain_hmac: string }>(
    `select id, chain_hmac from ${t.q} where chain_hmac is not null order by id desc limit 1`,
  );
  return rows[0] === undefined ? undefined : { id: Number(rows[0].id), hmac: rows[0].chain_hmac };
}

/**
 * Pages of rows with id > `after` (every row when undefined: ids the sequence never hands out,
 * 0 and below, included), chained ones only when `chainedOnly`, in id order. The cursor is the
 * id as the driver returned it, so an id beyond 2^53 cannot make a page repeat or skip rows.
 */
async function* pagesFrom(t: LogTable, q: Queryable, after: number | undefined, chainedOnly: boolean): AsyncGenerator<ChainRow[]> {
  let cursor = after === undefined ? undefined : String(after);
  const chained = chainedOnly ? ' and chain_hmac is not null' : '';
  const columns = `${SELECT_COLUMNS}, chain_prev, chain_hmac, "timestamp" <> date_trunc('milliseconds', "timestamp") as sub_ms`;
  for (;;) {
    const byId = cursor === undefined ? `where true${chained}` : `where id > $1::int8${chained}`;
    const page = await q.query<ChainRow>(`select ${columns} from ${t.q} ${byId} order by id limit ${PAGE}`, cursor === undefined ? [] : [cursor]);
    if (page.length === 0) return;
    yield page;
    cursor = String(page.at(-1)!.id);
  }
}

/** Seal a batch whose ids are reserved: link each row to the previous MAC (inside the caller's chain lock). */
export async function sealBatch(t: LogTable, tx: Queryable, key: Buffer, rows: InsertRow[]): Promise<void> {
  let prev = (await lastSealed(t, tx))?.hmac ?? GENESIS;
  for (const r of rows) {
    r.chainPrev = prev;
    r.chainHmac = mac(key, prev, r).toString('hex');
    prev = r.chainHmac;
  }
}

/**
 * Walk every row in id order and report the first bad one. Rows without a MAC are accepted
 * only before a chain that starts at the genesis value (rows written before `chain: true`);
 * anywhere else they are `unchained` (a row inserted, or a MAC cleared to hide an edit).
 * `anchor`: a row kept outside the database that must still be in the chain, unchanged.
 */
export async function verifyChain(t: LogTable, key: Buffer, anchor: ChainAnchor | undefined): Promise<VerifyReport> {
  let expected: string | undefined;
  let checked = 0;
  let unchained = 0;
  let firstUnchained: number | undefined;
  // The newest row without MAC before the chain: it must be older than the chain's first row.
  let newestUnchained: { id: number; time: number } | undefined;
  let last: VerifyReport['last'];
  let anchorSeen = anchor === undefined;
  const bad = (id: number, reason: ChainFailureReason): VerifyReport => ({
    ok: false,
    checked,
    unchained,
    firstBad: { id, reason },
    ...(last ? { last } : {}),
  });
  for await (const page of pagesFrom(t, t.db, undefined, false)) {
    for (const raw of page) {
      const id = Number(raw.id);
      const sealed = raw.chain_hmac !== null && raw.chain_hmac !== undefined;
      // The sequence starts at 1: a row at 0 or below was inserted by hand (a copied MAC
      // cannot fit, it covers the id).
      if (id <= 0) return bad(id, sealed ? 'altered' : 'unchained');
      // The anchor row is gone while newer rows exist.
      if (!anchorSeen && id > anchor!.id) return bad(anchor!.id, 'deleted');
      if (!sealed) {
        if (last !== undefined || (anchor !== undefined && id >= anchor.id)) return bad(id, 'unchained');
        unchained++;
        firstUnchained ??= id;
        const time = timeOf(raw);
        if (newestUnchained === undefined || time >= newestUnchained.time) newestUnchained = { id, time };
        continue;
      }
      if (expected === undefined) {
        // The first chained row anchors the walk (older rows may have been cleaned up), but
        // rows without a MAC before it are legitimate only when the chain starts right here
        // and they are older than it (written before `chain: true`).
        expected = raw.chain_prev ?? '';
        if (firstUnchained !== undefined && expected !== GENESIS) return bad(firstUnchained, 'unchained');
        if (newestUnchained !== undefined && newestUnchained.time >= timeOf(raw)) return bad(newestUnchained.id, 'unchained');
      }
      const reason = badReason(key, raw, expected);
      if (reason !== undefined) return bad(id, reason);
      if (anchor !== undefined && id === anchor.id) {
        if (raw.chain_hmac !== anchor.hmac) return bad(id, 'altered');
        anchorSeen = true;
      }
      checked++;
      expected = raw.chain_hmac!;
      last = { id, hmac: raw.chain_hmac! };
    }
  }
  // The log ends before the anchor: its newest rows were deleted.
  if (!anchorSeen) return bad(anchor!.id, 'truncated');
  return { ok: true, checked, unchained, ...(last ? { last } : {}) };
}

/** The first altered or unlinked chained row with id ≥ fromId, or undefined. */
async function firstBadFrom(t: LogTable, tx: Queryable, key: Buffer, fromId: number): Promise<BadRow | undefined> {
  let expected: string | undefined;
  for await (const page of pagesFrom(t, tx, fromId - 1, true)) {
    for (const raw of page) {
      expected ??= raw.chain_prev ?? '';
      const reason = badReason(key, raw, expected);
      if (reason !== undefined) return { id: Number(raw.id), reason };
      expected = raw.chain_hmac!;
    }
  }
  return undefined;
}

/** Recompute chain_prev/chain_hmac of every chained row with id ≥ fromId (inside the caller's chain lock). */
async function resealFrom(t: LogTable, tx: Queryable, key: Buffer, fromId: number): Promise<ResealReport> {
  const previous = await lastSealed(t, tx);
  let prev: string | undefined;
  let count = 0;
  let last: { id: number; hmac: string } | undefined;
  for await (const page of pagesFrom(t, tx, fromId - 1, true)) {
    const ids: number[] = [];
    const prevs: string[] = [];
    const macs: string[] = [];
    for (const raw of page) {
      const id = Number(raw.id);
      // The first re-sealed row keeps its link to the untouched row before it.
      prev ??= raw.chain_prev ?? GENESIS;
      const hmac = mac(key, prev, chainRowOf(raw, prev)).toString('hex');
      ids.push(id);
      prevs.push(prev);
      macs.push(hmac);
      prev = hmac;
      last = { id, hmac };
    }
    await tx.query(`update ${t.q} t set chain_prev = u.p, chain_hmac = u.h from unnest($1::int8[], $2::text[], $3::text[]) as u(id, p, h) where t.id = u.id`, [
      ids,
      prevs,
      macs,
    ]);
    count += page.length;
  }
  return { resealed: true, fromId, rows: count, ...(previous ? { previousLast: previous } : {}), ...(last ? { last } : {}) };
}

/**
 * Which rows are the person's own ($1: the user id, an index lookup; $3: the identifiers in
 * lower case, a row logged under one of them as its whole user id).
 */
const OWN = '(user_id = $1 or lower(user_id) = any($3::text[]))';

/**
 * The rows an erasure looks at: the person's own and, when there are patterns ($2: an
 * identifier, also percent-encoded, or an account digest), every row whose text matches one
 * (a scan of the table). Without patterns, only the user's rows (an index lookup).
 */
function erasureFilter(eraser: TextEraser): string {
  return eraser.sqlPatterns.length === 0
    ? '(user_id = $1 and $2::text[] is not null and $3::text[] is not null)'
    : `(${OWN} or detail ~* any($2::text[]) or path ~* any($2::text[]) or user_agent ~* any($2::text[]))`;
}

const erasureParams = (userId: string, eraser: TextEraser): unknown[] => [userId, eraser.sqlPatterns, eraser.userIds];

type ErasureRow = Pick<RawRow, 'id' | 'path' | 'detail' | 'user_agent'> & { mine: boolean | null };

/** The rows of one erasure in id order, in pages; every id, also 0 and below (rows inserted by hand hold personal data too). */
async function* erasurePages(t: LogTable, tx: Queryable, userId: string, eraser: TextEraser): AsyncGenerator<ErasureRow[]> {
  let cursor: string | undefined;
  for (;;) {
    const page = await tx.query<ErasureRow>(
      `select id, ${OWN} as mine, path, detail, user_agent from ${t.q} where ${erasureFilter(eraser)} and ($4::int8 is null or id > $4::int8) order by id limit ${PAGE}`,
      [...erasureParams(userId, eraser), cursor ?? null],
    );
    if (page.length === 0) return;
    yield page;
    cursor = String(page.at(-1)!.id);
  }
}

/** The eraser of one erasure, with the loginGuard digests found in the person's own rows (keyed ones included). */
async function eraserFor(t: LogTable, tx: Queryable, userId: string, identifiers: readonly string[]): Promise<TextEraser> {
  const plain = textEraser(userId, identifiers);
  const own = identifiers.length === 0 ? 'user_id = $1 and $2::text[] is not null' : '(user_id = $1 or lower(user_id) = any($2::text[]))';
  const rows = await tx.query<{ detail: string | null }>(`select detail from ${t.q} where ${own} and detail like '%account=%'`, [userId, plain.userIds]);
  const digests = new Set(rows.flatMap((r) => accountDigestsIn(r.detail)));
  return digests.size === 0 ? plain : textEraser(userId, identifiers, digests);
}

/** Rewrite the rows of one erasure; returns how many changed. */
async function eraseRows(t: LogTable, tx: Queryable, userId: string, pseudonym: string, eraser: TextEraser): Promise<number> {
  let count = 0;
  for await (const page of erasurePages(t, tx, userId, eraser)) {
    const ids: string[] = [];
    const mine: boolean[] = [];
    const details: Array<string | null> = [];
    const paths: Array<string | null> = [];
    const agents: Array<string | null> = [];
    for (const raw of page) {
      const own = raw.mine === true;
      const detail = eraser.erase(raw.detail, own);
      const path = eraser.erase(raw.path, own);
      // The person's own rows lose their user agent whole; other rows lose the identifiers in it.
      const agent = own ? null : eraser.erase(raw.user_agent, false);
      if (!own && detail === raw.detail && path === raw.path && agent === raw.user_agent) continue;
      ids.push(String(raw.id));
      mine.push(own);
      details.push(detail);
      paths.push(path);
      agents.push(agent);
    }
    if (ids.length === 0) continue;
    await tx.query(
      `update ${t.q} t set user_id = case when u.mine then $5 else t.user_id end,
         ip_address = case when u.mine then null else t.ip_address end,
         user_agent = u.a,
         detail = u.d, path = u.p
       from unnest($1::int8[], $2::bool[], $3::text[], $4::text[], $6::text[]) as u(id, mine, d, p, a) where t.id = u.id`,
      [ids, mine, details, paths, pseudonym, agents],
    );
    count += ids.length;
  }
  return count;
}

/**
 * GDPR erasure of one user: their id replaced by a pseudonym, IP and user agent cleared (in
 * their rows and in rows whose whole user id is one of `identifiers`), and in `detail`/`path`
 * loginGuard's account name, the user id and `identifiers` (in any row, also percent-encoded)
 * replaced by `[erased]` (also in other rows' user agent), as are account names carrying the person's digest (see erase-text.ts). With `reseal` (and a chain key), the chain is
 * re-sealed from the oldest rewritten row, under the chain lock.
 */
export async function anonymize(
  t: LogTable,
  userId: string,
  pseudonym = `anon_${randomBytes(8).toString('hex')}`,
  reseal = false,
  identifiers: readonly string[] = [],
): Promise<{ pseudonym: string; rows: number; chain?: ResealReport }> {
  const key = t.settings.chainKey;
  return t.db.transaction(async (tx) => {
    if (!reseal || key === undefined) return { pseudonym, rows: await eraseRows(t, tx, userId, pseudonym, await eraserFor(t, tx, userId, identifiers)) };
    // Under the chain lock: writers wait, so the rows re-sealed here are the chain's tail.
    await t.lock(tx, 'chain');
    const eraser = await eraserFor(t, tx, userId, identifiers);
    const first = await tx.query<{ id: number | string | null }>(
      `select min(id) as id from ${t.q} where chain_hmac is not null and ${erasureFilter(eraser)}`,
      erasureParams(userId, eraser),
    );
    const fromId = first[0]?.id === null || first[0]?.id === undefined ? undefined : Number(first[0].id);
    // Never re-seal over tampering: the rows whose MACs are rewritten must verify first.
    const bad = fromId === undefined ? undefined : await firstBadFrom(t, tx, key, fromId);
    const rows = await eraseRows(t, tx, userId, pseudonym, eraser);
    if (fromId === undefined) return { pseudonym, rows, chain: { resealed: false, reason: 'no chained rows of this user' } };
    if (bad !== undefined)
      return { pseudonym, rows, chain: { resealed: false, reason: `the chain was already broken at row ${bad.id} (${bad.reason}); not re-sealed` } };
    return { pseudonym, rows, chain: await resealFrom(t, tx, key, fromId) };
  });
}
