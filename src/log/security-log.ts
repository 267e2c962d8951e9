import { rampartVersion } from '../core/package-info.ts';
import { RampartError } from '../errors.ts';
import { checkKeys, configError, describeValue, numberOption, boolOption } from '../core/options.ts';
import { requireSecret, type Secret } from '../crypto/secret.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';
import { isRegisteredEvent, isValidEventName } from './events.ts';
import { LIMITS, toRow, warmFields, type LogFields } from './fields.ts';
import { checkDatabase, openDatabase, type Database, type DatabaseOption, type DatabaseTarget } from '../stores/database.ts';
import { WriteQueue, type WriterStats } from './queue.ts';
import type { PartitionMode, ResealReport, SecurityLogRow, Store, VerifyReport } from './store.ts';
import { requestFields } from './request.ts';
import { retentionCutoff, retentionDays } from './retention-days.ts';
import { checkAnchor, type ChainAnchor } from './chain-anchor.ts';
import { checkIdentifiers } from './erase-text.ts';
import { formatRow, type ExportFormat } from './export.ts';
import type { ExportCursor } from './reader.ts';
import type { ReadCheck } from './store-query.ts';

/** Options of {@link SecurityLog}. Every option is optional. */
export interface SecurityLogOptions {
  /**
   * Where events go ({@link DatabaseOption}, the same shape as every rampart database option).
   * Default: embedded PGlite in memory (also `'memory'`), in a worker thread.
   * - a directory path (`'./data/security'`): embedded PGlite on disk, in a worker thread;
   * - `'postgres://…'` / `'postgresql://…'`: a PostgreSQL server (postgres.js, batched INSERTs);
   * - a `postgres` (porsager) client or a `PGlite` instance you own (not closed by close()).
   */
  database?: DatabaseOption;
  /** Table name (`[a-z_][a-z0-9_]*`, ≤ 48 chars). Default `'rampart_security_log'`. */
  table?: string;
  /** Time partitioning: `'month'` (default), `'day'` or `false` (one plain table). */
  partition?: PartitionMode;
  /** Partitions created ahead of the current one. Default 2. */
  partitionsAhead?: number;
  /** UNLOGGED storage (faster, but PostgreSQL empties it after a crash). Default false. */
  unlogged?: boolean;
  /** Tamper-evident HMAC chain over rows. Default false; needs `chainKey`. */
  chain?: boolean;
  /** Secret for the chain HMAC: ≥ 32 bytes (string or Buffer). */
  chainKey?: string | Uint8Array | Secret;
  /** Most events held in memory before new ones are dropped (counted). Default 100 000. */
  maxQueue?: number;
  /** Events per write. Default 5000. */
  batchSize?: number;
  /** Longest wait before a partial batch is written, ms. Default 200. */
  flushIntervalMs?: number;
  /** First retry delay after a database error, ms. Default 100 (doubles up to retryMaxMs). */
  retryMinMs?: number;
  /** Longest retry delay, ms. Default 5000. */
  retryMaxMs?: number;
  /** A batch write that takes longer is abandoned and retried (a connection that hangs), ms. Default 30 000. */
  writeTimeoutMs?: number;
  /** How long close() keeps trying to write what is queued, ms. Default 10 000. */
  closeTimeoutMs?: number;
  /** Longest stored `detail`, characters (longer text is cut and marked). Default 4096. */
  maxDetail?: number;
  /** Pool size for a `postgres://` URL. Default 4. */
  poolSize?: number;
  /** Batches written at the same time: default 2 on a PostgreSQL server (uses both cores of the server), 1 on PGlite and with `chain`. */
  writers?: number;
  /**
   * Scheduled retention: every `every` seconds (default 86 400, first run after
   * min(every, 60) s) the log runs `cleanup({ days })` itself (default 90 days) on an
   * unref'd timer that never keeps the process alive and stops at close(). `true`: the
   * defaults. Default: off (run `cleanup()` from your own scheduler).
   */
  retention?: boolean | RetentionOptions;
}

/** Options of {@link SecurityLogOptions.retention}. */
export interface RetentionOptions {
  /** Events older than this many days are deleted. Default 90 (the seed's value). */
  days?: number;
  /** Seconds between runs. Default 86 400 (daily), at least 1. */
  every?: number;
}

