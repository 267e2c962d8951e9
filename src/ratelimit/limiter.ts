import { createHash } from 'node:crypto';
import { compileIpList, ipKey } from '../client-ip/index.ts';
import { warnConfig } from '../core/events.ts';
import { boolOption, checkKeys, configError, describeValue, numberOption, optionsObject } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { memoryStore } from '../stores/memory.ts';
import type { Algorithm, Policy, RateDecision, RateLimitStore } from '../stores/types.ts';
import { announceFailOpen, GuardedStore } from './guarded-store.ts';
import { compileMatch, type RequestMatcher, type RuleMatch } from './rules.ts';

/** A per-route limit: the first matching rule applies, in addition to the global limit. */
export interface RateLimitRule {
  /** `'/login'` (that path and below), a RegExp over the path, or `{ method, path }`. */
  match: RuleMatch;
  /** Requests allowed per window. */
  maxRequests: number;
  /** Window in seconds. */
  window: number;
  /** Algorithm for this rule (default: the limiter's). */
  algorithm?: Algorithm;
  /** Policy name shown in `RateLimit-Policy` and events (default `rule<index>`). */
  name?: string;
}

/** Which rate-limit response headers to send. */
export interface RateLimitHeaderOptions {
  /** `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds until reset). Default true. */
  legacy?: boolean;
  /** IETF `RateLimit-Policy` and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers). Default true. */
  standard?: boolean;
}

/** Options of {@link rateLimit}. Times are in seconds. */
export interface RateLimitOptions {
  /** Requests allowed per window per key (default 100). For token-bucket and GCRA: the burst size. */
  maxRequests?: number;
  /** Window in seconds (default 60). For token-bucket and GCRA: the time to refill fully. */
  window?: number;
  /** Counting algorithm (default 'sliding-window'). */
  algorithm?: Algorithm;
  /** The key a request is counted under (default: the trusted client IP, IPv6 by /ipv6Prefix). */
  key?: (req: RequestView) => string;
  /** IPv6 prefix length for the default key (default 64). */
  ipv6Prefix?: number;
  /** Per-route limits; the first match applies in addition to the global limit. */
  rules?: readonly RateLimitRule[];
  /** Client IPs / CIDRs that are never limited. */
  allowlist?: readonly string[];
  /** Return true to let a request through uncounted. */
  skip?: (req: RequestView) => boolean;
  /** Where counters live (default: a bounded in-memory store, synchronous decisions). Closed by `close()`. */
  store?: RateLimitStore;
  /** For a remote store: decide in memory while it is down (default true), or a store to use. */
  insurance?: boolean | RateLimitStore;
  /** Without insurance, let requests through while the store is down (default false: 503). */
  failOpen?: boolean;
  /** The opposite of failOpen (default true). */
  failClosed?: boolean;
  /** Response headers to send (default: legacy and standard). */
  headers?: boolean | RateLimitHeaderOptions;
  /** Additional per-second limit per key (DDoS burst guard), e.g. 20. Default: none. */
  burst?: number;
  /** Clock in epoch milliseconds (tests). Default Date.now. */
  now?: () => number;
}

/** The rate-limit middleware with its store and an admin reset. */
export interface RateLimitMiddleware extends Middleware {
  readonly name: 'rateLimit';
  /** The store holding the counters. */
  readonly store: RateLimitStore;
  /** Forget every counter of one key (e.g. after a successful login). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

interface CompiledPolicy extends Policy {
  readonly name: string;
  readonly windowSeconds: number;
  /** Precomputed header pieces: `X-RateLimit-Limit` value and the `RateLimit` item prefix. */
  readonly limitText: string;
  readonly itemPrefix: string;
}

interface Plan {
  readonly policies: readonly CompiledPolicy[];
  /** Precomputed `RateLimit-Policy` value. */
  readonly policyHeader: string;
}

const OPTION_KEYS = [
  'maxRequests', 'window', 'algorithm', 'key', 'ipv6Prefix', 'rules', 'allowlist', 'skip', 'store',
  'insurance', 'failOpen', 'failClosed', 'headers', 'burst', 'now',
] as const;
const RULE_KEYS = ['match', 'maxRequests', 'window', 'algorithm', 'name'] as const;
const ALGORITHMS: readonly Algorithm[] = ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'];
const HIT_MEMORY = 10_000;

function algorithmOption(value: unknown, name: string): Algorithm {
  if (!ALGORITHMS.includes(value as Algorithm)) {
    throw configError(`${name} must be one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')} (got ${describeValue(value)}).`);
  }
  return value as Algorithm;
}

function policy(id: string, name: string, algorithm: Algorithm, limit: number, windowSeconds: number): CompiledPolicy {
  return Object.freeze({ id, name, algorithm, limit, windowMs: Math.max(1, Math.round(windowSeconds * 1000)), windowSeconds, limitText: String(limit), itemPrefix: `"${name}";r=` });
}

/** Seconds for X-RateLimit-Reset and RateLimit t on an admitted request (see writeHeaders). */
function resetSeconds(d: RateDecision): number {
  return d.remaining > 0 ? Math.ceil(d.resetMs / 1000) : Math.max(1, Math.ceil(d.retryAfterMs / 1000));
}

