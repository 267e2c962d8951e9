/**
 * The rate-limit store contract shared by the limiter, the blocklist, adaptive blocking
 * and the login guard. Memory stores answer synchronously (no promise on the hot path);
 * remote stores (Redis, PostgreSQL) answer with a promise after one round trip.
 */

/** Counting algorithms every store implements identically (see the README, "Rate limiting and abuse defence"). */
export type Algorithm = 'sliding-window' | 'fixed-window' | 'token-bucket' | 'gcra';

/** What a store needs to decide: a compiled, frozen policy. */
export interface Policy {
  /** Short stable id used in store keys (`g` global, `r0` first rule, `b` burst …). */
  readonly id: string;
  readonly algorithm: Algorithm;
  /** Requests allowed per window (the bucket size for token-bucket and GCRA). */
  readonly limit: number;
  /** Window length in milliseconds (the full-refill time for token-bucket and GCRA). */
  readonly windowMs: number;
}

/**
 * The raw counter state every store keeps per key: three numbers whose meaning depends
 * on the algorithm (fixed: a = window start, c = count; sliding: a = time of the last
 * admission, b = count of the aligned window before a's, c = count of a's window;
 * token-bucket: a = last refill, b = tokens;
 * GCRA: a = theoretical arrival time).
 */
export interface CounterState {
  a: number;
  b: number;
  c: number;
}

/** The outcome of one decision. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Requests still allowed now (integer, >= 0). */
  readonly remaining: number;
  /** Milliseconds until the quota is fully restored (the window ends, the bucket is full); at most the window. */
  readonly resetMs: number;
  /** Milliseconds until one more request would be allowed (0 while `remaining` > 0); at most the window. */
  readonly retryAfterMs: number;
  /** Set when no store could decide and the limiter fails closed (answered with 503). */
  readonly unavailable?: boolean;
}

/** An active block (blocklist entry, login lock). */
export interface BlockEntry {
  /** The blocked target: an IP, a CIDR, or an opaque key such as `account:<hash>`. */
  readonly target: string;
  /** Epoch milliseconds when the block ends. */
  readonly until: number;
  readonly reason: string;
}

/** A value or a promise of it: memory stores answer synchronously. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A rate-limit store. `consume` is atomic per key: concurrent callers (across processes
 * for remote stores) never admit more than the policy allows.
 */
export interface RateLimitStore {
  /** 'memory' answers synchronously; 'remote' answers with promises and may fail. */
  readonly kind: 'memory' | 'remote';
  /**
   * Count one request (or `cost`) for `key` under `policy` at `now` (epoch ms) and decide.
   * `cost` 0 is a peek: the decision as of `now`, with nothing written (no counter created,
   * moved or refreshed).
   */
  consume(key: string, policy: Policy, now: number, cost?: number): MaybePromise<RateDecision>;
  /**
   * Optional: count one request for `key` under every policy, all or nothing, in one atomic
   * step (one round trip for a remote store). Returns -1 when every policy admitted, with
   * `out[i]` the decision of `policies[i]`; otherwise the index of a policy that refused,
   * nothing counted, and `out[i]` each policy's current state (undefined: never seen).
   * Without it the limiter counts the policies one by one.
   */
  consumeAll?(key: string, policies: readonly Policy[], now: number, out: Array<RateDecision | undefined>): MaybePromise<number>;
  /** The current decision state for `key` without counting anything (undefined: never seen). */
  get(key: string, policy: Policy, now: number): MaybePromise<RateDecision | undefined>;
  /** Forget `key` under `policy` (or under every policy when `policy` is omitted, memory only). */
  reset(key: string, policy?: Policy): MaybePromise<void>;
  /** Record a block of `target` until `until` (epoch ms). */
  block(target: string, until: number, reason: string): MaybePromise<void>;
  /** Remove a block. */
  unblock(target: string): MaybePromise<void>;
  /** The active block of one target, if any. */
  blocked(target: string, now: number): MaybePromise<BlockEntry | undefined>;
  /** Every active block (expired ones are dropped). */
  blocks(now: number): MaybePromise<BlockEntry[]>;
  /** Release timers and connections. */
  close(): MaybePromise<void>;
}
