import { globalEventSink } from '../core/events.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../core/options.ts';
import type { EventSink } from '../core/types.ts';
import { memoryStore } from '../stores/memory.ts';
import type { RateLimitStore } from '../stores/types.ts';

/** Options of {@link blocklist}. */
export interface BlocklistOptions {
  /** Where blocks are shared (default: in memory). With Redis/PostgreSQL every server sees every block. */
  store?: RateLimitStore;
  /** With a remote store: how often the local copy is refreshed, in seconds (default 5). */
  syncInterval?: number;
  /** Default block duration in seconds (default 3600). */
  defaultSeconds?: number;
  /** Where IP_BLOCKED events of `block()` go (requests use the stack's sink). Default: the global SecurityLog. */
  events?: EventSink;
  /** Salt for stored account digests (recommended with a shared store). */
  secret?: string;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** The validated, frozen configuration {@link blocklist} runs on. */
export interface BlocklistConfig {
  /** The store holding the blocks (the caller's, or a new memory store). */
  readonly store: RateLimitStore;
  /** True for a shared (Redis/PostgreSQL) store: the local copy is refreshed every `syncMs`. */
  readonly remote: boolean;
  readonly syncMs: number;
  readonly defaultSeconds: number;
  /** Salt for account digests, if any. */
  readonly secret: string | undefined;
  readonly clock: () => number;
  readonly sink: EventSink;
}

const KEYS = ['store', 'syncInterval', 'defaultSeconds', 'events', 'secret', 'now'] as const;

function isBlockStore(value: unknown): value is RateLimitStore {
  const s = value as RateLimitStore | null;
  return typeof s === 'object' && s !== null && typeof s.block === 'function' && typeof s.blocks === 'function';
}

/**
 * Validate and normalise {@link BlocklistOptions} once (defaults applied, seconds turned
 * into milliseconds, the store chosen). Throws RampartError (ERR_RAMPART_CONFIG /
 * ERR_RAMPART_UNKNOWN_OPTION) with the fix. The result is frozen.
 */
export function compileBlocklistOptions(options: BlocklistOptions = {}): BlocklistConfig {
  const o = optionsObject(options, 'blocklist') as BlocklistOptions;
  checkKeys(o, KEYS, 'blocklist');
  if (o.store !== undefined && !isBlockStore(o.store))
    throw configError('blocklist.store must be a rampart store (memoryStore(), redisStore(…), postgresStore(…)).');
  const syncMs = (o.syncInterval === undefined ? 5 : numberOption(o.syncInterval, 'blocklist.syncInterval', 0.1, 3600, false)) * 1000;
  const defaultSeconds = o.defaultSeconds === undefined ? 3600 : numberOption(o.defaultSeconds, 'blocklist.defaultSeconds', 1, 31_536_000, false);
  if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 16))
    throw configError('blocklist.secret must be a string of at least 16 characters.');
  if (o.now !== undefined && typeof o.now !== 'function') throw configError('blocklist.now must be a function returning epoch milliseconds.');
  if (o.events !== undefined && typeof (o.events as EventSink | null)?.emit !== 'function')
    throw configError('blocklist.events must be an event sink ({ emit(record) }), such as a SecurityLog.');
  const store = o.store ?? memoryStore();
  return Object.freeze({
    store,
    remote: store.kind !== 'memory',
    syncMs,
    defaultSeconds,
    secret: o.secret,
    clock: o.now ?? Date.now,
    sink: o.events ?? globalEventSink,
  });
}
