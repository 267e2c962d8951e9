import type { CompiledRule } from './options.ts';
import { detached, fingerprint, FINGERPRINT_BYTES, KEY_OVERHEAD_BYTES, stringBytes } from './retained.ts';

interface KeyWindow {
  start: number;
  count: number;
  /** The rule fired for this key in this window: no second alert until the window ends. */
  fired: boolean;
  /** Fingerprints of the distinct values seen (scanning: 404 paths), at most `threshold`, dropped once the rule fired. */
  distinct: Set<number> | undefined;
  /** A few paths for the alert (detached copies of at most SAMPLE_PATH_CHARS), dropped once the rule fired. */
  paths: string[];
  /**
   * The one source (client key) every counted event came from; false once two sources (or an
   * event without one) counted; undefined before the first event.
   */
  source: string | false | undefined;
  /** Estimated bytes this key holds (key text, window, fingerprints, samples). */
  bytes: number;
}

/** What one counted event did: the count so far, and whether it crossed the threshold now. */
export interface Hit {
  readonly count: number;
  readonly fired: boolean;
  readonly paths: readonly string[];
  /** When it fired: the source every counted event came from, if they all came from one. */
  readonly soleSource?: string;
}

const NO_HIT: Hit = Object.freeze({ count: 0, fired: false, paths: [] });
const MAX_SOURCE_CHARS = 200;
const SAMPLE_PATHS = 5;
const SAMPLE_PATH_CHARS = 200;

/**
 * One rule's counts per key (client or account) in bounded memory. Each key's window starts
 * at its first event and lasts the rule's window; the rule fires once when the count reaches
 * the threshold and stays quiet for that key until the window ends (de-duplication). Distinct
 * values are kept as fixed-size fingerprints, at most `threshold` per key. At most `maxKeys`
 * keys are tracked and their estimated bytes stay within `maxStateBytes`; beyond either, the
 * oldest key is forgotten.
 */
export class RuleCounter {
  readonly rule: CompiledRule;
  private readonly keys = new Map<string, KeyWindow>();
  private readonly maxKeys: number;
  private readonly maxStateBytes: number;
  /** Keys forgotten to stay within maxKeys or maxStateBytes. */
  evicted = 0;
  /** Estimated bytes held by all keys. */
  bytes = 0;

  constructor(rule: CompiledRule, maxKeys: number, maxStateBytes: number) {
    this.rule = rule;
    this.maxKeys = maxKeys;
    this.maxStateBytes = maxStateBytes;
  }

  private grow(w: KeyWindow, bytes: number): void {
    w.bytes += bytes;
    this.bytes += bytes;
    // Forget the oldest keys (never the one counting now) until the estimate fits.
    while (this.bytes > this.maxStateBytes && this.keys.size > 1) {
      const [oldest, ow] = this.keys.entries().next().value!;
      if (ow === w) break;
      this.forget(oldest, ow);
      this.evicted++;
    }
  }

  private forget(key: string, w: KeyWindow): void {
    this.keys.delete(key);
    this.bytes -= w.bytes;
  }

  /**
   * Count one event for `key`. With `distinct`, the count is the number of different
   * `distinct` values in the window (fingerprints of at most `threshold` are remembered).
   * `source` is who caused the event (an account rule: the client key); the hit that fires
   * tells whether every counted event came from that one source.
   */
  hit(key: string, now: number, path: string | undefined, distinct?: string, source?: string): Hit {
    let w = this.keys.get(key);
    if (w === undefined || now - w.start >= this.rule.windowMs || now < w.start) {
      if (w !== undefined) this.forget(key, w);
      else if (this.keys.size >= this.maxKeys) {
        const [oldest, ow] = this.keys.entries().next().value!;
        this.forget(oldest, ow);
        this.evicted++;
      }
      const own = detached(key);
      w = { start: now, count: 0, fired: false, distinct: distinct === undefined ? undefined : new Set(), paths: [], source: undefined, bytes: 0 };
      this.keys.set(own, w);
      this.grow(w, KEY_OVERHEAD_BYTES + stringBytes(own.length));
    }
    if (w.fired) {
      w.count++;
      return NO_HIT;
    }
    let added = 0;
    if (distinct !== undefined) {
      const print = fingerprint(distinct);
      if (w.distinct!.has(print)) return NO_HIT;
      w.distinct!.add(print);
      added += FINGERPRINT_BYTES;
    }
    w.count++;
    // An unknown or overlong source counts as another source: coalescing is never guessed.
    const known = source !== undefined && source.length <= MAX_SOURCE_CHARS ? source : undefined;
    if (w.source === undefined) {
      w.source = known === undefined ? false : detached(known);
      if (w.source !== false) added += stringBytes(w.source.length);
    } else if (w.source !== false && w.source !== known) w.source = false;
    if (path !== undefined && w.paths.length < SAMPLE_PATHS) {
      const sample = detached(path, SAMPLE_PATH_CHARS);
      if (!w.paths.includes(sample)) {
        w.paths.push(sample);
        added += stringBytes(sample.length);
      }
    }
    if (w.count < this.rule.threshold) {
      if (added > 0) this.grow(w, added);
      return NO_HIT;
    }
    w.fired = true;
    const hit: Hit = { count: w.count, fired: true, paths: w.paths, ...(w.source !== false && w.source !== undefined ? { soleSource: w.source } : {}) };
    // After firing the key only counts: its fingerprints, samples and source are released.
    w.distinct = undefined;
    w.paths = [];
    w.source = false;
    const kept = KEY_OVERHEAD_BYTES + stringBytes(key.length);
    this.bytes -= w.bytes - kept;
    w.bytes = kept;
    return hit;
  }

  /** Keys tracked now (tests, stats). */
  get size(): number {
    return this.keys.size;
  }
}

/**
 * True when the canonical `path` is, or is under, one of `prefixes`: `/.env` matches
 * `/.env`, `/.env.local` and `/app/.env`, but not `/.environment`; `/.git` matches
 * `/.git/config` but not `/.github`. A prefix may also appear after any segment boundary,
 * since scanners probe `/.git/` under every directory.
 */
export function isSensitivePath(path: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) {
    let at = path.indexOf(prefix);
    while (at !== -1) {
      const next = path.charCodeAt(at + prefix.length);
      // end, '/' or the '.' of a suffix (/.env.local, /wp-login.php.bak)
      if (Number.isNaN(next) || next === 0x2f || (next === 0x2e && isFileSuffix(path, at + prefix.length))) return true;
      at = path.indexOf(prefix, at + 1);
    }
  }
  return false;
}

/** `.local`, `.bak`, `.php~`: a dot and a short suffix up to the end of the segment. */
function isFileSuffix(path: string, dot: number): boolean {
  const end = path.indexOf('/', dot);
  const suffix = path.slice(dot + 1, end === -1 ? undefined : end);
  return suffix.length > 0 && suffix.length <= 16;
}
