import type { Algorithm, CounterState, Policy, RateDecision } from './types.ts';

/**
 * The four counting algorithms as pure steps over a {@link CounterState}. The memory store
 * runs these directly; the Redis Lua script and the PostgreSQL statement implement the
 * same arithmetic, and every store turns the resulting state into a decision with
 * {@link describe}, so all stores answer identically for the same sequence of calls.
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
      let elapsed = now - state.a;
      if (elapsed >= w) {
        const start = now - (now % w);
        state.b = start - state.a === w ? state.c : 0;
        state.c = 0;
        state.a = start;
        elapsed = now - start;
      }
      const weight = elapsed <= 0 ? 1 : (w - elapsed) / w;
      if (state.b * weight + state.c + cost <= limit + EPSILON) {
        state.c += cost;
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
      state.b = tokens > limit ? limit : tokens;
      if (now > state.a) state.a = now;
      if (state.b + EPSILON >= cost) {
        state.b = Math.max(0, state.b - cost);
        return true;
      }
      return false;
    }
    case 'gcra': {
      const tat = state.a > now ? state.a : now;
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

/** Turn a state (after {@link step}, or as read) into the decision a client sees. */
export function describe(policy: Policy, state: CounterState, now: number, allowed: boolean): RateDecision {
  const w = policy.windowMs;
  const limit = policy.limit;
  let remaining: number;
  let resetMs: number;
  let retryAfterMs = 0;
  switch (policy.algorithm) {
    case 'sliding-window': {
      const elapsed = Math.min(w, Math.max(0, now - state.a));
      const used = state.b * (w - elapsed) / w + state.c;
      remaining = Math.max(0, Math.floor(limit - used + 1e-9));
      resetMs = Math.max(0, state.a + w - now);
      if (!allowed) retryAfterMs = slidingRetry(state, limit, w, elapsed);
      break;
    }
    case 'fixed-window':
      remaining = Math.max(0, limit - state.c);
      resetMs = Math.max(0, state.a + w - now);
      if (!allowed) retryAfterMs = resetMs;
      break;
    case 'token-bucket':
      remaining = Math.max(0, Math.floor(state.b + 1e-9));
      resetMs = Math.max(0, ((limit - state.b) * w) / limit);
      if (!allowed) retryAfterMs = Math.max(0, ((1 - state.b) * w) / limit);
      break;
    case 'gcra': {
      const interval = w / limit;
      const ahead = Math.max(0, state.a - now);
      remaining = Math.max(0, Math.floor((w - ahead) / interval + 1e-9));
      resetMs = ahead;
      if (!allowed) retryAfterMs = Math.max(0, ahead + interval - w);
      break;
    }
  }
  return { allowed, limit, remaining, resetMs, retryAfterMs };
}

/** Milliseconds until the weighted estimate leaves room for one request. */
function slidingRetry(state: CounterState, limit: number, w: number, elapsed: number): number {
  const untilEnd = w - elapsed;
  const room = limit - 1 - state.c;
  if (room >= 0) {
    // Within this window: b·(w − e)/w ≤ room  ⇔  e ≥ w − room·w/b.
    if (state.b <= 0) return 0;
    return Math.max(0, w - (room * w) / state.b - elapsed);
  }
  // Next window: the current count becomes the previous one.
  if (state.c <= 0) return untilEnd;
  return untilEnd + Math.max(0, w - ((limit - 1) * w) / state.c);
}

/** How long a key's state matters after `now` (for store expiry), in milliseconds. */
export function stateTtl(policy: Policy, state: CounterState, now: number): number {
  switch (policy.algorithm) {
    case 'sliding-window':
      return Math.max(1, state.a + 2 * policy.windowMs - now);
    case 'fixed-window':
      return Math.max(1, state.a + policy.windowMs - now);
    case 'token-bucket':
      return Math.max(1, Math.ceil(((policy.limit - state.b) * policy.windowMs) / policy.limit));
    case 'gcra':
      return Math.max(1, Math.ceil(state.a - now));
  }
}