/** The scheduled retention of a log and its last outcome. */
export interface RetentionState {
  readonly days: number;
  readonly every: number;
  /** The last successful run. */
  lastRun?: { at: Date; droppedPartitions: string[]; deletedRows: number };
  /** The last failed run (the next run is still scheduled). */
  lastError?: { at: Date; error: Error };
}

const OPTION_NAMES = [
  'database',
  'table',
  'partition',
  'partitionsAhead',
  'unlogged',
  'chain',
  'chainKey',
  'maxQueue',
  'batchSize',
  'flushIntervalMs',
  'retryMinMs',
  'retryMaxMs',
  'writeTimeoutMs',
  'closeTimeoutMs',
  'maxDetail',
  'poolSize',
  'writers',
  'retention',
] as const;

/** The seed's retention: `cleanup(days = 90)`. */
const DEFAULT_RETENTION_DAYS = 90;

function retentionOf(value: SecurityLogOptions['retention']): RetentionState | undefined {
  if (value === undefined || value === false) return undefined;
  const opts = value === true ? {} : value;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw configError(`SecurityLog: retention must be true, false or { days, every } (got ${describeValue(opts)}).`);
  }
  checkKeys(opts, ['days', 'every'], 'SecurityLog.retention');
  return {
    days: retentionDays(opts.days ?? DEFAULT_RETENTION_DAYS, 'SecurityLog: retention.days', true),
    every: numberOption(opts.every ?? 86_400, 'SecurityLog: retention.every (seconds)', 1, 365 * 86_400, false),
  };
}

/** Options of the query methods. */
export interface QueryOptions {
  /** Most rows returned (1–10 000). Default 100. */
  limit?: number;
  /** Only rows newer than this many hours. */
  sinceHours?: number;
  /**
   * With `chain: true`, rows whose MAC does not verify (inserted or edited through SQL without
   * the key) are left out; true returns them too, marked `integrity: 'tampered'`. Default false.
   */
  includeTampered?: boolean;
}

/** What `anonymizeUser()` changed. */
export interface AnonymizeReport {
  userId: string;
  /** The pseudonym now stored instead of the user id (rows of one user stay linkable). */
  pseudonym: string;
  /** Rows updated: the user's, and other rows whose text held one of the `identifiers`. */
  rows: number;
  /** Columns rewritten (`detail` and `path` only where they named the person). */
  fields: readonly string[];
  /** With `reseal: true` on a chained log: how the chain was re-sealed (or why not). */
  chain?: ResealReport;
}

/** The columns an erasure rewrites. */
const ERASED_FIELDS = Object.freeze(['user_id', 'ip_address', 'user_agent', 'detail', 'path']);

function limitOf(options: QueryOptions | undefined, fallback = 100): number {
  const limit = options?.limit ?? fallback;
  return numberOption(limit, 'limit', 1, 10_000);
}

function sinceOf(options: QueryOptions | undefined, fallbackHours: number | undefined): Date | undefined {
  const hours = options?.sinceHours ?? fallbackHours;
  if (hours === undefined) return undefined;
  numberOption(hours, 'sinceHours', 0, 24 * 365 * 100, false);
  return new Date(Date.now() - hours * 3_600_000);
}

function checkQueryOptions(options: unknown, name: string): QueryOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw configError(`${name}: options must be an object (got ${describeValue(options)}).`);
  checkKeys(options, ['limit', 'sinceHours', 'includeTampered'], name);
  const include = (options as QueryOptions).includeTampered;
  if (include !== undefined) boolOption(include, `${name}: includeTampered`);
  return options as QueryOptions;
}

/**
 * The security event audit log, on embedded PGlite (default) or a PostgreSQL server.
 * `log()` never waits for the database: events go to a bounded queue that a background
 * writer flushes in batches (one INSERT per batch). It is also an {@link EventSink}, so
 * `setSecurityLog(log)` makes every rampart middleware record into it.
 *
 * @example
 * const log = new SecurityLog({ database: './data/security' });
 * await log.ensureTable();
 * await log.log(SecurityEvent.LOGIN_FAILED, { ip: '1.2.3.4', detail: 'invalid password' });
 * const failures = await log.countByIp('1.2.3.4', SecurityEvent.LOGIN_FAILED, { sinceHours: 1 });
 */
