import { detached, MAX_COUNTED_PATH } from './retained.ts';

/** Responses counted for one path or one client in a window. */
export interface ResponseCount {
  requests: number;
  /** 4xx responses. */
  clientErrors: number;
  /** 5xx responses. */
  serverErrors: number;
}

/** What {@link Monitor.snapshot} returns for one window. */
export interface WindowSnapshot {
  /** Start of the window (ISO 8601). */
  readonly since: string;
  /** Length of the window in seconds. */
  readonly window: number;
  readonly total: number;
  /** Responses by class: `{ '2xx': 120, '4xx': 7 }`. */
  readonly byClass: Readonly<Record<string, number>>;
  /** Responses by status: `{ '200': 120, '404': 7 }`. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Canonical paths of at most 256 characters, most requested first (at most `maxPaths`). */
  readonly paths: ReadonlyArray<{ readonly path: string } & Readonly<ResponseCount>>;
  /** Requests to paths beyond `maxPaths`, and to paths longer than 256 characters. */
  readonly otherPaths: Readonly<ResponseCount>;
  /** Clients (IPv6 by /64), most requests first (at most `maxClients`). */
  readonly clients: ReadonlyArray<{ readonly client: string } & Readonly<ResponseCount>>;
  /** Clients dropped from the table to stay within `maxClients`. */
  readonly evictedClients: number;
}

const count = (): ResponseCount => ({ requests: 0, clientErrors: 0, serverErrors: 0 });

function add(c: ResponseCount, status: number): void {
  c.requests++;
  if (status >= 500) c.serverErrors++;
  else if (status >= 400) c.clientErrors++;
}

/**
 * One window of response counts in bounded memory: at most `maxPaths` paths (each at most
 * MAX_COUNTED_PATH characters) and `maxClients` clients, every key a detached copy.
 */
class Window {
  total = 0;
  readonly byStatus = new Map<number, number>();
  readonly paths = new Map<string, ResponseCount>();
  readonly other = count();
  readonly clients = new Map<string, ResponseCount>();
  evicted = 0;
  readonly start: number;
  constructor(start: number) {
    this.start = start;
  }
}

/** Responses by status, canonical path and client, in fixed windows of `windowMs`. */
export class ResponseCounters {
  private current: Window;
  private previous: Window | undefined;
  private readonly windowMs: number;
  private readonly maxPaths: number;
  private readonly maxClients: number;

  constructor(windowMs: number, maxPaths: number, maxClients: number, now: number) {
    this.windowMs = windowMs;
    this.maxPaths = maxPaths;
    this.maxClients = maxClients;
    this.current = new Window(now);
  }

  private windowAt(now: number): Window {
    const w = this.current;
    if (now - w.start < this.windowMs) return w;
    // Windows are back to back; after a quiet spell the previous one is empty.
    const elapsed = Math.floor((now - w.start) / this.windowMs);
    this.previous = elapsed === 1 ? w : new Window(w.start + (elapsed - 1) * this.windowMs);
    this.current = new Window(w.start + elapsed * this.windowMs);
    return this.current;
  }

  /** Count one response. */
  record(status: number, path: string, client: string, now: number): void {
    const w = this.windowAt(now);
    w.total++;
    w.byStatus.set(status, (w.byStatus.get(status) ?? 0) + 1);
    let p = path.length > MAX_COUNTED_PATH ? w.other : w.paths.get(path);
    if (p === undefined) {
      p = w.paths.size < this.maxPaths ? count() : w.other;
      if (p !== w.other) w.paths.set(detached(path), p);
    }
    add(p, status);
    let c = w.clients.get(client);
    if (c === undefined) {
      if (w.clients.size >= this.maxClients) {
        // Map order is insertion order: the first key is the oldest client of the window.
        w.clients.delete(w.clients.keys().next().value!);
        w.evicted++;
      }
      c = count();
      w.clients.set(detached(client), c);
    }
    add(c, status);
  }

  /** The current window and the one before it (undefined until a window has ended). */
  snapshot(now: number): { current: WindowSnapshot; previous: WindowSnapshot | undefined } {
    const current = this.windowAt(now);
    return { current: this.view(current), previous: this.previous === undefined ? undefined : this.view(this.previous) };
  }

  private view(w: Window): WindowSnapshot {
    const byClass: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    for (const [status, n] of [...w.byStatus].sort((a, b) => a[0] - b[0])) {
      byStatus[String(status)] = n;
      const cls = `${Math.floor(status / 100)}xx`;
      byClass[cls] = (byClass[cls] ?? 0) + n;
    }
    return Object.freeze({
      since: new Date(w.start).toISOString(),
      window: this.windowMs / 1000,
      total: w.total,
      byClass,
      byStatus,
      paths: [...w.paths].map(([path, c]) => ({ path, ...c })).sort((a, b) => b.requests - a.requests),
      otherPaths: { ...w.other },
      clients: [...w.clients].map(([client, c]) => ({ client, ...c })).sort((a, b) => b.requests - a.requests),
      evictedClients: w.evicted,
    });
  }
}
