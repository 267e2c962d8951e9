/**
 * The SecurityLog table's DDL: the table, its indexes, time partitions (created ahead, dropped
 * by cleanup) and the UNLOGGED fallback. Every DDL runs under one advisory lock per table, so
 * several processes can start at once.
 */
import type { Database, Queryable } from '../stores/database.ts';
import type { PendingRow } from './fields.ts';

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

/** A row as a batch writes it (every column); the id is reserved from the table's sequence first. Chain columns absent: NULL. */
export interface InsertRow extends PendingRow {
  chainPrev?: string | null;
  chainHmac?: string | null;
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

const COLUMNS = `
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

/** The table of one SecurityLog: its name, DDL state and partitions. */
export class LogTable {
  readonly db: Database;
  readonly settings: StoreSettings;
  /** The quoted table name. */
  readonly q: string;
  /** True once the table is known to be partitioned. */
  partitioned = false;
  /** True when UNLOGGED was asked for but the database refused it (regular table used). */
  unloggedFallback = false;
  private ready: Promise<void> | undefined;
  private readonly knownPeriods = new Set<string>();
  /** Bounds (ms) of a period known to exist, the one batches nearly always write to. */
  private lastPeriod: { from: number; to: number } | undefined;

  constructor(db: Database, settings: StoreSettings) {
    this.db = db;
    this.settings = settings;
    this.q = `"${settings.table}"`;
  }

  /** A quoted name derived from the table's (`<table>_<suffix>`). */
  ident(suffix: string): string {
    return `"${this.settings.table}_${suffix}"`;
  }

  /** Take the transaction-scoped advisory lock `what` of this table (schema changes, chain appends). */
  async lock(tx: Queryable, what: 'schema' | 'chain'): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`rampart:${this.settings.table}:${what}`]);
  }

  /** Create the table, indexes and partitions once (idempotent; serialised across processes). `wrap` turns a failure into the log's error. */
  ensure(wrap: (err: unknown) => Error): Promise<void> {
    this.ready ??= this.create().catch((err: unknown) => {
      this.ready = undefined;
      throw wrap(err);
    });
    return this.ready;
  }

  /** UNLOGGED when asked for, and always in an in-memory database (its WAL would protect nothing). */
  private get unlogged(): boolean {
    return this.settings.unlogged || this.db.ephemeral === true;
  }

  private async create(): Promise<void> {
    const { partition } = this.settings;
    const unlogged = this.unlogged;
    await this.db.transaction(async (tx) => {
      await this.lock(tx, 'schema');
      const existing = await tx.query<{ relkind: string }>('select relkind from pg_class where oid = to_regclass($1)', [this.q]);
      if (existing.length === 0) {
        if (partition === false) {
          await this.createMaybeUnlogged(tx, (kind) => `create ${kind} table ${this.q} (${COLUMNS}, primary key (id))`, unlogged);
        } else {
          // Partitioned parents cannot be UNLOGGED; their partitions can. No primary key: on a
          // partitioned table it would have to be (id, timestamp), which enforces nothing the
          // sequence does not already guarantee, and it costs a third of the write throughput.
          await tx.query(`create table ${this.q} (${COLUMNS}) partition by range ("timestamp")`);
        }
      } else {
        // A table from an older layout (e.g. the seed's): add the chain columns if missing.
        await tx.query(`alter table ${this.q} add column if not exists chain_prev char(64)`);
        await tx.query(`alter table ${this.q} add column if not exists chain_hmac char(64)`);
      }
      const kind = existing[0]?.relkind ?? (partition === false ? 'r' : 'p');
      this.partitioned = kind === 'p';
      // Ascending by time: new rows, the newest, land on each index's rightmost leaf, which
      // PostgreSQL appends to without a descent and splits 90/10; descending they went to the
      // leftmost one, split in halves (about 0.85 µs of PGlite's time per event for the four).
      // Queries newest-first scan them backwards. No BRIN: the time b-tree serves every range
      // the log reads (its test compares the plans), and a BRIN costs an update per row.
      // Tables from older versions keep their indexes (same names, both directions serve).
      await tx.query(`create index if not exists ${this.ident('event_ts_idx')} on ${this.q} (event, "timestamp")`);
      // Partial: most events have no user (and some no ip); leaving those rows out costs
      // nothing to a lookup (`= $1` implies not null) and saves an index insert per event.
      await tx.query(`create index if not exists ${this.ident('user_ts_idx')} on ${this.q} (user_id, "timestamp") where user_id is not null`);
      await tx.query(`create index if not exists ${this.ident('ip_ts_idx')} on ${this.q} (ip_address, "timestamp") where ip_address is not null`);
      await tx.query(`create index if not exists ${this.ident('ts_idx')} on ${this.q} ("timestamp", id)`);
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
      if (this.settings.unlogged) this.unloggedFallback = true;
    }
  }

  /** Make sure the partitions holding `times` (and the ones ahead of now) exist. */
  async ensurePeriods(times: readonly number[]): Promise<void> {
    const mode = this.settings.partition;
    if (!this.partitioned || mode === false) return;
    const wanted = new Map<string, Period>();
    // A batch's times nearly always fall in the period checked last: skip them without a Date.
    const seen = this.lastPeriod;
    for (const t of times) {
      if (seen !== undefined && t >= seen.from && t < seen.to) continue;
      const p = periodOf(mode, t);
      if (!this.knownPeriods.has(p.key)) wanted.set(p.key, p);
      else this.lastPeriod = { from: p.from.getTime(), to: p.to.getTime() };
    }
    if (wanted.size === 0) return;
    const now = Date.now();
    for (let i = 0; i <= this.settings.partitionsAhead; i++) {
      const p = periodOf(mode, now, i);
      if (!this.knownPeriods.has(p.key)) wanted.set(p.key, p);
    }
    await this.db.transaction(async (tx) => {
      await this.lock(tx, 'schema');
      for (const p of wanted.values()) {
        const exists = await tx.query('select 1 from pg_class where oid = to_regclass($1)', [this.ident(`p${p.key}`)]);
        if (exists.length === 0) {
          const bounds = `for values from ('${p.from.toISOString()}') to ('${p.to.toISOString()}')`;
          await tx.query('savepoint rampart_partition');
          try {
            await this.createMaybeUnlogged(tx, (k) => `create ${k} table ${this.ident(`p${p.key}`)} partition of ${this.q} ${bounds}`, this.unlogged);
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

  /** Drop the partitions that end before `cutoff`; returns their names. */
  async dropPartitionsBefore(cutoff: Date): Promise<string[]> {
    if (!this.partitioned) return [];
    const dropped: string[] = [];
    const parts = await this.db.query<{ name: string }>(
      'select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass($1)',
      [this.q],
    );
    const prefix = `${this.settings.table}_p`;
    for (const { name } of parts) {
      if (!name.startsWith(prefix)) continue;
      const period = periodFromKey(name.slice(prefix.length));
      if (period === undefined || period.to.getTime() > cutoff.getTime()) continue;
      await this.db.transaction(async (tx) => {
        await this.lock(tx, 'schema');
        await tx.query(`drop table if exists "${name}"`);
      });
      this.knownPeriods.delete(name.slice(prefix.length));
      this.lastPeriod = undefined;
      dropped.push(name);
    }
    return dropped;
  }
}