export class SecurityLog implements EventSink {
  private readonly options: Readonly<Required<Omit<SecurityLogOptions, 'database' | 'chainKey' | 'retention'>>> & { chainKey: Buffer | undefined };
  /** The scheduled retention (`retention` option) and its last outcome; undefined when off. */
  readonly retention: RetentionState | undefined;
  private retentionTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly target: DatabaseTarget;
  private store: Store | undefined;
  private opening: Promise<Store> | undefined;
  /** Rejects (ERR_RAMPART_LOG_CLOSED) every caller still waiting on the opening when close() gives up on it. */
  private abandonOpening: { promise: Promise<never>; reject: (err: Error) => void } | undefined;
  private readonly queue: WriteQueue;
  private closed = false;
  /** Events passed to emit() that could not be turned into a row (malformed name or field). */
  private rejected = 0;
  /** Sinks that see every event this log accepts (log, logFromRequest, emit): see observe(). */
  private observers: readonly EventSink[] = [];
  /** Set once a read of this (chained) log has announced rows whose MAC did not verify. */
  private tamperedAnnounced = false;

  constructor(options: SecurityLogOptions = {}) {
    if (typeof options !== 'object' || options === null) throw configError(`SecurityLog options must be an object (got ${describeValue(options)}).`);
    checkKeys(options, OPTION_NAMES, 'SecurityLog');
    warmFields();
    // The shape, and the optional peer it needs (ERR_RAMPART_MISSING_DEPENDENCY), are checked now.
    const target = checkDatabase(options.database, 'SecurityLog');
    const table = options.table ?? 'rampart_security_log';
    if (typeof table !== 'string' || !/^[a-z_][a-z0-9_]{0,47}$/.test(table)) {
      throw configError(`SecurityLog: table must match [a-z_][a-z0-9_]* and be at most 48 characters (got ${describeValue(table)}).`);
    }
    const partition = options.partition ?? 'month';
    if (partition !== 'month' && partition !== 'day' && partition !== false) {
      throw configError(`SecurityLog: partition must be 'month', 'day' or false (got ${describeValue(partition)}).`);
    }
    const chain = options.chain === undefined ? false : boolOption(options.chain, 'SecurityLog: chain');
    let chainKey: Buffer | undefined;
    if (chain) {
      chainKey = requireSecret(options.chainKey, { name: 'SecurityLog: chainKey (needed by chain: true)', code: 'ERR_RAMPART_CONFIG' });
    } else if (options.chainKey !== undefined) {
      throw configError('SecurityLog: chainKey is set but chain is not true; set chain: true to enable the tamper-evident chain.');
    }
    const retryMinMs = numberOption(options.retryMinMs ?? 100, 'SecurityLog: retryMinMs', 1, 60_000);
    this.retention = retentionOf(options.retention);
    this.options = Object.freeze({
      table,
      partition,
      partitionsAhead: numberOption(options.partitionsAhead ?? 2, 'SecurityLog: partitionsAhead', 0, 60),
      unlogged: options.unlogged === undefined ? false : boolOption(options.unlogged, 'SecurityLog: unlogged'),
      chain,
      chainKey,
      maxQueue: numberOption(options.maxQueue ?? 100_000, 'SecurityLog: maxQueue', 1, 10_000_000),
      batchSize: numberOption(options.batchSize ?? 5000, 'SecurityLog: batchSize', 1, 50_000),
      flushIntervalMs: numberOption(options.flushIntervalMs ?? 200, 'SecurityLog: flushIntervalMs', 1, 60_000),
      retryMinMs,
      retryMaxMs: numberOption(options.retryMaxMs ?? 5000, 'SecurityLog: retryMaxMs', retryMinMs, 600_000),
      writeTimeoutMs: numberOption(options.writeTimeoutMs ?? 30_000, 'SecurityLog: writeTimeoutMs', 100, 3_600_000),
      closeTimeoutMs: numberOption(options.closeTimeoutMs ?? 10_000, 'SecurityLog: closeTimeoutMs', 0, 3_600_000),
      maxDetail: numberOption(options.maxDetail ?? LIMITS.detail, 'SecurityLog: maxDetail', 64, 1_000_000),
      poolSize: numberOption(options.poolSize ?? 4, 'SecurityLog: poolSize', 1, 100),
      writers: 1,
    });
    this.target = target;
    const serverBackend = target.backend === 'postgres';
    // A chain is serial: one writer keeps ids (and the chain) in the order events were logged.
    const writers = numberOption(options.writers ?? (serverBackend && !chain ? 2 : 1), 'SecurityLog: writers', 1, 16);
    if (chain && writers > 1)
      throw configError('SecurityLog: chain: true writes one batch at a time (each batch extends the chain); remove the writers option.');
    this.options = Object.freeze({ ...this.options, writers });
    this.queue = new WriteQueue(
      { ...this.options, concurrency: serverBackend ? writers : 1 },
      async (rows, signal) => (await this.open()).writeBatch(rows, signal),
      (count) =>
        toRow(
          'LOG_EVENTS_DROPPED',
          { detail: `${count} security event(s) dropped: the log queue was full (maxQueue ${this.options.maxQueue}) or the database stayed unreachable` },
          this.options.maxDetail,
        ),
    );
    if (this.retention !== undefined) this.scheduleRetention(Math.min(this.retention.every, 60));
  }

