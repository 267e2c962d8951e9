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

// Message → stable topic ('csrf.off', 'csp.script-inline', …), on a Symbol.for key so every
// copy of rampart in the process (the app's and the CLI's) shares it; `rampart check` maps
// topics to its dedicated rules instead of matching message text.
const TOPICS = Symbol.for('rampart.configWarningTopics');

function warningTopics(): Map<string, string> {
  const holder = globalThis as { [TOPICS]?: Map<string, string> };
  holder[TOPICS] ??= new Map();
  return holder[TOPICS];
}

/**
 * The stable topic a configuration warning was raised with (see {@link warnConfig}), or
 * undefined when it was raised without one.
 */
export function configWarningTopic(message: string): string | undefined {
  return warningTopics().get(message);
}

/**
 * Announce a relaxation of a safe default (CSP 'unsafe-inline', CORS '*', trustProxy: true,
 * fail-open limiter, exempt path …) once per process: one console line and a
 * CONFIG_WARNING event, so operators see it and `rampart check` can count it. `topic` is a
 * stable name for the cause (`'csrf.off'`), so tools can recognise it without reading the text.
 */
export function warnConfig(message: string, sink: EventSink = globalEventSink, topic?: string): void {
  if (topic !== undefined) warningTopics().set(message, topic);
  // While a preset is being built, its warnings are held for its own log (see
  // collectConfigWarnings), even when another shield announced them already.
  if (collecting !== undefined && !collecting.includes(message)) collecting.push(message);
  if (announceOnce(message) && collecting === undefined) safeEmit(sink, { event: 'CONFIG_WARNING', detail: message });
}

/** Write the console line and record the message for `rampart check`, once per process; true the first time. */
function announceOnce(message: string): boolean {
  if (announced.has(message)) return false;
  announced.add(message);
  if (process.env.RAMPART_SILENT !== '1') console.warn(`[rampart] warning: ${message}`);
  return true;
}

/**
 * Like {@link warnConfig}, for a problem each shield detects on its own at runtime (a
 * proxy in front of it while trustProxy is off): the console line and the entry counted by
 * `rampart check` appear once per process, the CONFIG_WARNING event reaches every sink it
 * is raised for (each shield's log learns of it). Callers raise it once per shield.
 */
export function warnConfigPerSink(message: string, sink: EventSink): void {
  announceOnce(message);
  safeEmit(sink, { event: 'CONFIG_WARNING', detail: message });
}

let collecting: string[] | undefined;

/**
 * Run `build` and return the configuration warnings it raised (announced now or earlier in
 * this process), without emitting their CONFIG_WARNING events: the caller replays them into
 * the sink it ends up with (the `rampart()` preset builds its middleware before its log).
 * The console line is still written once per process. Nested calls share the outer list.
 */
export function collectConfigWarnings<T>(build: () => T): { value: T; warnings: readonly string[] } {
  if (collecting !== undefined) return { value: build(), warnings: [] };
  const warnings: string[] = [];
  collecting = warnings;
  try {
    return { value: build(), warnings };
  } finally {
    collecting = undefined;
  }
}

/** Every configuration warning announced so far in this process (for `rampart check`). */
export function configWarnings(): readonly string[] {
  return [...announced];
}
