import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../errors.ts';
import type { Driver, InsertRow, Queryable } from './driver.ts';
import type { PendingRow } from './fields.ts';

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

/** How the table is partitioned by time. */
export type PartitionMode = 'month' | 'day' | false;

/** The table-level settings a Store works with. */
export interface StoreSettings {
  table: string;
  partition: PartitionMode;
  /** Partitions created ahead of the current one. */
  partitionsAhead: number;
  unlogged: boolean;
  /** HMAC key for the tamper-evident chain, or undefined when the chain is off. */
  chainKey: Buffer | undefined;
}

/** The result of `verify()`. */
export interface VerifyReport {
  /** True when every chained row checks out. */
  ok: boolean;
  /** Chained rows checked. */
  checked: number;
  /** Rows without chain columns (written while the chain was off), skipped. */
  unchained: number;
  /** The first bad row: `altered` (its content or MAC changed) or `deleted` (a row before it is missing). */
  firstBad?: { id: number; reason: 'altered' | 'deleted' };
  /** The last chained row: keep `{ id, hmac }` elsewhere to detect deletion of the newest rows. */
  last?: { id: number; hmac: string };
}

const GENESIS = '0'.repeat(64);
const SELECT_COLUMNS = 'id, event, user_id, ip_address, user_agent, path, detail, "timestamp"';

interface RawRow {
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

function toRowObject(r: RawRow): SecurityLogRow {
  return {
    id: Number(r.id),
    event: r.event,
    userId: r.user_id,
    ipAddress: r.ip_address,
    userAgent: r.user_agent,
    path: r.path,
    detail: r.detail,
    timestamp: r.timestamp instanceof Date ? r.timestamp : new Date(r.timestamp),
  };
}

function dbError(what: string, err: unknown): RampartError {
  if (err instanceof RampartError) return err;
  return new RampartError('ERR_RAMPART_LOG_DATABASE', `SecurityLog: ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** A time period (partition) key and its bounds. */
interface Period {
  key: string;
  from: Date;
  to: Date;
}

function periodOf(mode: 'month' | 'day', time: number, offset = 0): Period {
  const d = new Date(time);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (mode === 'month') {
    const from = new Date(Date.UTC(y, m + offset, 1));
    const to = new Date(Date.UTC(y, m + offset + 1, 1));
    const key = `${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
    return { key, from, to };
  }
  const from = new Date(Date.UTC(y, m, d.getUTCDate() + offset));
  const to = new Date(Date.UTC(y, m, d.getUTCDate() + offset + 1));
  const key = `${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}${String(from.getUTCDate()).padStart(2, '0')}`;
  return { key, from, to };
}

function periodFromKey(key: string): Period | undefined {
  if (/^\d{6}$/.test(key)) return periodOf('month', Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, 1));
  if (/^\d{8}$/.test(key)) return periodOf('day', Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8))));
  return undefined;
}