  // One run at a time (a chain of timeouts, not an interval), unref'd: retention never keeps
  // the process alive, and close() cancels the next run.
  private scheduleRetention(seconds: number): void {
    const state = this.retention;
    if (state === undefined || this.closed) return;
    this.retentionTimer = setTimeout(() => {
      this.retentionTimer = undefined;
      if (this.closed) return;
      this.cleanup({ days: state.days })
        .then(
          (result) => {
            state.lastRun = { at: new Date(), ...result };
          },
          (error: unknown) => {
            state.lastError = { at: new Date(), error: error instanceof Error ? error : new Error(String(error)) };
          },
        )
        .finally(() => this.scheduleRetention(state.every));
    }, seconds * 1000);
    this.retentionTimer.unref?.();
  }

  /** Which backend this log writes to. */
  get backend(): 'pglite' | 'postgres' {
    return this.target.backend;
  }

  private open(): Promise<Store> {
    if (this.store !== undefined) return Promise.resolve(this.store);
    this.opening ??= this.connect().then(
      (store) => (this.store = store),
      (err: unknown) => {
        this.opening = undefined;
        throw err instanceof RampartError
          ? err
          : new RampartError('ERR_RAMPART_LOG_DATABASE', `SecurityLog: cannot open the database: ${(err as Error)?.message}`, { cause: err });
      },
    );
    this.abandonOpening ??= abandonable();
    return Promise.race([this.opening, this.abandonOpening.promise]);
  }

  private async connect(): Promise<Store> {
    // An embedded PGlite (a path or 'memory') opens in a worker thread; see src/stores/database.ts.
    const db = await openDatabase(this.target, { poolSize: this.options.poolSize, connectTimeout: 10, idleTimeout: 60 });
    const { table, partition, partitionsAhead, unlogged, chainKey } = this.options;
    // The SQL side loads with the database, not at import (the preset imports this class).
    const { Store } = await import('./store.ts');
    return new Store(db, { table, partition, partitionsAhead, unlogged, chainKey }, (ids, what) => this.tamperedRead(ids.length, what));
  }

