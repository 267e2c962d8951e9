import { nodeCrypto } from '../core/builtin.ts';
import { ipKey } from '../client-ip/index.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import type { MemoryStore } from '../stores/memory.ts';
import type { RateDecision, RateLimitStore } from '../stores/types.ts';
import { describeAnswer, GuardedStore, isAllAnswer, isDecision } from './guarded-store.ts';
import { compileRateLimitOptions, type CompiledPolicy, type Plan, type RateLimitOptions } from './options.ts';
import { type CountedPass, uncountedPlan } from './passes.ts';
import { earlierPasses } from '../core/passes.ts';

export type { RateLimitHeaderOptions, RateLimitOptions, RateLimitRule } from './options.ts';

/** The rate-limit middleware with its store and an admin reset. */
export interface RateLimitMiddleware extends Middleware {
  readonly name: 'rateLimit';
  /**
   * True when decisions depend on the client address: the default key, an `allowlist`
   * (it matches addresses), or a `key` function that declares `clientKeyed: true` (one that
   * falls back to the address, e.g. per user, else per IP). False with any other custom
   * `key` and no allowlist (an API key, a user id): the fetch and Hono adapters then run
   * without a client address (Workers without `clientIp`).
   */
  readonly clientKeyed: boolean;
  /** The store holding the counters. */
  readonly store: RateLimitStore;
  /** Forget every counter of one key (e.g. after a successful login). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

const HIT_MEMORY = 10_000;

/**
 * A store's wait in whole seconds, never more than the policy's window (rounded up): the
 * built-in stores stay within it, a store of your own may answer anything finite.
 */
function waitSeconds(ms: number, p: CompiledPolicy): number {
  return Math.min(Math.ceil(ms / 1000), Math.ceil(p.windowMs / 1000));
}

/** Seconds for X-RateLimit-Reset and RateLimit t on an admitted request (see writeHeaders). */
function resetSeconds(d: RateDecision, p: CompiledPolicy): number {
  return d.remaining > 0 ? waitSeconds(d.resetMs, p) : Math.max(1, waitSeconds(d.retryAfterMs, p));
}

/** The policy the headers describe: fewest requests left, then the longest wait. */
function tighter(d: RateDecision, than: RateDecision): boolean {
  if (d.remaining !== than.remaining) return d.remaining < than.remaining;
  return d.remaining === 0 ? d.retryAfterMs > than.retryAfterMs : d.resetMs > than.resetMs;
}

/**
 * Rate limiting per client (or per custom key), with per-route rules, an optional
 * per-second burst limit, legacy and IETF headers, 429 + Retry-After + problem+json when
 * exceeded, and one RATE_LIMIT_HIT event per key per window.
 *
 * @example
 * const shield = stack([rateLimit({ maxRequests: 100, window: 60, rules: [{ match: '/login', maxRequests: 5, window: 60 }] })]);
 */
export function rateLimit(options: RateLimitOptions = {}): RateLimitMiddleware {
  const config = compileRateLimitOptions(options);
  const { basePlan, rules, ipv6Prefix, allow, store, legacyHeaders, standardHeaders } = config;
  const guard = config.remote ? new GuardedStore(store, config.insurance, config.failOpen, config.storeTimeoutMs) : undefined;
  const clock = config.clock;
  const keyFn = config.key;
  const skip = config.skip;
  const v6Keys = new Map<string, string>();

  // A memory-kind store the caller passed is not trusted to keep the contract: an answer that
  // is not a decision (or a promise: such a store must answer synchronously) fails closed.
  const checked = config.checkAnswers;
  let faultAnnounced = false;
  const storeFault = (req: RequestView, answer: unknown): Reply => {
    if (!faultAnnounced) {
      faultAnnounced = true;
      const message = `rate-limit store answered ${describeAnswer(answer)}, not a rate-limit decision${
        answer instanceof Promise ? " (a store of kind 'memory' must answer synchronously; declare kind: 'remote' for one that returns promises)" : ''
      }; failing closed (503).`;
      if (process.env.RAMPART_SILENT !== '1') console.warn(`[rampart] ${message}`);
      req.emit('RATE_LIMIT_STORE_DOWN', message);
    }
    return problem(503, 'The rate limiter is temporarily unavailable; retry shortly.', { headers: { 'retry-after': '1' } });
  };

  const clientKey = (req: RequestView): string => {
    if (keyFn !== undefined) {
      const k = keyFn(req);
      if (typeof k !== 'string' || k.length === 0) {
        throw new RampartError('ERR_RAMPART_RATE_LIMIT_KEY', 'rateLimit.key(req) must return a non-empty string.');
      }
      return k;
    }
    const ip = req.ip;
    if (ip.length === 0) return 'unknown';
    if (ip.indexOf(':') === -1) return ip;
    let k = v6Keys.get(ip);
    if (k === undefined) {
      k = ipKey(ip, ipv6Prefix);
      if (v6Keys.size >= 10_000) v6Keys.clear();
      v6Keys.set(ip, k);
    }
    return k;
  };

  // Once per key per window: key → epoch ms until which a hit was already reported.
  const hits = new Map<string, number>();
  const reportHit = (req: RequestView, p: CompiledPolicy, key: string, d: RateDecision, now: number): void => {
    const hitKey = p.id + '\u0000' + key;
    const until = hits.get(hitKey);
    if (until !== undefined && until > now) return;
    if (until === undefined && hits.size >= HIT_MEMORY) {
      const oldest = hits.keys().next().value;
      if (oldest !== undefined) hits.delete(oldest);
    }
    hits.delete(hitKey);
    hits.set(hitKey, now + Math.max(Math.min(Math.max(d.resetMs, d.retryAfterMs), p.windowMs), 1000));
    // A custom key may be an account name or API key: report a short digest, never the key itself.
    const who = keyFn === undefined ? '' : `; key #${nodeCrypto().createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
    req.emit('RATE_LIMIT_HIT', `${p.limit}/${p.windowSeconds}s exceeded (policy "${p.name}")${who}`);
  };

  // One number for X-RateLimit-Reset, the RateLimit field's t and Retry-After: while requests
  // remain, the seconds until the quota is fully restored; once none remain (the 2xx that
  // took the last one, and every 429), the seconds until the next request is admitted — the
  // same point in time as Retry-After. Never more than the window.
  const writeHeaders = (res: ResponseControl, plan: Plan, d: RateDecision, p: CompiledPolicy, reset: number): void => {
    if (legacyHeaders) {
      res.set('X-RateLimit-Limit', p.limitText);
      res.set('X-RateLimit-Remaining', '' + d.remaining);
      res.set('X-RateLimit-Reset', '' + reset);
    }
    if (standardHeaders) {
      res.set('RateLimit-Policy', plan.policyHeader);
      res.set('RateLimit', p.itemPrefix + d.remaining + ';t=' + reset);
    }
  };

  /**
   * Refuse a request. `decisions[i]` is policy i's state with this request (counted or
   * peeked; undefined: never seen). Retry-After is the LONGEST wait among the policies
   * that have nothing left, so a client that waits as told is admitted by every policy
   * (a rule's 5 s wait is not announced while the global limit needs an hour); the
   * headers describe that policy. RATE_LIMIT_HIT is reported for each policy that refused.
   */
  const refuse = (req: RequestView, res: ResponseControl, plan: Plan, decisions: readonly (RateDecision | undefined)[], key: string, now: number): Reply => {
    let longest = -1;
    let longestWait = 0;
    const n = plan.policies.length;
    for (let i = 0; i < n; i++) {
      const d = decisions[i];
      if (d === undefined) continue;
      if (d.unavailable === true) {
        const wait = String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
        return problem(503, 'The rate limiter is temporarily unavailable; retry shortly.', { headers: { 'retry-after': wait } });
      }
      if (d.remaining !== 0 && d.allowed) continue;
      const wait = Math.min(d.retryAfterMs, plan.policies[i]!.windowMs);
      if (longest === -1 || wait > longestWait) {
        longest = i;
        longestWait = wait;
      }
    }
    // (No policy with nothing left can only be a rounding edge of a store: wait one second.)
    const d = longest === -1 ? { allowed: false, limit: plan.policies[0]!.limit, remaining: 0, resetMs: 1000, retryAfterMs: 1000 } : decisions[longest]!;
    const p = plan.policies[longest === -1 ? 0 : longest]!;
    const retry = Math.max(1, waitSeconds(d.retryAfterMs, p));
    writeHeaders(res, plan, d.remaining === 0 ? d : { ...d, remaining: 0 }, p, retry);
    for (let i = 0; i < n; i++) {
      const refused = decisions[i];
      if (refused !== undefined && !refused.allowed) reportHit(req, plan.policies[i]!, key, refused, now);
    }
    return problem(429, `Too many requests; retry in ${retry} s.`, { headers: { 'retry-after': String(retry) } });
  };

  // Remote stores: several policies in one atomic step when the store can (Redis: one
  // script, one round trip; PostgreSQL: one transaction; a refused request counted by none); otherwise every policy is
  // consumed in parallel, and a policy that admitted a request another refused has counted it.
  const remoteAll = store.consumeAll !== undefined;
  const decideRemote = async (req: RequestView, res: ResponseControl, plan: Plan, key: string, now: number): Promise<Reply | undefined> => {
    const policies = plan.policies;
    let decisions: Array<RateDecision | undefined>;
    let refused = false;
    if (policies.length > 1 && remoteAll) {
      decisions = [];
      const index = await guard!.consumeAll(req, key, policies, now, decisions, plan.onStoreError);
      if (index === undefined) return undefined; // fail open
      refused = index !== -1;
    } else {
      decisions =
        policies.length === 1
          ? [await guard!.consume(req, key, policies[0]!, now, plan.onStoreError)]
          : await Promise.all(policies.map((p) => guard!.consume(req, key, p, now, plan.onStoreError)));
      for (const d of decisions) {
        if (d === undefined) return undefined; // fail open
        if (!d.allowed) refused = true;
      }
    }
    if (refused) return refuse(req, res, plan, decisions, key, now);
    let worst = 0;
    for (let i = 1; i < decisions.length; i++) if (tighter(decisions[i]!, decisions[worst]!)) worst = i;
    writeHeaders(res, plan, decisions[worst]!, policies[worst]!, resetSeconds(decisions[worst]!, policies[worst]!));
    return undefined;
  };

  // Memory store, several policies (a rule, burst): all or nothing, so a refused request
  // is counted by none (synchronous: nothing interleaves; `decided` is reused).
  const all = typeof (store as MemoryStore).consumeAll === 'function' ? (store as MemoryStore) : undefined;
  const decided: Array<RateDecision | undefined> = [];
  const decideMemory = (req: RequestView, res: ResponseControl, plan: Plan, key: string, now: number): Reply | undefined => {
    const policies = plan.policies;
    const n = policies.length;
    if (all !== undefined) {
      const index = all.consumeAll(key, policies, now, decided);
      if (checked && !isAllAnswer(index, n, decided)) return storeFault(req, index);
      if (index !== -1) return refuse(req, res, plan, decided, key, now);
    } else {
      // A memory store of your own without consumeAll: check every policy, then count.
      const peek = (p: CompiledPolicy): RateDecision | undefined => {
        const d = store.get(key, p, now) as RateDecision | undefined;
        return isDecision(d) ? d : undefined;
      };
      const peekAll = (): Array<RateDecision | undefined> => policies.map(peek);
      for (let i = 0; i < n; i++) if ((peek(policies[i]!)?.remaining ?? 1) < 1) return refuse(req, res, plan, peekAll(), key, now);
      for (let i = 0; i < n; i++) {
        const d = store.consume(key, policies[i]!, now) as RateDecision;
        if (checked && !isDecision(d)) return storeFault(req, d);
        if (!d.allowed) return refuse(req, res, plan, peekAll(), key, now);
        decided[i] = d;
      }
    }
    if (faultAnnounced) faultAnnounced = false;
    let worst = 0;
    for (let i = 1; i < n; i++) if (tighter(decided[i]!, decided[worst]!)) worst = i;
    if (legacyHeaders || standardHeaders) writeHeaders(res, plan, decided[worst]!, policies[worst]!, resetSeconds(decided[worst]!, policies[worst]!));
    return undefined;
  };

  /** The policies a request is counted against: the first rule that matches it, else the base ones. */
  const planOf = (req: RequestView): Plan => {
    for (let i = 0; i < rules.length; i++) if (rules[i]!.match(req)) return rules[i]!.plan;
    return basePlan;
  };
  /** What an earlier pass was counted against (undefined: it was not counted: allowlisted or skipped). */
  const countedPass = (view: RequestView): CountedPass | undefined => {
    try {
      if (allow?.has(view.ip) || (skip !== undefined && skip(view) === true)) return undefined;
      return { plan: planOf(view), key: clientKey(view) };
    } catch {
      return undefined;
    }
  };

  const middleware: RateLimitMiddleware = {
    name: 'rateLimit',
    clientKeyed: keyFn === undefined || allow !== undefined || (keyFn as { clientKeyed?: unknown }).clientKeyed === true,
    store,
    handle(req: RequestView, res: ResponseControl): Reply | undefined | Promise<Reply | undefined> {
      if (allow?.has(req.ip)) return undefined;
      if (skip !== undefined && skip(req) === true) return undefined;
      const key = clientKey(req);
      const now = clock();
      let plan = planOf(req);
      // A later pass of a client request the app sent through itself again (methodOverride,
      // a re-dispatch to another path): only the policies its earlier passes did not count.
      const passes = earlierPasses(req);
      if (passes !== undefined) {
        const left = uncountedPlan(plan, key, passes.map(countedPass));
        if (left === undefined) return undefined;
        plan = left;
      }
      if (guard !== undefined) return decideRemote(req, res, plan, key, now);
      if (plan.policies.length > 1) return decideMemory(req, res, plan, key, now);
      const p = plan.policies[0]!;
      const d = store.consume(key, p, now) as RateDecision;
      if (checked) {
        if (!isDecision(d)) return storeFault(req, d);
        faultAnnounced = false;
      }
      if (!d.allowed) return refuse(req, res, plan, [d], key, now);
      if (legacyHeaders || standardHeaders) writeHeaders(res, plan, d, p, resetSeconds(d, p));
      return undefined;
    },
    async reset(key: string): Promise<void> {
      const all = config.allPolicies;
      await Promise.all(all.map((p) => store.reset(key, p)));
      if (guard?.insurance !== undefined) await Promise.all(all.map((p) => guard!.insurance!.reset(key, p)));
    },
    async close(): Promise<void> {
      hits.clear();
      // Closes the store too (stores close idempotently, so sharing one is fine on shutdown).
      await store.close();
      if (config.ownsInsurance && guard?.insurance !== undefined) await guard.insurance.close();
    },
  };
  return Object.freeze(middleware);
}
