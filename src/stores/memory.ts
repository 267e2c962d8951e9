import { checkKeys, numberOption, optionsObject } from '../core/options.ts';
import { toRateDecision, freshState, step } from './algorithms.ts';
import type { BlockEntry, CounterState, Policy, RateDecision, RateLimitStore } from './types.ts';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most counters kept at once (default 200,000, about 30 MB). When full, the least
   * recently refreshed key is evicted, so a flood of spoofed keys cannot exhaust memory.
   */
  maxKeys?: number;
  /** How often expired counters are swept, in seconds (default 60). */
  sweepInterval?: number;
}

// consumeAll's undo log: the counters it stepped and their states before (synchronous, reused).
const touched: Array<CounterState | undefined> = [];
const saved: number[] = [];

interface Entry extends CounterState {
  /** Insertion sequence number (approximate LRU: refreshed entries are re-inserted). */
  seq: number;
}

/** True when a counter holds nothing that still matters at `now` (safe to forget). */
function expired(policy: Policy, entry: CounterState, now: number): boolean {
  switch (policy.algorithm) {
    case 'sliding-window':
      // entry.a is the last admission: a window later nothing it counted weighs anything.
      return now >= entry.a + policy.windowMs;
    case 'fixed-window':
      return now >= entry.a + policy.windowMs;
    case 'token-bucket':
      return entry.b + ((now - entry.a) * policy.limit) / policy.windowMs >= policy.limit;
    case 'gcra':
      return entry.a <= now;
  }
}

/** A memory store; `size` is the number of counters held. */
export interface MemoryStore extends RateLimitStore {
  readonly kind: 'memory';
  consume(key: string, policy: Policy, now: number, cost?: number): RateDecision;
  get(key: string, policy: Policy, now: number): RateDecision | undefined;
  /**
   * Count one request for `key` under every policy, all or nothing, in one pass: when one
   * refuses, every counter stepped is restored, so a refused request is counted by none.
   * Returns -1 with `out[i]` the decision of `policies[i]`, or the index of the first policy
   * that refused with `out[i]` each policy's current state (as {@link MemoryStore.get}).
   */
  consumeAll(key: string, policies: readonly Policy[], now: number, out: Array<RateDecision | undefined>): number;
  reset(key: string, policy?: Policy): void;
  block(target: string, until: number, reason: string): void;
  unblock(target: string): void;
  blocked(target: string, now: number): BlockEntry | undefined;
  blocks(now: number): BlockEntry[];
  close(): void;
  /** Number of counters currently held. */
  readonly size: number;
  /** Drop every counter whose state has expired at `now`. */
  sweep(now: number): void;
}