/** The policy the headers describe: fewest requests left, then the longest wait. */
function tighter(d: RateDecision, than: RateDecision): boolean {
  if (d.remaining !== than.remaining) return d.remaining < than.remaining;
  return d.remaining === 0 ? d.retryAfterMs > than.retryAfterMs : d.resetMs > than.resetMs;
}

function isStore(value: unknown): value is RateLimitStore {
  const s = value as RateLimitStore;
  return value !== null && typeof value === 'object' && typeof s.consume === 'function' && typeof s.get === 'function' && typeof s.reset === 'function' && typeof s.close === 'function';
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
  const o = optionsObject(options, 'rateLimit') as RateLimitOptions;
  checkKeys(o, OPTION_KEYS, 'rateLimit');
  const maxRequests = o.maxRequests === undefined ? 100 : numberOption(o.maxRequests, 'rateLimit.maxRequests', 1, 1_000_000_000);
  const window = o.window === undefined ? 60 : numberOption(o.window, 'rateLimit.window', 0.001, 31_536_000, false);
  const algorithm = o.algorithm === undefined ? 'sliding-window' : algorithmOption(o.algorithm, 'rateLimit.algorithm');
  const ipv6Prefix = o.ipv6Prefix === undefined ? 64 : numberOption(o.ipv6Prefix, 'rateLimit.ipv6Prefix', 1, 128);
  if (o.key !== undefined && typeof o.key !== 'function') throw configError('rateLimit.key must be a function (req) => string.');
  if (o.skip !== undefined && typeof o.skip !== 'function') throw configError('rateLimit.skip must be a function (req) => boolean.');
  if (o.now !== undefined && typeof o.now !== 'function') throw configError('rateLimit.now must be a function returning epoch milliseconds.');
  if (o.store !== undefined && !isStore(o.store)) throw configError('rateLimit.store must be a rate-limit store (memoryStore(), redisStore(…), postgresStore(…)).');

  let failOpen = o.failOpen === undefined ? false : boolOption(o.failOpen, 'rateLimit.failOpen');
  if (o.failClosed !== undefined) {
    const closed = boolOption(o.failClosed, 'rateLimit.failClosed');
    if (o.failOpen !== undefined && closed === failOpen) throw configError('rateLimit.failOpen and rateLimit.failClosed contradict each other; set only one.');
    failOpen = !closed;
  }

  let legacyHeaders = true;
  let standardHeaders = true;
  if (o.headers === false) legacyHeaders = standardHeaders = false;
  else if (o.headers !== undefined && o.headers !== true) {
    const h = optionsObject(o.headers, 'rateLimit.headers') as RateLimitHeaderOptions;
    checkKeys(h, ['legacy', 'standard'], 'rateLimit.headers');
    if (h.legacy !== undefined) legacyHeaders = boolOption(h.legacy, 'rateLimit.headers.legacy');
    if (h.standard !== undefined) standardHeaders = boolOption(h.standard, 'rateLimit.headers.standard');
  }

  let allow: { has(ip: string): boolean } | undefined;
  if (o.allowlist !== undefined) {
    if (!Array.isArray(o.allowlist)) throw configError('rateLimit.allowlist must be a list of IP addresses or CIDRs.');
    const { matcher, invalid } = compileIpList(o.allowlist);
    if (invalid.length > 0) throw configError(`rateLimit.allowlist contains invalid addresses or CIDRs: ${invalid.map((s) => JSON.stringify(s)).join(', ')}.`);
    if (matcher.size > 0) allow = matcher;
  }

  const global = policy('g', 'default', algorithm, maxRequests, window);
  const burst = o.burst === undefined ? undefined : policy('b', 'burst', 'sliding-window', numberOption(o.burst, 'rateLimit.burst', 1, 1_000_000_000), 1);
  const basePolicies = burst === undefined ? [global] : [global, burst];
  const makePlan = (policies: CompiledPolicy[]): Plan =>
    Object.freeze({
      policies: Object.freeze(policies),
      policyHeader: policies.map((p) => `"${p.name}";q=${p.limit};w=${Math.max(1, Math.round(p.windowSeconds))}`).join(', '),
    });
  const basePlan = makePlan(basePolicies);

  const rules: Array<{ match: RequestMatcher; plan: Plan }> = [];
  if (o.rules !== undefined) {
    if (!Array.isArray(o.rules)) throw configError('rateLimit.rules must be a list of { match, maxRequests, window }.');
    const names = new Set<string>(['default', 'burst']);
    o.rules.forEach((raw, i) => {
      const where = `rateLimit.rules[${i}]`;
      const rule = optionsObject(raw, where) as unknown as RateLimitRule;
      checkKeys(rule, RULE_KEYS, where);
      if (rule.match === undefined) throw configError(`${where}.match is required ('/login', a RegExp, or { method, path }).`);
      const name = rule.name === undefined ? `rule${i}` : rule.name;
      if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,40}$/.test(name) || names.has(name)) {
        throw configError(`${where}.name must be a unique token of letters, digits, "_", "." or "-" (got ${describeValue(name)}).`);
      }
      names.add(name);
      const p = policy(
        `r:${name}`,
        name,
        rule.algorithm === undefined ? algorithm : algorithmOption(rule.algorithm, `${where}.algorithm`),
        numberOption(rule.maxRequests, `${where}.maxRequests`, 1, 1_000_000_000),
        numberOption(rule.window, `${where}.window`, 0.001, 31_536_000, false),
      );
      rules.push({ match: compileMatch(rule.match, `${where}.match`), plan: makePlan([p, ...basePolicies]) });
    });
  }

  const store = o.store ?? memoryStore();
  const remote = store.kind !== 'memory';
  let guard: GuardedStore | undefined;
  if (remote) {
    const insurance = o.insurance === undefined || o.insurance === true ? memoryStore() : o.insurance === false ? undefined : o.insurance;
    if (insurance !== undefined && !isStore(insurance)) throw configError('rateLimit.insurance must be true, false or a store.');
    if (insurance === undefined && failOpen) announceFailOpen();
    guard = new GuardedStore(store, insurance, failOpen);
  } else if (o.insurance !== undefined && o.insurance !== false && o.insurance !== true) {
    throw configError('rateLimit.insurance is only used with a remote store (Redis, PostgreSQL).');
  }
  if (failOpen && !remote) warnConfig('rateLimit.failOpen has no effect with the memory store.');

  const clock = o.now ?? Date.now;
  const keyFn = o.key;
  const skip = o.skip;
  const v6Keys = new Map<string, string>();

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
    hits.set(hitKey, now + Math.max(d.resetMs, d.retryAfterMs, 1000));
    // A custom key may be an account name or API key: report a short digest, never the key itself.
    const who = keyFn === undefined ? '' : `; key #${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
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

  const reject = (req: RequestView, res: ResponseControl, plan: Plan, p: CompiledPolicy, d: RateDecision, key: string, now: number): Reply => {
    const retry = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
    if (d.unavailable === true) {
      return problem(503, 'The rate limiter is temporarily unavailable; retry shortly.', { headers: { 'retry-after': String(retry) } });
    }
    writeHeaders(res, plan, d.remaining === 0 ? d : { ...d, remaining: 0 }, p, retry);
    reportHit(req, p, key, d, now);
    return problem(429, `Too many requests; retry in ${retry} s.`, { headers: { 'retry-after': String(retry) } });
  };

  const decideRemote = async (req: RequestView, res: ResponseControl, plan: Plan, key: string, now: number): Promise<Reply | undefined> => {
    const policies = plan.policies;
    const decisions = policies.length === 1 ? [await guard!.consume(req, key, policies[0]!, now)] : await Promise.all(policies.map((p) => guard!.consume(req, key, p, now)));
    let worst = -1;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i];
      if (d === undefined) return undefined; // fail open
      if (!d.allowed) return reject(req, res, plan, plan.policies[i]!, d, key, now);
      if (worst === -1 || tighter(d, decisions[worst]!)) worst = i;
    }
    writeHeaders(res, plan, decisions[worst]!, plan.policies[worst]!, resetSeconds(decisions[worst]!));
    return undefined;
  };

  const middleware: RateLimitMiddleware = {
    name: 'rateLimit',
    store,
    handle(req: RequestView, res: ResponseControl): Reply | undefined | Promise<Reply | undefined> {
      if (allow !== undefined && allow.has(req.ip)) return undefined;
      if (skip !== undefined && skip(req) === true) return undefined;
      const key = clientKey(req);
      const now = clock();
      let plan = basePlan;
      for (let i = 0; i < rules.length; i++) {
        if (rules[i]!.match(req)) {
          plan = rules[i]!.plan;
          break;
        }
      }
      if (guard !== undefined) return decideRemote(req, res, plan, key, now);
      const policies = plan.policies;
      let worst: RateDecision | undefined;
      let worstPolicy = policies[0]!;
      for (let i = 0; i < policies.length; i++) {
        const p = policies[i]!;
        const d = store.consume(key, p, now) as RateDecision;
        if (!d.allowed) return reject(req, res, plan, p, d, key, now);
        if (worst === undefined || tighter(d, worst)) {
          worst = d;
          worstPolicy = p;
        }
      }
      if (legacyHeaders || standardHeaders) writeHeaders(res, plan, worst!, worstPolicy, resetSeconds(worst!));
      return undefined;
    },
    async reset(key: string): Promise<void> {
      const all = new Set<CompiledPolicy>(basePolicies);
      for (const r of rules) for (const p of r.plan.policies) all.add(p);
      await Promise.all([...all].map((p) => store.reset(key, p)));
      if (guard?.insurance !== undefined) await Promise.all([...all].map((p) => guard!.insurance!.reset(key, p)));
    },
    async close(): Promise<void> {
      hits.clear();
      // Closes the store too (stores close idempotently, so sharing one is fine on shutdown).
      await store.close();
      if (guard?.insurance !== undefined && o.insurance !== guard.insurance) await guard.insurance.close();
    },
  };
  return Object.freeze(middleware);
}
