import type { Algorithm, CounterState, Policy, RateDecision } from './types.ts';

/**
 * The four counting algorithms as pure steps over a {@link CounterState}. The memory store
 * runs these directly; the Redis Lua script and the PostgreSQL statement implement the
 * same arithmetic, and every store turns the resulting state into a decision with
 * {@link toRateDecision}, so all stores answer identically for the same sequence of calls.
 */

/** One-letter algorithm codes used in remote scripts. */
export const ALGORITHM_CODES: Readonly<Record<Algorithm, string>> = Object.freeze({
  'fixed-window': 'f',
  'sliding-window': 's',
  'token-bucket': 't',
  gcra: 'g',
});

/** Tolerance for floating-point sums (a third of a window three times is not quite the window). */
const EPSILON = 1e-6;

/** Start of the fixed window containing `now` (windows are aligned to the epoch). */
export function windowStart(now: number, windowMs: number): number {
  return now - (now % windowMs);
}

/** A state for a key never seen before. */
export function freshState(policy: Policy, now: number): CounterState {
  switch (policy.algorithm) {
    case 'token-bucket':
      return { a: now, b: policy.limit, c: 0 };
    case 'gcra':
      return { a: now, b: 0, c: 0 };
    case 'sliding-window':
      // No admission yet: a "last admission" two windows back weighs nothing.
      return { a: now - 2 * policy.windowMs, b: 0, c: 0 };
    default:
      return { a: windowStart(now, policy.windowMs), b: 0, c: 0 };
  }
}

/**
 * Advance `state` to `now` and try to take `cost`. Mutates `state`; returns true when the
 * request is admitted. A clock that steps backwards never grants extra capacity.
 */
export function step(policy: Policy, state: CounterState, now: number, cost: number): boolean {
  const w = policy.windowMs;
  const limit = policy.limit;
  switch (policy.algorithm) {
    case 'sliding-window': {
      // A refused request changes nothing; an admitted one stores the rolled view.
      const t = Math.max(now, state.a);
      slidingView(state, t, w);
      if (view.used + cost <= limit + EPSILON) {
        // A zero-cost step (a read) admits nothing: the last admission stays where it was.
        if (cost > 0) {
          state.a = t;
          state.b = view.prev;
          state.c = view.cur + cost;
        }
        return true;
      }
      return false;
    }
    case 'fixed-window': {
      if (now - state.a >= w) {
        state.a = now - (now % w);
        state.c = 0;
      }
      if (state.c + cost <= limit) {
        state.c += cost;
        return true;
      }
      return false;
    }
    case 'token-bucket': {
      const elapsed = now > state.a ? now - state.a : 0;
      const tokens = state.b + (elapsed * limit) / w;
      state.b = Math.min(tokens, limit);
      if (now > state.a) state.a = now;
      if (state.b + EPSILON >= cost) {
        state.b = Math.max(0, state.b - cost);
        return true;
      }
      return false;
    }
    case 'gcra': {
      const tat = Math.max(state.a, now);
      const next = tat + (w / limit) * cost;
      if (next - now <= w + 1e-3) {
        state.a = next;
        return true;
      }
      state.a = tat;
      return false;
    }
  }
}

/**
 * Turn a state (after {@link step}, or as read) into the decision a client sees. Whenever
 * nothing remains (`remaining` 0, whether this request was admitted or not),
 * `retryAfterMs` is the wait until one more request is admitted; it never exceeds the
 * window, and neither does `resetMs`.
 */
