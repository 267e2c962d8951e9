import type { CompiledRule } from './options.ts';

interface KeyWindow {
  start: number;
  count: number;
  /** The rule fired for this key in this window: no second alert until the window ends. */
  fired: boolean;
  /** Distinct values seen (scanning: 404 paths), dropped once the rule fired. */
  distinct: Set<string> | undefined;
  /** A few paths for the alert. */
  paths: string[];
}

/** What one counted event did: the count so far, and whether it crossed the threshold now. */
export interface Hit {
  readonly count: number;
  readonly fired: boolean;
  readonly paths: readonly string[];
}

const NO_HIT: Hit = Object.freeze({ count: 0, fired: false, paths: [] });
const SAMPLE_PATHS = 5;
const SAMPLE_PATH_CHARS = 200;

/**
 * One rule's counts per key (client or account) in bounded memory. Each key's window starts
 * at its first event and lasts the rule's window; the rule fires once when the count reaches
 * the threshold and stays quiet for that key until the window ends (de-duplication). At most
 * `maxKeys` keys are tracked; beyond that the oldest key is forgotten.
 */
export class RuleCounter {
  readonly rule: CompiledRule;
  private readonly keys = new Map<string, KeyWindow>();
  private readonly maxKeys: number;
  /** Keys forgotten to stay within maxKeys. */
  evicted = 0;

  constructor(rule: CompiledRule, maxKeys: number) {
    this.rule = rule;
    this.maxKeys = maxKeys;
  }

  /**
   * Count one event for `key`. With `distinct`, the count is the number of different
   * `distinct` values in the window (at most `threshold` are remembered).
   */
  hit(key: string, now: number, path: string | undefined, distinct?: string): Hit {
    let w = this.keys.get(key);
    if (w === undefined || now - w.start >= this.rule.windowMs || now < w.start) {
      if (w !== undefined) this.keys.delete(key);
      else if (this.keys.size >= this.maxKeys) {
        this.keys.delete(this.keys.keys().next().value!);
        this.evicted++;
      }
      w = { start: now, count: 0, fired: false, distinct: distinct === undefined ? undefined : new Set(), paths: [] };
      this.keys.set(key, w);
    }
    if (w.fired) {
      w.count++;
      return NO_HIT;
    }
    if (distinct !== undefined) {
      if (w.distinct!.has(distinct)) return NO_HIT;
      w.distinct!.add(distinct);
    }
    w.count++;
    if (path !== undefined && w.paths.length < SAMPLE_PATHS && !w.paths.includes(path)) w.paths.push(path.slice(0, SAMPLE_PATH_CHARS));
    if (w.count < this.rule.threshold) return NO_HIT;
    w.fired = true;
    w.distinct = undefined;
    return { count: w.count, fired: true, paths: w.paths };
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
