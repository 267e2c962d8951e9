import { warnConfig } from '../core/events.ts';
import type { RequestView } from '../core/types.ts';
import type { Policy, RateDecision, RateLimitStore } from '../stores/types.ts';

/** How long a failed remote store is bypassed before it is tried again (ms). */
const RETRY_MS = 1000;

/** A store call that did not settle in time (a store failure, like an error). */
class StoreTimeout extends Error {}

/** A store answer that is not what the contract promises (a store failure, like an error). */
class MalformedAnswer extends Error {}

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** True when `d` is a {@link RateDecision}: `allowed` a boolean, the four numbers finite and ≥ 0. */
export function isDecision(d: unknown): d is RateDecision {
  if (d === null || typeof d !== 'object') return false;
  const r = d as Record<string, unknown>;
  return (
    typeof r.allowed === 'boolean' &&
    isCount(r.limit) &&
    isCount(r.remaining) &&
    isCount(r.resetMs) &&
    isCount(r.retryAfterMs) &&
    (r.unavailable === undefined || typeof r.unavailable === 'boolean')
  );
}

/** True when a consumeAll answer is an index in [-1, n) with a decision for every policy (admitted) or nothing malformed (refused). */
export function isAllAnswer(index: unknown, n: number, out: readonly (RateDecision | undefined)[]): index is number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < -1 || index >= n) return false;
  for (let i = 0; i < n; i++) {
    const d = out[i];
    if (index === -1 ? !isDecision(d) : d !== undefined && !isDecision(d)) return false;
  }
  return true;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** What a malformed store answer was, in a few words (never its content: it could be anything). */
export function describeAnswer(value: unknown): string {
  return value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object without a valid allowed/limit/remaining/resetMs/retryAfterMs'
        : typeof value;
}

/**
 * What a per-route rule does while the remote store fails (`rules[].onStoreError`):
 * `'closed'` answers 503, `'open'` lets the request through unlimited; both bypass the
 * insurance store for that rule. Rules without it follow the limiter's own policy.
 */
export interface StoreErrorPolicy {
  /** The rule's name, for the event. */
  readonly rule: string;
  readonly mode: 'open' | 'closed';
}

/**
 * Wraps a remote store with the insurance fallback: when a call fails, the decision is
 * taken by the insurance store (or fails open / closed), the failure is logged once, and
 * the remote store is retried at most once per second until it answers again. A call fails
 * when it throws, rejects, does not settle within `timeoutMs`, or answers with something
 * that is not a decision (a custom store is not trusted to keep the contract).
 */
export class GuardedStore {
  readonly store: RateLimitStore;
  readonly insurance: RateLimitStore | undefined;
  readonly failOpen: boolean;
  readonly timeoutMs: number;
  #down = false;
  #retryAt = 0;
  #probing = false;
  #lastError = '';
  /** The policies already announced in this outage (one event each): a rule name, or '' for the limiter's own. */
  readonly #announced = new Set<string>();

  constructor(store: RateLimitStore, insurance: RateLimitStore | undefined, failOpen: boolean, timeoutMs: number) {
    this.store = store;
    this.insurance = insurance;
    this.failOpen = failOpen;
    this.timeoutMs = timeoutMs;
  }

  /**
   * `answer` settled within the timeout (the timer is cleared as soon as it settles, and is
   * unref'd so it never keeps the process alive); a timeout rejects with StoreTimeout.
   */
  #bounded<T>(answer: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreTimeout(`the store did not answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      // Deno and browser-like runtimes return a number without unref().
      (timer as { unref?: () => void }).unref?.();
      answer.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** True while the remote store is considered down. */
  get down(): boolean {
    return this.#down;
  }

