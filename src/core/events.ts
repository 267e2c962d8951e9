import type { EventSink, SecurityEventRecord } from './types.ts';

let defaultSink: EventSink | undefined;

/**
 * Install the process-wide default event sink. `rampart/log`'s `setSecurityLog()` calls
 * this, so middleware without an explicit sink feed the global SecurityLog.
 */
export function setDefaultEventSink(sink: EventSink | undefined): void {
  defaultSink = sink;
}

/** The process-wide default event sink, if one is installed. */
export function getDefaultEventSink(): EventSink | undefined {
  return defaultSink;
}

/** An event sink that forwards to whatever default sink is installed at emit time. */
export const globalEventSink: EventSink = {
  emit(record: SecurityEventRecord): void {
    const sink = defaultSink;
    if (sink === undefined) return;
    try {
      sink.emit(record);
    } catch {
      // A sink must never break the request path; SecurityLog counts its own failures.
    }
  },
};

/** Emit through `sink`, swallowing sink errors (the request path must not fail on logging). */
export function safeEmit(sink: EventSink, record: SecurityEventRecord): void {
  try {
    sink.emit(record);
  } catch {
    // see globalEventSink
  }
}

const announced = new Set<string>();

/**
 * Announce a relaxation of a safe default (CSP 'unsafe-inline', CORS '*', trustProxy: true,
 * fail-open limiter, exempt path …) once per process: one console line and a
 * CONFIG_WARNING event, so operators see it and `rampart check` can count it.
 */
export function warnConfig(message: string, sink: EventSink = globalEventSink): void {
  if (announced.has(message)) return;
  announced.add(message);
  if (process.env.RAMPART_SILENT !== '1') console.warn(`[rampart] warning: ${message}`);
  safeEmit(sink, { event: 'CONFIG_WARNING', detail: message });
}

/** Every configuration warning announced so far in this process (for `rampart check`). */
export function configWarnings(): readonly string[] {
  return [...announced];
}
