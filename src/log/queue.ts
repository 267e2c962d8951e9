import { RampartError } from '../errors.ts';
import type { PendingRow } from './fields.ts';

/** Counters of the background writer (also returned by `SecurityLog.stats()`). */
export interface WriterStats {
  /** Events waiting in memory. */
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
}

interface Entry {
  row: PendingRow;
  summary?: true;
  resolve?: () => void;
  reject?: (err: Error) => void;
}

/**
 * A bounded in-memory queue drained by one background writer. Batches go out when
 * `batchSize` events are waiting or `flushIntervalMs` after the first one; failures keep
 * the batch and retry with exponential backoff; a full queue drops (and counts) new
 * events instead of growing.
 */
export class WriteQueue {
  private entries: Entry[] = [];
  private head = 0;
  private readonly settings: QueueSettings;
  private readonly write: (rows: PendingRow[]) => Promise<void>;
  private readonly onDrop: (count: number) => PendingRow;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private backoffMs = 0;
  private droppedSinceReport = 0;
  private drainWaiters: Array<{ target: number; resolve: () => void }> = [];
  private pushed = 0;
  private done = 0;
  private closing = false;
  readonly stats: WriterStats = { queued: 0, written: 0, dropped: 0, failedFlushes: 0, lastError: undefined };

  /**
   * @param write writes one batch durably or throws
   * @param onDrop builds the summary event recorded after `count` events were dropped
   */
  constructor(settings: QueueSettings, write: (rows: PendingRow[]) => Promise<void>, onDrop: (count: number) => PendingRow) {
    this.settings = settings;
    this.write = write;
    this.onDrop = onDrop;
  }

  private get size(): number {
    return this.entries.length - this.head;
  }

  /** Queue a row. Returns false (and counts a drop) when the queue is full. */
  push(row: PendingRow, waiter?: { resolve: () => void; reject: (err: Error) => void }): boolean {
    if (this.size >= this.settings.maxQueue) {
      this.stats.dropped++;
      this.droppedSinceReport++;
      return false;
    }
    this.entries.push(waiter === undefined ? { row } : { row, ...waiter });
    this.pushed++;
    this.stats.queued = this.size;
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.running !== undefined) return;
    if (this.size >= this.settings.batchSize && this.backoffMs === 0) {
      this.start();
      return;
    }
    if (this.timer === undefined) {
      const delay = this.backoffMs > 0 ? this.backoffMs : this.settings.flushIntervalMs;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, delay);
      this.timer.unref();
    }
  }

  private start(): void {
    if (this.running !== undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.size > 0 || this.droppedSinceReport > 0) this.schedule();
      this.notifyDrained();
    });
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.droppedSinceReport > 0) {
        // The summary event bypasses the bound: it is one row and it is the evidence.
        const n = this.droppedSinceReport;
        this.droppedSinceReport = 0;
        this.entries.splice(this.head, 0, { row: this.onDrop(n), summary: true });
      }
      if (this.size === 0) return;
      const end = Math.min(this.entries.length, this.head + this.settings.batchSize);
      const batch = this.entries.slice(this.head, end);
      try {
        await this.writeBounded(batch.map((e) => e.row));
      } catch (err) {
        this.stats.failedFlushes++;
        this.stats.lastError = (err as Error)?.message ?? String(err);
        this.backoffMs = Math.min(this.settings.retryMaxMs, this.backoffMs === 0 ? this.settings.retryMinMs : this.backoffMs * 2);
        return; // keep the batch; schedule() retries after the backoff
      }
      this.backoffMs = 0;
      this.head = end;
      if (this.head > 4096 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
      this.stats.written += batch.length;
      this.stats.queued = this.size;
      for (const e of batch) {
        if (e.summary !== true) this.done++;
        e.resolve?.();
      }
      this.notifyDrained();
      // A partial batch waits for the interval unless someone is flushing.
      if (this.size < this.settings.batchSize && !this.closing && this.drainWaiters.length === 0) return;
    }
  }

  private async writeBounded(rows: PendingRow[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = this.settings.writeTimeoutMs + 1000;
    try {
      await Promise.race([
        this.write(rows),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`batch write did not complete within ${limit} ms`)), limit);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private notifyDrained(all = false): void {
    if (this.drainWaiters.length === 0) return;
    const keep: typeof this.drainWaiters = [];
    for (const w of this.drainWaiters) {
      if (all || this.done >= w.target) w.resolve();
      else keep.push(w);
    }
    this.drainWaiters = keep;
  }

  /** Resolve when everything queued before the call is written (retrying while the database is down). */
  async flush(timeoutMs?: number): Promise<boolean> {
    if (this.size === 0 && this.droppedSinceReport === 0 && this.running === undefined) return true;
    const target = this.pushed;
    const drained = new Promise<void>((resolve) => this.drainWaiters.push({ target, resolve }));
    if (this.backoffMs === 0) this.start();
    if (timeoutMs === undefined) {
      await drained;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const ok = await Promise.race([drained.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return ok;
  }

  /** Flush within `timeoutMs`; whatever is left is dropped (counted, awaited callers rejected). Returns the number dropped. */
  async close(timeoutMs: number): Promise<number> {
    this.closing = true;
    const ok = await this.flush(timeoutMs);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (ok) return 0;
    if (this.running !== undefined) await Promise.race([this.running, new Promise((r) => setTimeout(r, 1000))]);
    const left = this.entries.slice(this.head);
    this.entries = [];
    this.head = 0;
    this.stats.dropped += left.length;
    this.stats.queued = 0;
    const err = new RampartError('ERR_RAMPART_LOG_DROPPED', `SecurityLog: ${left.length} event(s) could not be written before close() gave up (last error: ${this.stats.lastError ?? 'timeout'}).`);
    for (const e of left) e.reject?.(err);
    this.notifyDrained(true);
    return left.length;
  }
}
