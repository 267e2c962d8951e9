import { RampartError } from '../errors.ts';
import type { PendingRow } from './fields.ts';

/** Counters of the background writer (also returned by `SecurityLog.stats()`). */
export interface WriterStats {
  /** Events waiting in memory (including batches being written). */
  queued: number;
  /** Events written to the database since start. */
  written: number;
  /** Events dropped since start (queue full, or given up at close). */
  dropped: number;
  /** Flush attempts that failed (each is retried with backoff). */
  failedFlushes: number;
  /** Message of the last database error, if any. */
  lastError: string | undefined;
}

/** Writer tuning (validated by SecurityLog). */
export interface QueueSettings {
  maxQueue: number;
  batchSize: number;
  flushIntervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** A batch write that takes longer counts as failed and is retried. */
  writeTimeoutMs: number;
  /** Batches written at the same time (each on its own connection). */
  concurrency: number;
}

interface Entry {
  seq: number;
  row: PendingRow;
  resolve?: () => void;
  reject?: (err: Error) => void;
}

/**
 * A bounded in-memory queue drained by background writers. Batches go out when
 * `batchSize` events are waiting or `flushIntervalMs` after the first one; up to
 * `concurrency` batches are written at once; a failed batch goes back to the front and
 * is retried with exponential backoff; a full queue drops (and counts) new events
 * instead of growing.
 */
export class WriteQueue {
  private pending: Entry[] = [];
  private head = 0;
  private readonly inflight = new Set<Entry[]>();
  private readonly settings: QueueSettings;
  private readonly write: (rows: PendingRow[], signal: AbortSignal) => Promise<void>;
  /** Writes that outlived writeTimeoutMs: aborted, but their statements may still be running. */
  private readonly orphans = new Set<Promise<unknown>>();
  private readonly onDrop: (count: number) => PendingRow;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  private droppedSinceReport = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  /** Queued or in-flight entries whose caller awaits the write. */
  private awaited = 0;
  private seq = 0;
  private closing = false;
  private idle: Array<() => void> = [];
  readonly stats: WriterStats = { queued: 0, written: 0, dropped: 0, failedFlushes: 0, lastError: undefined };

  /**
   * @param write writes one batch durably or throws; once `signal` is aborted it must start no new statement
   * @param onDrop builds the summary event recorded after `count` events were dropped
   */
  constructor(settings: QueueSettings, write: (rows: PendingRow[], signal: AbortSignal) => Promise<void>, onDrop: (count: number) => PendingRow) {
    this.settings = settings;
    this.write = write;
    this.onDrop = onDrop;
  }

  private get waiting(): number {
    return this.pending.length - this.head;
  }

  private inflightCount(): number {
    let n = 0;
    for (const b of this.inflight) n += b.length;
    return n;
  }

  /** Queue a row. Returns false (and counts a drop) when the queue is full. */
  push(row: PendingRow, waiter?: { resolve: () => void; reject: (err: Error) => void }): boolean {
    if (this.waiting >= this.settings.maxQueue) {
      this.stats.dropped++;
      this.droppedSinceReport++;
      return false;
    }
    const seq = ++this.seq;
    if (waiter !== undefined) this.awaited++;
    this.pending.push(waiter === undefined ? { seq, row } : { seq, row, ...waiter });
    this.stats.queued = this.waiting + this.inflightCount();
    if (this.waiting >= this.settings.batchSize) this.pump();
    else this.arm();
    return true;
  }