  /** Announce, once per log, that a read left out rows whose MAC does not verify. */
  private tamperedRead(count: number, what: string): void {
    if (this.tamperedAnnounced) return;
    this.tamperedAnnounced = true;
    if (process.env.RAMPART_SILENT === '1') return;
    console.warn(
      `[rampart] warning: SecurityLog: ${what}() found ${count} row(s) in ${this.options.table} whose MAC does not verify (inserted or changed through SQL without the chain key); they are left out of results (includeTampered: true returns them marked). Run verify() to find where the chain breaks.`,
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new RampartError('ERR_RAMPART_LOG_CLOSED', 'SecurityLog: used after close().');
  }

  /**
   * Open the database now instead of on the first event (the preset calls this when the
   * shield is built). An embedded PGlite opens in a worker thread, so this never blocks the
   * event loop; events logged meanwhile wait in the bounded queue. Resolves when it is open.
   */
  async ready(): Promise<void> {
    this.assertOpen();
    await this.open();
  }

  /** Create the table, indexes and partitions. Idempotent and safe to call from several processes at once. */
  async ensureTable(): Promise<void> {
    this.assertOpen();
    await (await this.open()).ensureTable();
  }

  /**
   * Record an event. Returns at once (the event is queued); with `{ wait: true }` the
   * promise resolves when the event is stored. Rejects with ERR_RAMPART_LOG_EVENT for an
   * unknown event name and ERR_RAMPART_LOG_INPUT for unusable field types; strings are
   * escaped, truncated and redacted, a non-IP `ip` is kept in `detail`.
   */
  async log(event: string, fields: LogFields = {}, options: { wait?: boolean } = {}): Promise<void> {
    this.assertOpen();
    if (!isValidEventName(event)) {
      throw new RampartError(
        'ERR_RAMPART_LOG_EVENT',
        `SecurityLog.log: event name ${JSON.stringify(String(event).slice(0, 60))} must be 1–50 characters of A–Z, 0–9 and _.`,
      );
    }
    if (!isRegisteredEvent(event)) {
      throw new RampartError(
        'ERR_RAMPART_LOG_EVENT',
        `SecurityLog.log: unknown event ${JSON.stringify(event)}; use a SecurityEvent value or registerEvent('${event}', 'description') first.`,
      );
    }
    if (typeof fields !== 'object' || fields === null) throw new RampartError('ERR_RAMPART_LOG_INPUT', 'SecurityLog.log: fields must be an object.');
    const row = toRow(event, fields, this.options.maxDetail);
    if (this.observers.length > 0)
      this.notify({
        event,
        ip: fields.ip ?? undefined,
        userId: typeof fields.userId === 'bigint' ? String(fields.userId) : (fields.userId ?? undefined),
        userAgent: fields.userAgent ?? undefined,
        path: fields.path ?? undefined,
        detail: typeof fields.detail === 'string' ? fields.detail : undefined,
      });
    if (options.wait !== true) {
      this.queue.push(row);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      if (!this.queue.push(row, { resolve, reject })) {
        reject(
          new RampartError('ERR_RAMPART_LOG_QUEUE_FULL', `SecurityLog: queue full (maxQueue ${this.options.maxQueue}); the event was counted as dropped.`),
        );
      }
    });
  }

  /**
   * Record an event with ip, user agent, path (and `req.user.id` when present) taken from
   * a request of any adapter: node/Express `req`, Fastify `request`, Hono `c`, fetch
   * `Request`. The ip is rampart's trusted client ip when the request went through a
   * rampart stack, else the socket address.
   */
  async logFromRequest(event: string, req: unknown, fields: LogFields = {}, options: { wait?: boolean } = {}): Promise<void> {
    const fromRequest = requestFields(req);
    const merged: LogFields = { ...fromRequest };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    await this.log(event, merged, options);
  }

  /**
   * EventSink: queue an event from middleware. Never throws and never blocks; events with
   * a malformed name or fields are counted in `stats().rejected`. Unregistered but
   * well-formed names are stored (an audit trail keeps what it is given).
   */
  emit(record: SecurityEventRecord): void {
    try {
      if (this.closed || !isValidEventName(record.event)) {
        this.rejected++;
        return;
      }
      this.queue.push(toRow(record.event, record, this.options.maxDetail));
    } catch {
      this.rejected++;
      return;
    }
    if (this.observers.length > 0) this.notify(record);
  }

  /**
   * Let `sink` see every event this log accepts: middleware events (`emit`) and the ones the
   * app logs (`log`, `logFromRequest`) alike, e.g. `log.observe(adaptiveBlocking({...}))` so
   * an app-logged LOGIN_FAILED counts towards a block. Observers are called synchronously
   * and must not block (an EventSink never throws; a throwing one is ignored). Returns a
   * function that stops the observation.
   */
  observe(sink: EventSink): () => void {
    if (sink === null || typeof sink !== 'object' || typeof sink.emit !== 'function') {
      throw configError('SecurityLog.observe needs an event sink (an object with emit(record)), e.g. adaptiveBlocking({...}).');
    }
    this.observers = [...this.observers, sink];
    return () => {
      this.observers = this.observers.filter((o) => o !== sink);
    };
  }

  private notify(record: SecurityEventRecord): void {
    for (const observer of this.observers) {
      try {
        observer.emit(record);
      } catch {
        // one failing observer must not starve the others or the log
      }
    }
  }

