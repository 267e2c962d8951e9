/**
 * A record of the configuration every shield (and cookie-setting component) resolves, for
 * `rampart check --app`: the check's preload turns recording on before the app is imported,
 * then reads what the app really built. Off by default: recording costs one global lookup
 * per construction and keeps nothing. The list lives on a `Symbol.for` key so that every
 * copy of rampart in the process (the app's and the CLI's) writes to the same one.
 */
const KEY = Symbol.for('rampart.configRecords');

/** What a component recorded: its kind, the options it was given, the warnings it raised and its SecurityLog. */
export interface ConfigRecord {
  kind: 'rampart' | 'sessions' | 'cookie';
  options: unknown;
  warnings: readonly string[];
  /** The SecurityLog the component writes to, if any (the check reads runtime warnings from it). */
  log?: unknown;
  /** A shield's identity (its view context), to ask {@link wasMounted} whether an adapter runs it. */
  shield?: object;
}

// The shields an adapter method was called for (shield.node(), .express(), .fastify(), …).
const MOUNTS = Symbol.for('rampart.mountedShields');

type Holder = { [KEY]?: ConfigRecord[]; [MOUNTS]?: WeakSet<object> };

/** Record a component's configuration when `rampart check --app` is listening (no-op otherwise). */
export function recordConfig(kind: ConfigRecord['kind'], options: unknown, warnings: readonly string[] = [], log?: unknown, shield?: object): void {
  const list = (globalThis as Holder)[KEY];
  if (list !== undefined && list.length < 1000)
    list.push({ kind, options, warnings: [...warnings], ...(log !== undefined ? { log } : {}), ...(shield !== undefined ? { shield } : {}) });
}

/** Record that an adapter was made for `shield` (its view context), when recording is on. */
export function recordMount(shield: object): void {
  const holder = globalThis as Holder;
  if (holder[KEY] === undefined) return;
  holder[MOUNTS] ??= new WeakSet();
  holder[MOUNTS].add(shield);
}

/** Whether an adapter was made for `shield` since recording started. */
export function wasMounted(shield: object): boolean {
  return (globalThis as Holder)[MOUNTS]?.has(shield) === true;
}

/** Turn recording on for this process and return the live list (used by the check's preload). */
export function startRecording(): ConfigRecord[] {
  const holder = globalThis as Holder;
  holder[KEY] ??= [];
  return holder[KEY];
}
