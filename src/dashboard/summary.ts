/**
 * What the dashboard shows, computed from a {@link LogReader}: events over time per type, the top
 * IPs, rejections per HTTP status over time, counts per type and the latest events. Every text
 * field is made inert (the page script writes text nodes only, where a bidi override would
 * still reorder what a reader sees).
 */
import type { LogReader } from '../log/reader.ts';
import type { SecurityLogRow } from '../log/store-query.ts';
import { inertText } from '../output/index.ts';

/** One event as the page and the live stream carry it: a log row with its time as ISO 8601 text. */
export interface DashboardRow extends Omit<SecurityLogRow, 'timestamp'> {
  /** ISO 8601. */
  timestamp: string;
}

/** The body of `<mount>/api/summary`. */
export interface DashboardSummary {
  generatedAt: string;
  windowHours: number;
  bucketSeconds: number;
  /** Highest event id included: the live stream sends the ones above it. */
  lastId: number;
  /** Events per type over time: `times` are bucket starts (Unix seconds); one series per type (the 8 most frequent, the rest as OTHER). */
  timeline: { times: number[]; series: Array<{ event: string; counts: number[] }> };
  /** Rejections rampart answered, per status over time (same buckets as `timeline`). */
  statuses: { times: number[]; series: Array<{ status: number; counts: number[] }> };
  counts: Array<{ event: string; count: number }>;
  topIps: Array<{ ip: string; count: number }>;
  recent: DashboardRow[];
  /** With a `monitor`: all responses of its previous and current windows, with the 4xx and 5xx among them. */
  responses?: Array<{ since: string; window: number; total: number; clientErrors: number; serverErrors: number }>;
}

/** The status each rejection event was answered with. */
export const EVENT_STATUS: Readonly<Record<string, number>> = Object.freeze({
  INVALID_HOST: 400,
  INVALID_REQUEST_TARGET: 400,
  AUTH_REQUIRED: 401,
  INVALID_TOKEN: 401,
  CSRF_VIOLATION: 403,
  PERMISSION_DENIED: 403,
  BLOCKED_IP_REQUEST: 403,
  BODY_LIMIT_EXCEEDED: 413,
  RATE_LIMIT_HIT: 429,
});

const SERIES = 8;
const inert = (v: string | null): string | null => (v === null ? null : inertText(v));

/** A row for the page (inert text, ISO time). */
export function dashboardRow(r: SecurityLogRow): DashboardRow {
  return {
    id: r.id,
    event: inertText(r.event),
    userId: inert(r.userId),
    ipAddress: inert(r.ipAddress),
    userAgent: inert(r.userAgent),
    path: inert(r.path),
    detail: inert(r.detail),
    timestamp: r.timestamp.toISOString(),
  };
}

/** Bucket size for a window: hourly up to two days, then every 6 hours. */
export function bucketFor(hours: number): number {
  return hours <= 48 ? 3600 : 6 * 3600;
}

/** Compute the summary of the last `hours` hours. */
export async function summarize(reader: LogReader, hours: number): Promise<DashboardSummary> {
  const bucketSeconds = bucketFor(hours);
  const now = Date.now();
  const start = Math.floor((now - hours * 3_600_000) / 1000 / bucketSeconds) * bucketSeconds;
  const since = new Date(start * 1000);
  const lastId = await reader.newestId();
  const [buckets, counts, topIps, recent] = [
    await reader.eventsOverTime(since, bucketSeconds),
    await reader.countsByEvent(since),
    await reader.topIps(since, 10),
    await reader.getRecent({ limit: 50 }),
  ];
  const times: number[] = [];
  for (let t = start; t <= now / 1000; t += bucketSeconds) times.push(t);
  const slot = new Map(times.map((t, i) => [t, i]));
  const shown = counts.slice(0, SERIES).map((c) => c.event);
  const other = counts.length > SERIES;
  const timeline = new Map<string, number[]>([...shown, ...(other ? ['OTHER'] : [])].map((e) => [e, times.map(() => 0)]));
  const statuses = new Map<number, number[]>();
  for (const b of buckets) {
    const i = slot.get(b.bucket.getTime() / 1000);
    if (i === undefined) continue;
    const series = timeline.get(b.event) ?? timeline.get('OTHER');
    if (series !== undefined) series[i] = (series[i] ?? 0) + b.count;
    const status = EVENT_STATUS[b.event];
    if (status !== undefined) {
      const s = statuses.get(status) ?? times.map(() => 0);
      statuses.set(status, s);
      s[i] = (s[i] ?? 0) + b.count;
    }
  }
  return {
    generatedAt: new Date(now).toISOString(),
    windowHours: hours,
    bucketSeconds,
    lastId,
    timeline: { times, series: [...timeline].map(([event, c]) => ({ event: inertText(event), counts: c })) },
    statuses: { times, series: [...statuses].sort((a, b) => a[0] - b[0]).map(([status, c]) => ({ status, counts: c })) },
    counts: counts.map((c) => ({ event: inertText(c.event), count: c.count })),
    topIps: topIps.map((c) => ({ ip: inertText(c.ip), count: c.count })),
    recent: recent.map(dashboardRow),
  };
}