  /** Writer counters: queued, written, dropped, failedFlushes, lastError, plus rejected emits. */
  stats(): WriterStats & { rejected: number } {
    return { ...this.queue.stats, rejected: this.rejected };
  }

  /** Resolve when every event queued before the call is stored (retrying while the database is down). */
  async flush(): Promise<void> {
    await this.queue.flush();
  }

  /**
   * Flush (within `closeTimeoutMs`) and close the database connection the log opened.
   * Events still queued when the timeout passes are dropped and counted; the count is returned.
   */
  async close(): Promise<{ dropped: number }> {
    if (this.closed) return { dropped: 0 };
    this.closed = true;
    if (this.retentionTimer !== undefined) clearTimeout(this.retentionTimer);
    const deadline = Date.now() + this.options.closeTimeoutMs;
    const dropped = await this.queue.close(this.options.closeTimeoutMs);
    const store = this.store ?? (this.opening ? await untilDeadline(this.opening, deadline) : undefined);
    if (store === undefined) {
      // Still opening at the deadline (an embedded PGlite compiling under load): closed when it opens.
      void this.opening?.then((late) => late.db.close(0)).catch(() => undefined);
      this.abandonOpening?.reject(new RampartError('ERR_RAMPART_LOG_CLOSED', 'SecurityLog: closed while the database was still opening.'));
      return { dropped };
    }
    // A write abandoned at the deadline may still hold a connection: it gets what is left of
    // closeTimeoutMs, not the pool's own grace period on top.
    await store.db.close(Math.max(0, deadline - Date.now())).catch(() => undefined);
    return { dropped };
  }

  private async query(): Promise<Store> {
    this.assertOpen();
    return this.open();
  }

  /** The most recent events, newest first. */
  async getRecent(options?: QueryOptions): Promise<SecurityLogRow[]> {
    const o = checkQueryOptions(options, 'getRecent');
    return (await this.query()).recent(limitOf(o), o);
  }

  /** Events of one user (number or string id), newest first. */
  async getForUser(userId: string | number, options?: QueryOptions): Promise<SecurityLogRow[]> {
    const o = checkQueryOptions(options, 'getForUser');
    const id = toRow('LOGOUT', { userId }, 64).userId;
    if (id === null) throw new RampartError('ERR_RAMPART_LOG_INPUT', 'getForUser: userId is required.');
    return (await this.query()).forColumn('user_id', id, limitOf(o), sinceOf(o, undefined), o);
  }

  /** Events from one IP address, newest first. */
  async getForIp(ip: string, options?: QueryOptions): Promise<SecurityLogRow[]> {
    const o = checkQueryOptions(options, 'getForIp');
    const addr = toRow('LOGOUT', { ip }, 64).ip;
    if (addr === null) return [];
    return (await this.query()).forColumn('ip_address', addr, limitOf(o), sinceOf(o, undefined), o);
  }

  /** Events of one type within the last `sinceHours` (default 24), newest first (at most `limit`, default 1000). */
  async getByEvent(event: string, options?: QueryOptions): Promise<SecurityLogRow[]> {
    const o = checkQueryOptions(options, 'getByEvent');
    this.checkEventName(event, 'getByEvent');
    return (await this.query()).byEvent(event, sinceOf(o, 24)!, limitOf(o, 1000), o);
  }

  /** Number of events of one type within the last `sinceHours` (default 24). */
  async countByEvent(event: string, options?: Omit<QueryOptions, 'limit'>): Promise<number> {
    const o = checkQueryOptions(options, 'countByEvent');
    this.checkEventName(event, 'countByEvent');
    return (await this.query()).count({ event }, sinceOf(o, 24)!);
  }

  /** Number of events from one IP (optionally of one type) within the last `sinceHours` (default 24). */
  async countByIp(ip: string, event?: string, options?: Omit<QueryOptions, 'limit'>): Promise<number> {
    const o = checkQueryOptions(options, 'countByIp');
    if (event !== undefined) this.checkEventName(event, 'countByIp');
    const addr = toRow('LOGOUT', { ip }, 64).ip;
    if (addr === null) return 0;
    return (await this.query()).count({ event, ip: addr }, sinceOf(o, 24)!);
  }

