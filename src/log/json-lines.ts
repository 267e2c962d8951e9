import { checkKeys, configError, describeValue, numberOption, optionsObject } from '../core/options.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';
import { inertJson } from '../output/index.ts';
import { isValidEventName } from './events.ts';
import { toRow, warmFields } from './fields.ts';

/** Where a {@link jsonLinesSink} writes: `process.stderr` by default, or anything with `write(line)`. */
export interface LineWriter {
  write(line: string): unknown;
}

/** Options of {@link jsonLinesSink}. */
export interface JsonLinesSinkOptions {
  /** Destination. Default `process.stderr`. */
  stream?: LineWriter;
  /** Most lines per event type per interval; the rest are counted and reported in one line. Default 100. */
  maxPerInterval?: number;
  /** Length of the rate-limit interval in seconds. Default 10. */
  interval?: number;
}

/** pino's numeric levels: 30 info, 40 warn, 50 error. */
const LEVELS: Readonly<Record<string, number>> = {
  LOGIN_SUCCESS: 30,
  LOGOUT: 30,
  PASSWORD_CHANGED: 30,
  PASSWORD_RESET_REQUESTED: 30,
  PASSWORD_RESET_COMPLETED: 30,
  SESSION_CREATED: 30,
  SESSION_DESTROYED: 30,
  SESSION_EXPIRED: 30,
  RATE_LIMIT_STORE_RECOVERED: 30,
  SESSION_FIXATION_ATTEMPT: 50,
  PATH_TRAVERSAL_ATTEMPT: 50,
  SUSPICIOUS_INPUT: 50,
  LOG_EVENTS_DROPPED: 50,
  RATE_LIMIT_STORE_DOWN: 50,
  ALERT: 50,
};

/** One event as a pino-compatible JSON object, its fields cleaned like the SecurityLog's (throws on malformed fields). */
function formatLine(record: SecurityEventRecord): string {
  const row = toRow(record.event, record, 1024);
  return JSON.stringify({
    level: LEVELS[row.event] ?? 40,
    time: row.time,
    msg: row.event,
    name: 'rampart',
    event: row.event,
    ...(row.ip !== null ? { ip: row.ip } : {}),
    ...(row.userId !== null ? { userId: row.userId } : {}),
    ...(row.path !== null ? { path: row.path } : {}),
    ...(row.userAgent !== null ? { userAgent: row.userAgent } : {}),
    ...(row.detail !== null ? { detail: row.detail } : {}),
  });
}

interface Budget {
  windowStart: number;
  lines: number;
  suppressed: number;
}

/**
 * The light default event sink: one JSON line per security event (pino-compatible field
 * names: `level`, `time`, `msg`, plus `event`, `ip`, `userId`, `userAgent`, `path`,
 * `detail`), with no database. Fields are escaped, truncated and redacted exactly as the
 * SecurityLog stores them. Volume is bounded: at most `maxPerInterval` lines per event type
 * per interval; the rest are counted and reported as one `"… suppressed"` line when the
 * interval ends, so an attack cannot flood the process's stderr.
 *
 * @example
 * rampart({ log: jsonLinesSink({ stream: process.stdout }) });
 */
export function jsonLinesSink(options: JsonLinesSinkOptions = {}): EventSink & { close(): void } {
  checkKeys(optionsObject(options, 'jsonLinesSink'), ['stream', 'maxPerInterval', 'interval'], 'jsonLinesSink');
  const stream = options.stream ?? process.stderr;
  if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') {
    throw configError(`jsonLinesSink: stream must have a write(line) method, like process.stderr (got ${describeValue(stream)}).`);
  }
  const maxPerInterval = numberOption(options.maxPerInterval ?? 100, 'jsonLinesSink: maxPerInterval', 1, 1_000_000);
  const intervalMs = numberOption(options.interval ?? 10, 'jsonLinesSink: interval', 0.001, 86_400, false) * 1000;
  const budgets = new Map<string, Budget>();
  let timer: NodeJS.Timeout | undefined;

  const write = (line: string): void => {
    try {
      stream.write(`${inertJson(line)}\n`);
    } catch {
      // A closed or broken stream must never break the request path.
    }
  };

  const reportSuppressed = (event: string, budget: Budget): void => {
    if (budget.suppressed === 0) return;
    const n = budget.suppressed;
    budget.suppressed = 0;
    write(
      JSON.stringify({
        level: 40,
        time: Date.now(),
        msg: `${n} ${event} event(s) suppressed in the last ${intervalMs / 1000} s`,
        event,
        suppressed: n,
        name: 'rampart',
      }),
    );
  };

  const sweep = (): void => {
    const now = Date.now();
    for (const [event, budget] of budgets) {
      if (now - budget.windowStart < intervalMs) continue;
      reportSuppressed(event, budget);
      budgets.delete(event);
    }
    if (budgets.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  // The first line's field cleaning and escaping cost ~3 ms of expression compiling: pay it now,
  // not on the request that raises the first event.
  warmFields();
  inertJson('{"warm":"\\u202e"}');

  return {
    emit(record: SecurityEventRecord): void {
      try {
        if (typeof record !== 'object' || record === null || !isValidEventName(record.event)) return;
        const now = Date.now();
        let budget = budgets.get(record.event);
        if (budget !== undefined && now - budget.windowStart >= intervalMs) {
          reportSuppressed(record.event, budget);
          budget = undefined;
        }
        if (budget === undefined) {
          budget = { windowStart: now, lines: 0, suppressed: 0 };
          budgets.set(record.event, budget);
          if (timer === undefined) {
            timer = setInterval(sweep, intervalMs);
            timer.unref();
          }
        }
        if (budget.lines >= maxPerInterval) {
          budget.suppressed++;
          return;
        }
        budget.lines++;
        write(formatLine(record));
      } catch {
        // Malformed fields: nothing is written (an EventSink never throws).
      }
    },
    /** Report what is still suppressed and stop the interval timer. */
    close(): void {
      for (const [event, budget] of budgets) reportSuppressed(event, budget);
      budgets.clear();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