  /** Make sure a timer will write a partial batch (or retry after backoff). */
  private arm(): void {
    if (this.timer === undefined) {
      const delay = this.backoffMs > 0 ? this.backoffMs : this.settings.flushIntervalMs;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, delay);
    }
    this.holdProcess();
  }

  /** Events written in the background never keep the process alive; a caller awaiting a write, flush() or close() does, through the retries. */
  private holdProcess(): void {
    if (this.timer === undefined) return;
    if (this.awaited > 0 || this.waiters.length > 0 || this.closing) this.timer.ref();
    else this.timer.unref();
  }

  /** Start writers while there is work and capacity. `partial`: also write batches smaller than batchSize. */
  private pump(partial = false): void {
    if (this.backoffMs > 0 && !partial) {
      this.arm();
      return;
    }
    if (this.droppedSinceReport > 0 && this.inflight.size === 0) {
      // The summary event bypasses the bound: it is one row and it is the evidence.
      const n = this.droppedSinceReport;
      this.droppedSinceReport = 0;
      this.pending.splice(this.head, 0, { seq: 0, row: this.onDrop(n) });
    }
    const urgent = partial || this.closing || this.waiters.length > 0;
    while (this.inflight.size < this.settings.concurrency && this.waiting > 0 && (urgent || this.waiting >= this.settings.batchSize)) {
      const end = Math.min(this.pending.length, this.head + this.settings.batchSize);
      const batch = this.pending.slice(this.head, end);
      this.head = end;
      if (this.head > 4096 && this.head * 2 > this.pending.length) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
      this.inflight.add(batch);
      void this.run(batch);
      if (this.backoffMs > 0) break; // one probe at a time while the database is failing
    }
    if (this.waiting > 0 && this.inflight.size < this.settings.concurrency) this.arm();
  }

  private async run(batch: Entry[]): Promise<void> {
    let ok = false;
    try {
      await this.writeBounded(batch.map((e) => e.row));
      ok = true;
    } catch (err) {
      this.stats.failedFlushes++;
      this.stats.lastError = (err as Error)?.message ?? String(err);
      this.backoffMs = Math.min(this.settings.retryMaxMs, this.backoffMs === 0 ? this.settings.retryMinMs : this.backoffMs * 2);
    }
    this.inflight.delete(batch);
    if (ok) {
      this.backoffMs = 0;
      this.stats.written += batch.length;
      for (const e of batch) {
        if (e.resolve === undefined) continue;
        this.awaited--;
        e.resolve();
      }
    } else {
      // Back to the front, in sequence order, for the retry.
      const rest = this.pending.slice(this.head);
      this.pending = [...batch, ...rest].sort((a, b) => a.seq - b.seq);
      this.head = 0;
    }
    this.stats.queued = this.waiting + this.inflightCount();
    this.notify();
    if (this.closed) return;
    if (ok) this.pump(this.waiters.length > 0 || this.closing);
    else this.arm();
    if (this.inflight.size === 0 && this.waiting === 0) for (const f of this.idle.splice(0)) f();
  }

  private closed = false;

  /**
   * A write that outlives the limit is aborted and counted as failed, but its statements may
   * still be running (queued in the driver until the database is back). No batch is written
   * again until every such write has settled: a retry that raced it would not see its rows
   * yet and store them twice.
   */
  private async writeBounded(rows: PendingRow[]): Promise<void> {
    const limit = this.settings.writeTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), limit);
    });
    try {
      if (this.orphans.size > 0) {
        const settled = Promise.allSettled([...this.orphans]).then(() => 'settled' as const);
        if ((await Promise.race([settled, expired])) === 'expired') {
          throw new Error(`an earlier batch write has not finished after ${limit} ms; not writing again until it has`);
        }
      }
      const abort = new AbortController();
      const attempt = this.write(rows, abort.signal);
      const outcome = await Promise.race([attempt.then(() => 'written' as const), expired]);
      if (outcome === 'expired') {
        abort.abort();
        const orphan = attempt.catch(() => undefined).finally(() => this.orphans.delete(orphan));
        this.orphans.add(orphan);
        throw new Error(`batch write did not complete within ${limit} ms`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The smallest sequence number not yet written (Infinity when nothing is outstanding). */
  private lowestOutstanding(): number {
    let low = Infinity;
    for (let i = this.head; i < this.pending.length; i++) {
      const s = this.pending[i]!.seq;
      if (s !== 0) {
        low = s;
        break;
      }
    }
    for (const b of this.inflight) for (const e of b) if (e.seq !== 0 && e.seq < low) low = e.seq;
    return low;
  }

  private notify(all = false): void {
    if (this.waiters.length === 0) return;
    const low = all ? Infinity : this.lowestOutstanding();
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (low > w.target) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
    this.holdProcess();
  }

  /** Resolve when everything queued before the call is written (retrying while the database is down). */
  async flush(timeoutMs?: number): Promise<boolean> {
    const target = this.seq;
    if (this.lowestOutstanding() > target && this.droppedSinceReport === 0) return true;
    const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    this.holdProcess();
    this.pump(true);
    if (this.droppedSinceReport > 0 && this.inflight.size > 0) {
      // The drop summary is queued once the writers are idle; wait for that too.
      await new Promise<void>((r) => this.idle.push(r));
      this.pump(true);
    }
    if (timeoutMs === undefined) {
      await done;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const ok = await Promise.race([done.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return ok;
  }

  /** Flush within `timeoutMs`; whatever is left is dropped (counted, awaited callers rejected). Returns the number dropped. */
  async close(timeoutMs: number): Promise<number> {
    this.closing = true;
    const ok = await this.flush(timeoutMs);
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (ok && this.inflight.size === 0 && this.waiting === 0) return 0;
    const left = [...this.pending.slice(this.head), ...[...this.inflight].flat()];
    this.pending = [];
    this.head = 0;
    this.inflight.clear();
    const counted = left.filter((e) => e.seq !== 0).length;
    this.stats.dropped += counted;
    this.stats.queued = 0;
    const err = new RampartError(
      'ERR_RAMPART_LOG_DROPPED',
      `SecurityLog: ${counted} event(s) could not be written before close() gave up (last error: ${this.stats.lastError ?? 'timeout'}).`,
    );
    this.awaited = 0;
    for (const e of left) e.reject?.(err);
    this.notify(true);
    return counted;
  }
}
