import { warnConfig } from '../core/events.ts';
import type { RequestView } from '../core/types.ts';
import type { Policy, RateDecision, RateLimitStore } from '../stores/types.ts';

/** How long a failed remote store is bypassed before it is tried again (ms). */
const RETRY_MS = 1000;

/**
 * Wraps a remote store with the insurance fallback: when a call fails, the decision is
 * taken by the insurance store (or fails open / closed), the failure is logged once, and
 * the remote store is retried at most once per second until it answers again.
 */
export class GuardedStore {
  readonly store: RateLimitStore;
  readonly insurance: RateLimitStore | undefined;
  readonly failOpen: boolean;
  #down = false;
  #retryAt = 0;
  #probing = false;

  constructor(store: RateLimitStore, insurance: RateLimitStore | undefined, failOpen: boolean) {
    this.store = store;
    this.insurance = insurance;
    this.failOpen = failOpen;
  }

  /** True while the remote store is considered down. */
  get down(): boolean {
    return this.#down;
  }

  consume(req: RequestView, key: string, policy: Policy, now: number): RateDecision | Promise<RateDecision | undefined> | undefined {
    if (this.#down && (this.#probing || now < this.#retryAt)) return this.#fallback(key, policy, now);
    if (this.#down) this.#probing = true;
    let pending: RateDecision | Promise<RateDecision>;
    try {
      pending = this.store.consume(key, policy, now);
    } catch (error) {
      this.#fail(req, error, now);
      return this.#fallback(key, policy, now);
    }
    if (!(pending instanceof Promise)) return pending;
    return pending.then(
      (decision) => {
        if (this.#down) this.#recover(req);
        return decision;
      },
      (error: unknown) => {
        this.#fail(req, error, now);
        return this.#fallback(key, policy, now);
      },
    );
  }

  /**
   * {@link RateLimitStore.consumeAll} through the guard (the store must have it): the
   * refusing index (-1: admitted) with `out` filled, or undefined to fail open. Falls back
   * like {@link consume}: the insurance store (all or nothing when it can), or a 503 decision.
   */
  consumeAll(
    req: RequestView,
    key: string,
    policies: readonly Policy[],
    now: number,
    out: Array<RateDecision | undefined>,
  ): number | Promise<number | undefined> | undefined {
    if (this.#down && (this.#probing || now < this.#retryAt)) return this.#fallbackAll(key, policies, now, out);
    if (this.#down) this.#probing = true;
    let pending: number | Promise<number>;
    try {
      pending = this.store.consumeAll!(key, policies, now, out);
    } catch (error) {
      this.#fail(req, error, now);
      return this.#fallbackAll(key, policies, now, out);
    }
    if (!(pending instanceof Promise)) return pending;
    return pending.then(
      (refused) => {
        if (this.#down) this.#recover(req);
        return refused;
      },
      (error: unknown) => {
        this.#fail(req, error, now);
        return this.#fallbackAll(key, policies, now, out);
      },
    );
  }

  async #fallbackAll(key: string, policies: readonly Policy[], now: number, out: Array<RateDecision | undefined>): Promise<number | undefined> {
    const insurance = this.insurance;
    if (insurance?.consumeAll !== undefined) return insurance.consumeAll(key, policies, now, out);
    if (insurance !== undefined) {
      const decisions = await Promise.all(policies.map((p) => insurance.consume(key, p, now)));
      let refused = -1;
      decisions.forEach((d, i) => {
        out[i] = d;
        if (!d.allowed && refused === -1) refused = i;
      });
      return refused;
    }
    if (this.failOpen) return undefined;
    for (const [i, p] of policies.entries()) {
      out[i] = { allowed: false, limit: p.limit, remaining: 0, resetMs: RETRY_MS, retryAfterMs: RETRY_MS, unavailable: true };
    }
    return 0;
  }

  /** Decision without the remote store: insurance, fail open (undefined → no limit), or throw (fail closed). */
  #fallback(key: string, policy: Policy, now: number): RateDecision | Promise<RateDecision> | undefined {
    if (this.insurance !== undefined) return this.insurance.consume(key, policy, now);
    if (this.failOpen) return undefined;
    return { allowed: false, limit: policy.limit, remaining: 0, resetMs: RETRY_MS, retryAfterMs: RETRY_MS, unavailable: true };
  }

  #fail(req: RequestView, error: unknown, now: number): void {
    this.#probing = false;
    this.#retryAt = now + RETRY_MS;
    if (this.#down) return;
    this.#down = true;
    const what = this.insurance !== undefined ? 'using the in-memory insurance store' : this.failOpen ? 'failing open (no limit)' : 'failing closed (503)';
    const message = `rate-limit store failed (${(error as Error)?.message ?? String(error)}); ${what} until it recovers.`;
    if (process.env.RAMPART_SILENT !== '1') console.warn(`[rampart] ${message}`);
    req.emit('RATE_LIMIT_STORE_DOWN', message);
  }

  #recover(req: RequestView): void {
    this.#down = false;
    this.#probing = false;
    if (process.env.RAMPART_SILENT !== '1') console.warn('[rampart] rate-limit store recovered.');
    req.emit('RATE_LIMIT_STORE_RECOVERED', 'rate-limit store answers again');
  }
}

/** Announce a fail-open limiter once (a relaxation of the safe default). */
export function announceFailOpen(): void {
  warnConfig('rateLimit.failOpen: true lets every request through while the rate-limit store is down.');
}