  consume(
    req: RequestView,
    key: string,
    policy: Policy,
    now: number,
    onError?: StoreErrorPolicy,
  ): RateDecision | Promise<RateDecision | undefined> | undefined {
    if (this.#down && (this.#probing || now < this.#retryAt)) return this.#fallback(req, key, policy, now, onError);
    if (this.#down) this.#probing = true;
    let pending: unknown;
    try {
      pending = this.store.consume(key, policy, now);
    } catch (error) {
      this.#fail(error, now);
      return this.#fallback(req, key, policy, now, onError);
    }
    if (!isThenable(pending)) {
      if (isDecision(pending)) return pending;
      this.#fail(new MalformedAnswer(`consume() answered ${describeAnswer(pending)}, not a rate-limit decision`), now);
      return this.#fallback(req, key, policy, now, onError);
    }
    return this.#bounded(pending)
      .then((decision) => {
        if (!isDecision(decision)) throw new MalformedAnswer(`consume() answered ${describeAnswer(decision)}, not a rate-limit decision`);
        if (this.#down) this.#recover(req);
        return decision;
      })
      .catch((error: unknown) => {
        this.#fail(error, now);
        return this.#fallback(req, key, policy, now, onError);
      });
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
    onError?: StoreErrorPolicy,
  ): number | Promise<number | undefined> | undefined {
    if (this.#down && (this.#probing || now < this.#retryAt)) return this.#fallbackAll(req, key, policies, now, out, onError);
    if (this.#down) this.#probing = true;
    // The store writes its decisions here, copied to `out` once the answer is checked: a store
    // that answers after the timeout cannot change a decision already taken without it.
    const answered: Array<RateDecision | undefined> = [];
    const accept = (index: number): number => {
      for (let i = 0; i < policies.length; i++) out[i] = answered[i];
      return index;
    };
    let pending: unknown;
    try {
      pending = this.store.consumeAll!(key, policies, now, answered);
    } catch (error) {
      this.#fail(error, now);
      return this.#fallbackAll(req, key, policies, now, out, onError);
    }
    const malformed = (index: unknown) =>
      new MalformedAnswer(
        `consumeAll() answered ${typeof index === 'number' ? `index ${index}` : describeAnswer(index)}, not an index in [-1, ${policies.length}) with valid decisions`,
      );
    if (!isThenable(pending)) {
      if (isAllAnswer(pending, policies.length, answered)) return accept(pending);
      this.#fail(malformed(pending), now);
      return this.#fallbackAll(req, key, policies, now, out, onError);
    }
    return this.#bounded(pending)
      .then((refused) => {
        if (!isAllAnswer(refused, policies.length, answered)) throw malformed(refused);
        if (this.#down) this.#recover(req);
        return accept(refused);
      })
      .catch((error: unknown) => {
        this.#fail(error, now);
        return this.#fallbackAll(req, key, policies, now, out, onError);
      });
  }

  async #fallbackAll(
    req: RequestView,
    key: string,
    policies: readonly Policy[],
    now: number,
    out: Array<RateDecision | undefined>,
    onError: StoreErrorPolicy | undefined,
  ): Promise<number | undefined> {
    const insurance = this.#announce(req, onError);
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
    if (onError === undefined ? this.failOpen : onError.mode === 'open') return undefined;
    for (const [i, p] of policies.entries()) {
      out[i] = { allowed: false, limit: p.limit, remaining: 0, resetMs: RETRY_MS, retryAfterMs: RETRY_MS, unavailable: true };
    }
    return 0;
  }

  /**
   * Decision without the remote store: the rule's own policy when it has one (open →
   * undefined, no limit; closed → an unavailable decision, 503), else insurance, fail open
   * or fail closed.
   */
  #fallback(
    req: RequestView,
    key: string,
    policy: Policy,
    now: number,
    onError: StoreErrorPolicy | undefined,
  ): RateDecision | Promise<RateDecision> | undefined {
    const insurance = this.#announce(req, onError);
    if (insurance !== undefined) return insurance.consume(key, policy, now);
    if (onError === undefined ? this.failOpen : onError.mode === 'open') return undefined;
    return { allowed: false, limit: policy.limit, remaining: 0, resetMs: RETRY_MS, retryAfterMs: RETRY_MS, unavailable: true };
  }

  #fail(error: unknown, now: number): void {
    this.#probing = false;
    this.#retryAt = now + RETRY_MS;
    if (this.#down) return;
    this.#down = true;
    this.#lastError = (error as Error)?.message ?? String(error);
  }

  /**
   * Report, once per outage and per policy that applied (the limiter's own, or a rule's
   * onStoreError), what decides while the store is down; returns the insurance store when
   * it decides.
   */
  #announce(req: RequestView, onError: StoreErrorPolicy | undefined): RateLimitStore | undefined {
    const insurance = onError === undefined ? this.insurance : undefined;
    const scope = onError === undefined ? '' : onError.rule;
    if (this.#announced.has(scope)) return insurance;
    this.#announced.add(scope);
    const what =
      onError !== undefined
        ? `rule "${onError.rule}" (onStoreError: '${onError.mode}'): ${onError.mode === 'open' ? 'failing open (no limit)' : 'failing closed (503)'}`
        : insurance !== undefined
          ? 'using the in-memory insurance store'
          : this.failOpen
            ? 'failing open (no limit)'
            : 'failing closed (503)';
    const message = `rate-limit store failed (${this.#lastError}); ${what} until it recovers.`;
    if (process.env.RAMPART_SILENT !== '1') console.warn(`[rampart] ${message}`);
    req.emit('RATE_LIMIT_STORE_DOWN', message);
    return insurance;
  }

  #recover(req: RequestView): void {
    this.#down = false;
    this.#probing = false;
    this.#announced.clear();
    if (process.env.RAMPART_SILENT !== '1') console.warn('[rampart] rate-limit store recovered.');
    req.emit('RATE_LIMIT_STORE_RECOVERED', 'rate-limit store answers again');
  }
}

/** Announce a rule that fails open (a relaxation of the safe default) once. */
export function announceRuleFailOpen(rule: string): void {
  warnConfig(`rateLimit.rules "${rule}" has onStoreError: 'open': requests it matches are not limited while the rate-limit store is down.`);
}

/** Announce a fail-open limiter once (a relaxation of the safe default). */
export function announceFailOpen(): void {
  warnConfig('rateLimit.failOpen: true lets every request through while the rate-limit store is down.', undefined, 'rateLimit.fail-open');
}