export function toRateDecision(policy: Policy, state: CounterState, now: number, allowed: boolean): RateDecision {
  const w = policy.windowMs;
  const limit = policy.limit;
  let remaining: number;
  let resetMs: number;
  let retryAfterMs = 0;
  switch (policy.algorithm) {
    case 'sliding-window': {
      const t = Math.max(now, state.a);
      slidingView(state, t, w);
      const v = view;
      remaining = Math.max(0, Math.floor(limit - v.used + EPSILON));
      // Every request counted ages out one window after the last admission.
      resetMs = Math.min(w, Math.max(0, state.a + w - now));
      // (t > now only when the clock stepped back, e.g. another server's clock runs ahead.)
      if (remaining === 0) retryAfterMs = Math.min(w, slidingRetry(v, state.a, t, limit, w) + (t - now));
      break;
    }
    case 'fixed-window':
      remaining = Math.max(0, limit - state.c);
      resetMs = Math.min(w, Math.max(0, state.a + w - now));
      if (remaining === 0) retryAfterMs = resetMs;
      break;
    case 'token-bucket':
      remaining = Math.max(0, Math.floor(state.b + EPSILON));
      resetMs = Math.min(w, Math.max(0, ((limit - state.b) * w) / limit));
      if (remaining === 0) retryAfterMs = Math.min(w, Math.max(0, ((1 - state.b) * w) / limit));
      break;
    case 'gcra': {
      const interval = w / limit;
      const ahead = Math.max(0, state.a - now);
      remaining = Math.max(0, Math.floor((w + 1e-3 - ahead) / interval + 1e-9));
      resetMs = Math.min(w, ahead);
      if (remaining === 0) retryAfterMs = Math.min(w, Math.max(0, ahead + interval - w));
      break;
    }
  }
  return { allowed, limit, remaining, resetMs, retryAfterMs };
}

/** The sliding-window counters as seen at `t` (≥ the last admission `state.a`). */
interface SlidingView {
  /** Count of the aligned window before t's. */
  prev: number;
  /** Count of t's aligned window. */
  cur: number;
  /** Milliseconds since t's window began. */
  elapsed: number;
  /** The weighted estimate prev·(w − elapsed)/w + cur. */
  used: number;
}

// Written by slidingView and read right after it (synchronous): no allocation per decision.
const view: SlidingView = { prev: 0, cur: 0, elapsed: 0, used: 0 };
let memoT = Number.NaN;
let memoW = Number.NaN;
let memoCs = 0;

/**
 * Roll the stored counters forward to `t` into {@link view}. The state is (a = time of the last admission,
 * b = count of the window before a's, c = count of a's window). The previous window weighs
 * nothing once a whole window has passed since the last admission (every request it
 * counted is then older than one window), so no client ever waits longer than the window.
 */
function slidingView(state: CounterState, t: number, w: number): void {
  // One floating-point modulo per decision, remembered for the next call at the same instant
  // (step() then toRateDecision()). a ≥ cs: a's window is t's; a ≥ cs − w: it is the one before.
  let cs: number;
  if (t === memoT && w === memoW) cs = memoCs;
  else {
    cs = t - (t % w);
    memoT = t;
    memoW = w;
    memoCs = cs;
  }
  let prev: number;
  let cur: number;
  if (state.a >= cs) {
    prev = state.b;
    cur = state.c;
  } else if (state.a >= cs - w) {
    prev = t >= state.a + w ? 0 : state.c;
    cur = 0;
  } else {
    prev = 0;
    cur = 0;
  }
  const elapsed = t - cs;
  view.prev = prev;
  view.cur = cur;
  view.elapsed = elapsed;
  view.used = (prev * (w - elapsed)) / w + cur;
}

/**
 * Milliseconds after `t` until one more request fits: when the weighted estimate leaves
 * room, or one window after the last admission `a`, whichever comes first (so ≤ w).
 */
function slidingRetry(v: SlidingView, a: number, t: number, limit: number, w: number): number {
  const cap = Math.max(0, a + w - t);
  const untilEnd = w - v.elapsed;
  const room = limit - 1 - v.cur;
  let estimate: number;
  if (room >= 0) {
    // Within this window: prev·(w − e)/w ≤ room  ⇔  e ≥ w − room·w/prev.
    estimate = v.prev <= 0 ? 0 : Math.max(0, w - (room * w) / v.prev - v.elapsed);
  } else {
    // Next window: the current count becomes the previous one.
    estimate = v.cur <= 0 ? untilEnd : untilEnd + Math.max(0, w - ((limit - 1) * w) / v.cur);
  }
  return Math.min(cap, estimate);
}

/** How long a key's state matters after `now` (for store expiry), in milliseconds. */
export function stateTtl(policy: Policy, state: CounterState, now: number): number {
  switch (policy.algorithm) {
    case 'sliding-window':
      return Math.max(1, state.a + policy.windowMs - now);
    case 'fixed-window':
      return Math.max(1, state.a + policy.windowMs - now);
    case 'token-bucket':
      return Math.max(1, Math.ceil(((policy.limit - state.b) * policy.windowMs) / policy.limit));
    case 'gcra':
      return Math.max(1, Math.ceil(state.a - now));
  }
}
