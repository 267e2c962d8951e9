/**
 * Live updates: one poll loop per dashboard reads the events stored since the last poll (ids
 * grow with every stored row) and hands them to every open Server-Sent Events stream. The loop
 * runs only while a stream is open, so an idle dashboard costs no query.
 */
import type { LogReader } from '../log/reader.ts';
import { dashboardRow, type DashboardRow } from './summary.ts';

/** A subscriber receives each batch of new rows, oldest first. */
export type LiveListener = (rows: readonly DashboardRow[]) => void;

/** The shared poller of one dashboard. */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();
  private cursor: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly reader: () => Promise<LogReader>;
  private readonly intervalMs: number;
  private closed = false;

  constructor(reader: () => Promise<LogReader>, intervalMs: number) {
    this.reader = reader;
    this.intervalMs = intervalMs;
  }

  /** How many streams are open. */
  get size(): number {
    return this.listeners.size;
  }

  /** Subscribe from `after` (the id the page's summary ended at); returns the unsubscribe function. */
  subscribe(listener: LiveListener, after: number): () => void {
    this.listeners.add(listener);
    // A page loaded a moment ago may be behind the shared cursor: never skip its rows.
    if (this.cursor === undefined || after < this.cursor) this.cursor = after;
    this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed || this.listeners.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.intervalMs);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    try {
      const reader = await this.reader();
      const rows = await reader.after(this.cursor ?? 0, 500);
      const last = rows.at(-1);
      if (last !== undefined) {
        this.cursor = last.id;
        const batch = rows.map(dashboardRow);
        for (const l of this.listeners) l(batch);
      }
    } catch {
      // A database hiccup: the next poll tries again; the page shows the stream as live still.
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }

  /** Stop polling (the streams end with their connections). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
  }
}