  private checkEventName(event: string, method: string): void {
    if (!isValidEventName(event))
      throw new RampartError(
        'ERR_RAMPART_LOG_EVENT',
        `${method}: event name ${JSON.stringify(String(event).slice(0, 60))} must be 1–50 characters of A–Z, 0–9 and _.`,
      );
  }

  /**
   * Delete events older than `days` days (default 90, the seed's value; at least 1): whole
   * partitions are dropped, the rest deleted. `before` (a Date not later than now) is an
   * explicit cutoff instead, for callers that keep their own clock. See the `retention`
   * option to have the log run it.
   */
  async cleanup(options: { days?: number; before?: Date } = {}): Promise<{ droppedPartitions: string[]; deletedRows: number }> {
    if (typeof options !== 'object' || options === null) throw configError('cleanup: pass { days }, { before } or nothing (90 days).');
    checkKeys(options, ['days', 'before'], 'cleanup');
    const cutoff = retentionCutoff(options, DEFAULT_RETENTION_DAYS);
    await this.flush();
    return (await this.query()).cleanup(cutoff);
  }

  /**
   * GDPR erasure: replace `userId` by a random pseudonym and clear ip_address and
   * user_agent in that user's rows. In their `detail` and `path`, the account name loginGuard
   * writes (`account=<name> #<digest>`) becomes `account=[erased]` and the user id, as a whole
   * value, `[erased]`; each of `identifiers` (e-mail, username… at least 3 characters) becomes
   * `[erased]` wherever it appears as a whole value, in any row (case-insensitive, also
   * percent-encoded), and a row whose whole user id is one of them is anonymised like the
   * user's own; loginGuard's `account=… #<digest>` with the person's digest is erased in rows
   * written without a userId too. Other free text the application wrote stays: name it in
   * `identifiers`.
   * With `chain: true`, the rewritten rows no longer verify unless `reseal: true`: then, under
   * the chain lock, the rows from the oldest rewritten one on are checked and re-sealed with
   * fresh MACs (`report.chain` gives the old and new newest MAC for external anchors); a
   * chain that was already broken there is not re-sealed. `pseudonym` replaces the random one
   * (e.g. a keyed pseudonym from rampart/crypto's pseudonymizer, stable per user).
   */
  async anonymizeUser(
    userId: string | number,
    options: { pseudonym?: string; reseal?: boolean; identifiers?: readonly string[] } = {},
  ): Promise<AnonymizeReport> {
    const id = toRow('LOGOUT', { userId }, 64).userId;
    if (id === null) throw new RampartError('ERR_RAMPART_LOG_INPUT', 'anonymizeUser: userId is required.');
    checkKeys(options, ['pseudonym', 'reseal', 'identifiers'], 'anonymizeUser');
    const wanted = options.pseudonym;
    if (wanted !== undefined && (typeof wanted !== 'string' || !/^[\x21-\x7e]{8,255}$/.test(wanted) || wanted === id)) {
      throw configError('anonymizeUser: pseudonym must be 8–255 printable ASCII characters and differ from the user id.');
    }
    const reseal = options.reseal === undefined ? false : boolOption(options.reseal, 'anonymizeUser: reseal');
    const identifiers = checkIdentifiers(options.identifiers, 'anonymizeUser', 'ERR_RAMPART_LOG_INPUT');
    await this.flush();
    const { pseudonym, rows, chain } = await (await this.query()).anonymize(id, wanted, reseal, identifiers);
    return { userId: id, pseudonym, rows, fields: [...ERASED_FIELDS], ...(chain ? { chain } : {}) };
  }

  /** Rows stored for one user, per event type with the first and last time (for GDPR access/erasure reports). */
  async userSummary(userId: string | number): Promise<Array<{ event: string; count: number; first: Date; last: Date }>> {
    const id = toRow('LOGOUT', { userId }, 64).userId;
    if (id === null) throw new RampartError('ERR_RAMPART_LOG_INPUT', 'userSummary: userId is required.');
    await this.flush();
    return (await this.query()).userSummary(id);
  }