/** Canonical bytes an HMAC covers: every stored field, including the id (so deletions show). */
function chainPayload(prev: string, r: InsertRow): string {
  return `${prev}\n${JSON.stringify([r.id, r.event, r.userId, r.ip, r.userAgent, r.path, r.detail, r.timestamp])}`;
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

/** The chain input of a stored row (the same fields verify() checks). */
function chainRowOf(raw: RawRow, prev: string): InsertRow {
  return {
    id: Number(raw.id),
    event: raw.event,
    userId: raw.user_id,
    ip: raw.ip_address,
    userAgent: raw.user_agent,
    path: raw.path,
    detail: raw.detail,
    timestamp: (raw.timestamp instanceof Date ? raw.timestamp : new Date(raw.timestamp)).toISOString(),
    chainPrev: prev,
    chainHmac: null,
  };
}

/** Table-level operations of the SecurityLog over one driver. */
export class Store {
  readonly driver: Driver;
  readonly settings: StoreSettings;
  private readonly q: string; // quoted table name
  private partitioned = false;
  private ready: Promise<void> | undefined;
  private readonly knownPeriods = new Set<string>();
  /** True when UNLOGGED was asked for but the database refused it (regular table used). */
  unloggedFallback = false;

  constructor(driver: Driver, settings: StoreSettings) {
    this.driver = driver;
    this.settings = settings;
    this.q = `"${settings.table}"`;
  }

  private ident(suffix: string): string {
    return `"${this.settings.table}_${suffix}"`;
  }

  /** Create the table, indexes and partitions once (idempotent; serialised across processes). */
  ensureTable(): Promise<void> {
    this.ready ??= this.createSchema().catch((err: unknown) => {
      this.ready = undefined;
      throw dbError('ensureTable', err);
    });
    return this.ready;
  }

  private async lock(tx: Queryable, what: string): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`rampart:${this.settings.table}:${what}`]);
  }

  private async createSchema(): Promise<void> {
    const { partition, unlogged } = this.settings;
    await this.driver.transaction(async (tx) => {
      await this.lock(tx, 'schema');
      const existing = await tx.query<{ relkind: string }>('select relkind from pg_class where oid = to_regclass($1)', [this.q]);
      if (existing.length === 0) {
        const columns = `
          id bigserial not null,
          event varchar(50) not null,
          user_id varchar(255),
          ip_address varchar(45),
          user_agent varchar(500),
          path varchar(2000),
          detail text,
          "timestamp" timestamptz not null default now(),
          chain_prev char(64),
          chain_hmac char(64)`;
        if (partition === false) {
          const create = (kind: string): string => `create ${kind} table ${this.q} (${columns}, primary key (id))`;
          await this.createMaybeUnlogged(tx, create, unlogged);
        } else {
          // Partitioned parents cannot be UNLOGGED; their partitions can. No primary key: on a
          // partitioned table it would have to be (id, timestamp), which enforces nothing the
          // sequence does not already guarantee, and it costs a third of the write throughput.
          await tx.query(`create table ${this.q} (${columns}) partition by range ("timestamp")`);
        }
      } else {
        // A table from an older layout (e.g. the seed's): add the chain columns if missing.
        await tx.query(`alter table ${this.q} add column if not exists chain_prev char(64)`);
        await tx.query(`alter table ${this.q} add column if not exists chain_hmac char(64)`);
      }
      const kind = existing[0]?.relkind ?? (partition === false ? 'r' : 'p');
      this.partitioned = kind === 'p';
      await tx.query(`create index if not exists ${this.ident('event_ts_idx')} on ${this.q} (event, "timestamp" desc)`);
      await tx.query(`create index if not exists ${this.ident('user_ts_idx')} on ${this.q} (user_id, "timestamp" desc)`);
      await tx.query(`create index if not exists ${this.ident('ip_ts_idx')} on ${this.q} (ip_address, "timestamp" desc)`);
      await tx.query(`create index if not exists ${this.ident('ts_idx')} on ${this.q} ("timestamp" desc, id desc)`);
      await tx.query(`create index if not exists ${this.ident('ts_brin')} on ${this.q} using brin ("timestamp")`);
      // The chain walks rows in id order (and each chained batch reads the last MAC).
      if (this.settings.chainKey !== undefined) await tx.query(`create index if not exists ${this.ident('id_idx')} on ${this.q} (id)`);
      if (this.partitioned) {
        await this.createMaybeUnlogged(tx, (k) => `create ${k} table if not exists ${this.ident('pdefault')} partition of ${this.q} default`, unlogged);
      }
    });
    if (this.partitioned) await this.ensurePeriods([Date.now()]);
  }

  private async createMaybeUnlogged(tx: Queryable, ddl: (kind: string) => string, unlogged: boolean): Promise<void> {
    if (!unlogged) {
      await tx.query(ddl(''));
      return;
    }
    await tx.query('savepoint rampart_unlogged');
    try {
      await tx.query(ddl('unlogged'));
      await tx.query('release savepoint rampart_unlogged');
    } catch {
      // The seed's fallback: a regular table when UNLOGGED is not supported.
      await tx.query('rollback to savepoint rampart_unlogged');
      await tx.query(ddl(''));
      this.unloggedFallback = true;
    }
  }

  /** Make sure the partitions holding `times` (and the ones ahead of now) exist. */
  private async ensurePeriods(times: readonly number[]): Promise<void> {
    const mode = this.settings.partition;
    if (!this.partitioned || mode === false) return;
    const wanted = new Map<string, Period>();
    for (const t of times) {
      const p = periodOf(mode, t);
      if (!this.knownPeriods.has(p.key)) wanted.set(p.key, p);
    }
    if (wanted.size === 0) return;
    const now = Date.now();
    for (let i = 0; i <= this.settings.partitionsAhead; i++) {
      const p = periodOf(mode, now, i);
      if (!this.knownPeriods.has(p.key)) wanted.set(p.key, p);
    }
    await this.driver.transaction(async (tx) => {
      await this.lock(tx, 'schema');
      for (const p of wanted.values()) {
        const exists = await tx.query('select 1 from pg_class where oid = to_regclass($1)', [this.ident(`p${p.key}`)]);
        if (exists.length === 0) {
          const bounds = `for values from ('${p.from.toISOString()}') to ('${p.to.toISOString()}')`;
          await tx.query('savepoint rampart_partition');
          try {
            await this.createMaybeUnlogged(tx, (k) => `create ${k} table ${this.ident(`p${p.key}`)} partition of ${this.q} ${bounds}`, this.settings.unlogged);
            await tx.query('release savepoint rampart_partition');
          } catch {
            // Rows of this period already sit in the default partition (another layout or a
            // race): keep writing there rather than fail; cleanup still deletes them by time.
            await tx.query('rollback to savepoint rampart_partition');
          }
        }
      }
    });
    for (const k of wanted.keys()) this.knownPeriods.add(k);
  }

  /** Write one batch in one multi-row INSERT; chained when configured. */
  async writeBatch(batch: readonly PendingRow[]): Promise<void> {
    if (batch.length === 0) return;
    await this.ensureTable();
    const rows = await this.notYetStored(batch);
    if (rows.length === 0) return;
    await this.ensurePeriods(rows.map((r) => r.time));
    const key = this.settings.chainKey;
    const insert: InsertRow[] = rows.map((r) => ({
      event: r.event,
      userId: r.userId,
      ip: r.ip,
      userAgent: r.userAgent,
      path: r.path,
      detail: r.detail,
      timestamp: new Date(r.time).toISOString(),
      chainPrev: null,
      chainHmac: null,
    }));
    if (key === undefined) {
      // Ids are reserved before the INSERT and kept on the pending rows, so a retry after an
      // ambiguous failure (the INSERT committed, the connection died before the reply) can
      // tell which rows are already stored instead of writing them twice.
      await this.reserveIds(this.driver, insert, rows);
      await this.driver.insertRows(this.q, insert);
      return;
    }
    await this.driver.transaction(async (tx) => {
      await this.lock(tx, 'chain');
      const last = await tx.query<{ chain_hmac: string }>(`select chain_hmac from ${this.q} where chain_hmac is not null order by id desc limit 1`);
      let prev = last[0]?.chain_hmac ?? GENESIS;
      await this.reserveIds(tx, insert, rows);
      insert.forEach((r) => {
        r.chainPrev = prev;
        r.chainHmac = createHmac('sha256', key).update(chainPayload(prev, r)).digest('hex');
        prev = r.chainHmac;
      });
      await tx.insertRows(this.q, insert);
    });
  }

  /**
   * Take one id per row from the table's sequence; each goes on the row to insert and on its
   * pending row. nextval alone does not make its transaction flush WAL at commit, so after a
   * server crash the sequence can hand the same ids out again; taking a transaction id makes
   * the commit durable, and with it the reservation.
   */
  private async reserveIds(q: Queryable, insert: InsertRow[], pending: readonly PendingRow[]): Promise<void> {
    const ids = await q.query<{ id: number | string }>(
      `select nextval(pg_get_serial_sequence($1, 'id')) as id from generate_series(1, $2::int), (select pg_current_xact_id()) as durable`,
      [this.q, insert.length],
    );
    insert.forEach((r, i) => {
      r.id = Number(ids[i]!.id);
      pending[i]!.id = r.id;
    });
  }

  /** The rows of a batch not stored yet: rows tried before are looked up by their reserved id. */
  private async notYetStored(rows: readonly PendingRow[]): Promise<readonly PendingRow[]> {
    let min = Infinity;
    let max = -Infinity;
    const tried: number[] = [];
    for (const r of rows) {
      if (r.id === undefined) continue;
      tried.push(r.id);
      if (r.time < min) min = r.time;
      if (r.time > max) max = r.time;
    }
    if (tried.length === 0) return rows;
    // The time bounds let a partitioned table prune to the partitions the rows went to.
    const found = await this.driver.query<{ id: number | string; ms: number | string }>(
      `select id, (extract(epoch from "timestamp") * 1000)::int8 as ms from ${this.q} where id = any($1::bigint[]) and "timestamp" between $2::timestamptz and $3::timestamptz`,
      [tried, new Date(min).toISOString(), new Date(max).toISOString()],
    );
    if (found.length === 0) return rows;
    // A row counts as stored only when the id holds this row's own timestamp too: a belt to
    // the braces of durable reservations (a server with synchronous_commit off may reuse ids).
    const stored = new Map(found.map((f) => [Number(f.id), Number(f.ms)]));
    return rows.filter((r) => r.id === undefined || stored.get(r.id) !== r.time);
  }

  /** Walk the chain in id order and report the first altered or deleted row. */
  async verify(options: { anchor?: string } = {}): Promise<VerifyReport> {
    const key = this.settings.chainKey;
    if (key === undefined) throw new RampartError('ERR_RAMPART_CONFIG', 'SecurityLog.verify() needs the log to be created with chain: true and a chainKey.');
    await this.ensureTable();
    let expected: string | undefined = options.anchor;
    let lastId = -1;
    let checked = 0;
    let unchained = 0;
    let last: VerifyReport['last'];
    for (;;) {
      const page = await this.run<RawRow>('verify', `select ${SELECT_COLUMNS}, chain_prev, chain_hmac from ${this.q} where id > $1 order by id limit 5000`, [lastId]);
      if (page.length === 0) break;
      for (const raw of page) {
        lastId = Number(raw.id);
        if (raw.chain_hmac === null || raw.chain_hmac === undefined) {
          unchained++;
          continue;
        }
        const prev = raw.chain_prev ?? '';
        // The first chained row anchors the walk (older rows may have been cleaned up).
        expected ??= prev;
        if (prev !== expected) return { ok: false, checked, unchained, firstBad: { id: lastId, reason: 'deleted' }, ...(last ? { last } : {}) };
        const row = chainRowOf(raw, prev);
        const mac = createHmac('sha256', key).update(chainPayload(prev, row)).digest();
        const stored = Buffer.from(raw.chain_hmac, 'hex');
        if (stored.length !== mac.length || !timingSafeEqual(stored, mac)) {
          return { ok: false, checked, unchained, firstBad: { id: lastId, reason: 'altered' }, ...(last ? { last } : {}) };
        }
        checked++;
        expected = raw.chain_hmac;
        last = { id: lastId, hmac: raw.chain_hmac };
      }
    }
    return { ok: true, checked, unchained, ...(last ? { last } : {}) };
  }

  private async run<T>(what: string, text: string, params: readonly unknown[] = []): Promise<T[]> {
    await this.ensureTable();
    try {
      return await this.driver.query<T>(text, params);
    } catch (err) {
      throw dbError(what, err);
    }
  }

  async recent(limit: number): Promise<SecurityLogRow[]> {
    const rows = await this.run<RawRow>('getRecent', `select ${SELECT_COLUMNS} from ${this.q} order by "timestamp" desc, id desc limit $1`, [limit]);
    return rows.map(toRowObject);
  }

  async forColumn(column: 'user_id' | 'ip_address', value: string, limit: number, since: Date | undefined): Promise<SecurityLogRow[]> {
    const params: unknown[] = [value, limit];
    let where = `${column} = $1`;
    if (since !== undefined) {
      where += ' and "timestamp" >= $3';
      params.push(since.toISOString());
    }
    const rows = await this.run<RawRow>('query', `select ${SELECT_COLUMNS} from ${this.q} where ${where} order by "timestamp" desc, id desc limit $2`, params);
    return rows.map(toRowObject);
  }

  async byEvent(event: string, since: Date, limit: number): Promise<SecurityLogRow[]> {
    const rows = await this.run<RawRow>(
      'getByEvent',
      `select ${SELECT_COLUMNS} from ${this.q} where event = $1 and "timestamp" >= $2 order by "timestamp" desc, id desc limit $3`,
      [event, since.toISOString(), limit],
    );
    return rows.map(toRowObject);
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
    const rows = await this.run<{ n: number | string }>('count', `select count(*) as n from ${this.q} where ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  /** Drop whole partitions older than `cutoff`, then delete the remaining older rows. */
  async cleanup(cutoff: Date): Promise<{ droppedPartitions: string[]; deletedRows: number }> {
    await this.ensureTable();
    const dropped: string[] = [];
    try {
      if (this.partitioned) {
        const parts = await this.driver.query<{ name: string }>(
          'select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass($1)',
          [this.q],
        );
        const prefix = `${this.settings.table}_p`;
        for (const { name } of parts) {
          if (!name.startsWith(prefix)) continue;
          const period = periodFromKey(name.slice(prefix.length));
          if (period === undefined || period.to.getTime() > cutoff.getTime()) continue;
          await this.driver.transaction(async (tx) => {
            await this.lock(tx, 'schema');
            await tx.query(`drop table if exists "${name}"`);
          });
          this.knownPeriods.delete(name.slice(prefix.length));
          dropped.push(name);
        }
      }
      const deleted = await this.driver.query<{ n: number | string }>(
        `with d as (delete from ${this.q} where "timestamp" < $1 returning 1) select count(*) as n from d`,
        [cutoff.toISOString()],
      );
      return { droppedPartitions: dropped, deletedRows: Number(deleted[0]?.n ?? 0) };
    } catch (err) {
      throw dbError('cleanup', err);
    }
  }

  /** Replace a user's id by a pseudonym and clear IP and user agent in their rows. */
  async anonymize(userId: string, pseudonym = `anon_${randomBytes(8).toString('hex')}`, reseal = false): Promise<{ pseudonym: string; rows: number; chain?: ResealReport }> {
    const update = `with u as (update ${this.q} set user_id = $2, ip_address = null, user_agent = null where user_id = $1 returning 1) select count(*) as n from u`;
    const key = this.settings.chainKey;
    if (!reseal || key === undefined) {
      const res = await this.run<{ n: number | string }>('anonymizeUser', update, [userId, pseudonym]);
      return { pseudonym, rows: Number(res[0]?.n ?? 0) };
    }
    await this.ensureTable();
    try {
      // Under the chain lock: writers wait, so the rows re-sealed here are the chain's tail.
      return await this.driver.transaction(async (tx) => {
        await this.lock(tx, 'chain');
        const first = await tx.query<{ id: number | string | null }>(`select min(id) as id from ${this.q} where user_id = $1 and chain_hmac is not null`, [userId]);
        const fromId = first[0]?.id === null || first[0]?.id === undefined ? undefined : Number(first[0].id);
        // Never re-seal over tampering: the rows whose MACs are rewritten must verify first.
        const bad = fromId === undefined ? undefined : await this.firstBadFrom(tx, key, fromId);
        const res = await tx.query<{ n: number | string }>(update, [userId, pseudonym]);
        const rows = Number(res[0]?.n ?? 0);
        if (fromId === undefined) return { pseudonym, rows, chain: { resealed: false, reason: 'no chained rows of this user' } };
        if (bad !== undefined) return { pseudonym, rows, chain: { resealed: false, reason: `the chain was already broken at row ${bad.id} (${bad.reason}); not re-sealed` } };
        return { pseudonym, rows, chain: await this.resealFrom(tx, key, fromId) };
      });
    } catch (err) {
      throw dbError('anonymizeUser', err);
    }
  }

  /** The first altered or unlinked chained row with id ≥ fromId, or undefined. */
  private async firstBadFrom(tx: Queryable, key: Buffer, fromId: number): Promise<{ id: number; reason: 'altered' | 'deleted' } | undefined> {
    let expected: string | undefined;
    let lastId = fromId - 1;
    for (;;) {
      const page = await tx.query<RawRow>(`select ${SELECT_COLUMNS}, chain_prev, chain_hmac from ${this.q} where id > $1 and chain_hmac is not null order by id limit 5000`, [lastId]);
      if (page.length === 0) return undefined;
      for (const raw of page) {
        lastId = Number(raw.id);
        const prev = raw.chain_prev ?? '';
        expected ??= prev;
        if (prev !== expected) return { id: lastId, reason: 'deleted' };
        const mac = createHmac('sha256', key).update(chainPayload(prev, chainRowOf(raw, prev))).digest();
        const stored = Buffer.from(raw.chain_hmac ?? '', 'hex');
        if (stored.length !== mac.length || !timingSafeEqual(stored, mac)) return { id: lastId, reason: 'altered' };
        expected = raw.chain_hmac!;
      }
    }
  }

  /** Recompute chain_prev/chain_hmac of every chained row with id ≥ fromId (inside the caller's chain lock). */
  private async resealFrom(tx: Queryable, key: Buffer, fromId: number): Promise<ResealReport> {
    const oldLast = await tx.query<{ id: number | string; chain_hmac: string }>(`select id, chain_hmac from ${this.q} where chain_hmac is not null order by id desc limit 1`);
    let prev: string | undefined;
    let lastId = fromId - 1;
    let count = 0;
    let last: { id: number; hmac: string } | undefined;
    for (;;) {
      const page = await tx.query<RawRow>(`select ${SELECT_COLUMNS}, chain_prev, chain_hmac from ${this.q} where id > $1 and chain_hmac is not null order by id limit 5000`, [lastId]);
      if (page.length === 0) break;
      const ids: number[] = [];
      const prevs: string[] = [];
      const macs: string[] = [];
      for (const raw of page) {
        lastId = Number(raw.id);
        // The first re-sealed row keeps its link to the untouched row before it.
        prev ??= raw.chain_prev ?? GENESIS;
        const mac = createHmac('sha256', key).update(chainPayload(prev, chainRowOf(raw, prev))).digest('hex');
        ids.push(lastId);
        prevs.push(prev);
        macs.push(mac);
        prev = mac;
        last = { id: lastId, hmac: mac };
      }
      await tx.query(
        `update ${this.q} t set chain_prev = u.p, chain_hmac = u.h from unnest($1::int8[], $2::text[], $3::text[]) as u(id, p, h) where t.id = u.id`,
        [ids, prevs, macs],
      );
      count += page.length;
    }
    const previous = oldLast[0] === undefined ? undefined : { id: Number(oldLast[0].id), hmac: oldLast[0].chain_hmac };
    return { resealed: true, fromId, rows: count, ...(previous ? { previousLast: previous } : {}), ...(last ? { last } : {}) };
  }

  /** How many rows a user has, per event, with the first and last time of each. */
  async userSummary(userId: string): Promise<Array<{ event: string; count: number; first: Date; last: Date }>> {
    const rows = await this.run<{ event: string; n: number | string; first: Date | string; last: Date | string }>(
      'userSummary',
      `select event, count(*) as n, min("timestamp") as first, max("timestamp") as last from ${this.q} where user_id = $1 group by event order by event`,
      [userId],
    );
    const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
    return rows.map((r) => ({ event: r.event, count: Number(r.n), first: date(r.first), last: date(r.last) }));
  }

  /** Rows after `(time, id)` in ascending order (keyset pagination for export). */
  async page(after: { time: string; id: number }, limit: number): Promise<SecurityLogRow[]> {
    const rows = await this.run<RawRow>(
      'export',
      `select ${SELECT_COLUMNS} from ${this.q} where ("timestamp", id) > ($1::timestamptz, $2::bigint) order by "timestamp", id limit $3`,
      [after.time, after.id, limit],
    );
    return rows.map(toRowObject);
  }
}