/**
 * The default store: counters in one process's memory, decisions synchronous. Bounded:
 * expired keys are swept periodically and the total is capped with LRU-style eviction.
 *
 * @example
 * const limiter = rateLimit({ maxRequests: 100, window: 60, store: memoryStore({ maxKeys: 50_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkKeys(optionsObject(options, 'memoryStore'), ['maxKeys', 'sweepInterval'], 'memoryStore');
  const maxKeys = options.maxKeys === undefined ? 200_000 : numberOption(options.maxKeys, 'memoryStore.maxKeys', 1, 100_000_000);
  const sweepMs = (options.sweepInterval === undefined ? 60 : numberOption(options.sweepInterval, 'memoryStore.sweepInterval', 0.01, 86_400, false)) * 1000;
  const refreshAfter = Math.max(1, maxKeys >> 1);
  // One map per policy id: the client key string is used as is (its hash is cached by V8).
  const maps = new Map<string, Map<string, Entry>>();
  const policies = new Map<string, Policy>();
  let total = 0;
  const blockMap = new Map<string, BlockEntry>();
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastPolicy: Policy | undefined;
  let lastMap: Map<string, Entry> | undefined;

  const startSweeper = (): void => {
    if (timer !== undefined || closed) return;
    timer = setInterval(() => store.sweep(Date.now()), sweepMs);
    timer.unref();
  };

  const mapOf = (policy: Policy): Map<string, Entry> => {
    if (policy === lastPolicy) return lastMap!;
    let m = maps.get(policy.id);
    if (m === undefined) {
      m = new Map();
      maps.set(policy.id, m);
      policies.set(policy.id, policy);
    }
    lastPolicy = policy;
    lastMap = m;
    return m;
  };

  // Evict in batches: V8 leaves deleted Map slots in place until the next rehash, so
  // starting a fresh iterator per eviction would rescan them (quadratic under a flood).
  const evictBatch = Math.max(1, maxKeys >> 6);
  const evict = (preferred: Map<string, Entry>): void => {
    let victim = preferred;
    if (victim.size === 0) for (const m of maps.values()) if (m.size > victim.size) victim = m;
    // Map iteration is insertion order: the first keys are the least recently refreshed.
    let n = 0;
    for (const k of victim.keys()) {
      victim.delete(k);
      total--;
      if (++n >= evictBatch) break;
    }
  };

  /** The counter of `key` under `policy`, created fresh or refreshed in the eviction order. */
  const entryOf = (key: string, policy: Policy, now: number): Entry => {
    const m = mapOf(policy);
    let entry = m.get(key);
    if (entry === undefined) {
      if (timer === undefined) startSweeper();
      if (total >= maxKeys) evict(m);
      const fresh = freshState(policy, now);
      entry = { a: fresh.a, b: fresh.b, c: fresh.c, seq: ++seq };
      m.set(key, entry);
      total++;
    } else if (seq - entry.seq > refreshAfter) {
      // Keep hot keys away from the eviction end without paying a re-insert per hit.
      m.delete(key);
      entry.seq = ++seq;
      m.set(key, entry);
    }
    return entry;
  };

  /** A cost-0 consume: the decision on a copy, so no counter is created, moved or evicted. */
  const peek = (key: string, policy: Policy, now: number): RateDecision => {
    const entry = maps.get(policy.id)?.get(key);
    const state: CounterState = entry === undefined ? freshState(policy, now) : { a: entry.a, b: entry.b, c: entry.c };
    return toRateDecision(policy, state, now, step(policy, state, now, 0));
  };

  const store: MemoryStore = {
    kind: 'memory',
    get size() {
      return total;
    },
    consume(key, policy, now, cost = 1) {
      if (cost === 0) return peek(key, policy, now);
      const entry = entryOf(key, policy, now);
      const allowed = step(policy, entry, now, cost);
      return toRateDecision(policy, entry, now, allowed);
    },
    get(key, policy, now) {
      const entry = maps.get(policy.id)?.get(key);
      if (entry === undefined) return undefined;
      const copy: CounterState = { a: entry.a, b: entry.b, c: entry.c };
      step(policy, copy, now, 0);
      const d = toRateDecision(policy, copy, now, true);
      return d.remaining >= 1 ? d : toRateDecision(policy, copy, now, false);
    },
    consumeAll(key, policies, now, out) {
      const n = policies.length;
      for (let i = 0; i < n; i++) {
        const policy = policies[i]!;
        const entry = entryOf(key, policy, now);
        touched[i] = entry;
        saved[3 * i] = entry.a;
        saved[3 * i + 1] = entry.b;
        saved[3 * i + 2] = entry.c;
        if (!step(policy, entry, now, 1)) {
          // Restore every counter stepped, the refusing one too (a refused step may have
          // normalised its state: a token bucket refilled to now): nothing changes at all.
          for (let j = 0; j <= i; j++) {
            const e = touched[j]!;
            e.a = saved[3 * j]!;
            e.b = saved[3 * j + 1]!;
            e.c = saved[3 * j + 2]!;
          }
          touched.fill(undefined, 0, i + 1);
          for (let j = 0; j < n; j++) out[j] = store.get(key, policies[j]!, now);
          return i;
        }
        out[i] = toRateDecision(policy, entry, now, true);
      }
      touched.fill(undefined, 0, n);
      return -1;
    },
    reset(key, policy) {
      if (policy !== undefined) {
        if (maps.get(policy.id)?.delete(key) === true) total--;
        return;
      }
      for (const m of maps.values()) if (m.delete(key)) total--;
    },
    block(target, until, reason) {
      blockMap.set(target, { target, until, reason });
    },
    unblock(target) {
      blockMap.delete(target);
    },
    blocked(target, now) {
      const entry = blockMap.get(target);
      if (entry === undefined) return undefined;
      if (entry.until <= now) {
        blockMap.delete(target);
        return undefined;
      }
      return entry;
    },
    blocks(now) {
      const out: BlockEntry[] = [];
      for (const [target, entry] of blockMap) {
        if (entry.until <= now) blockMap.delete(target);
        else out.push(entry);
      }
      return out;
    },
    sweep(now) {
      for (const [id, m] of maps) {
        const policy = policies.get(id)!;
        for (const [k, entry] of m) {
          if (expired(policy, entry, now)) {
            m.delete(k);
            total--;
          }
        }
      }
      for (const [target, entry] of blockMap) if (entry.until <= now) blockMap.delete(target);
    },
    close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      maps.clear();
      total = 0;
      lastPolicy = lastMap = undefined;
      blockMap.clear();
    },
  };
  return store;
}