  /**
   * Check the tamper-evident chain (needs `chain: true`). `anchor`: the `last` of an earlier
   * verify() (or of a re-seal report) kept outside the database; the chain must still hold
   * that row unchanged, so deleting the newest rows back past it is reported (`truncated`).
   */
  async verify(options: { anchor?: ChainAnchor } = {}): Promise<VerifyReport> {
    if (!this.options.chain) throw configError('SecurityLog.verify() needs the log to be created with chain: true and a chainKey.');
    if (typeof options !== 'object' || options === null) throw configError('SecurityLog.verify: pass { anchor } or nothing.');
    checkKeys(options, ['anchor'], 'SecurityLog.verify');
    const anchor = checkAnchor(options.anchor);
    await this.flush();
    return (await this.query()).verify({ anchor });
  }

  /**
   * Stream events since `since` (oldest first) as lines for a SIEM: `jsonl` (one JSON
   * object per line), `cef` (ArcSight Common Event Format) or `syslog` (RFC 5424). Each
   * yielded string is one line ending in `\n`; pages of 5000 rows are read as it goes.
   */
  async *export(options: { since?: Date; format?: ExportFormat; includeTampered?: boolean } = {}): AsyncGenerator<string, void, undefined> {
    checkKeys(options, ['since', 'format', 'includeTampered'], 'export');
    const includeTampered = options.includeTampered === undefined ? false : boolOption(options.includeTampered, 'export: includeTampered');
    const format = options.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'cef' && format !== 'syslog')
      throw configError(`export: format must be 'jsonl', 'cef' or 'syslog' (got ${describeValue(format)}).`);
    const since = options.since ?? new Date(0);
    if (!(since instanceof Date) || Number.isNaN(since.getTime())) throw configError('export: since must be a valid Date.');
    await this.flush();
    const store = await this.query();
    await store.ensureTable();
    // The cursor is the database's own timestamp text (readerOver's page): rows written by SQL
    // carry microseconds that a JavaScript Date would cut, and the same page would come back.
    const { readerOver } = await import('./reader.ts');
    const key = this.options.chainKey;
    const check = key === undefined ? undefined : { key, onTampered: (ids: readonly number[]) => this.tamperedRead(ids.length, 'export') };
    const reader = readerOver(store.db, this.options.table, false, check);
    let cursor: ExportCursor | undefined = { time: new Date(since.getTime() - 1).toISOString(), id: Number.MAX_SAFE_INTEGER };
    while (cursor !== undefined) {
      const { rows, next } = await reader.page(cursor, 5000, { includeTampered });
      for (const row of rows) yield `${formatRow(row, format, rampartVersion())}\n`;
      cursor = rows.length < 5000 ? undefined : next;
    }
  }

  /** True when `unlogged: true` was asked for but the database refused it (a regular table is used). */
  get unloggedFallback(): boolean {
    return this.store?.unloggedFallback ?? false;
  }
}

/**
 * The open database and table of `log` (opened, and the table created, when needed): for readers
 * in the same process such as the dashboard, which must not open an embedded PGlite a second time.
 * Not exported from rampart/log.
 */
export async function openedLogDatabase(log: SecurityLog): Promise<{ db: Database; table: string; check: ReadCheck | undefined }> {
  await log.ensureTable();
  // Element access reaches the private members from outside the class (this module's own helper).
  // biome-ignore lint/complexity/useLiteralKeys: private members are reachable only this way
  const store = await log['query']();
  // biome-ignore lint/complexity/useLiteralKeys: as above
  const { table, chainKey } = log['options'];
  // A chained log's reader checks each row's MAC, as the log's own reads do.
  const announce = (ids: readonly number[], what: string): void =>
    // biome-ignore lint/complexity/useLiteralKeys: as above
    log['tamperedRead'](ids.length, what);
  const check = chainKey === undefined ? undefined : { key: chainKey, onTampered: announce };
  return { db: store.db, table, check };
}

/** `opening`'s store, or undefined when it fails or is not open by `deadline` (epoch ms). */
/** A promise that only ever rejects, when told to; unobserved, its rejection is not reported. */
function abandonable(): { promise: Promise<never>; reject: (err: Error) => void } {
  let reject: (err: Error) => void = () => undefined;
  const promise = new Promise<never>((_, r) => {
    reject = r;
  });
  promise.catch(() => undefined);
  return { promise, reject };
}

async function untilDeadline(opening: Promise<Store>, deadline: number): Promise<Store | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([opening.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
