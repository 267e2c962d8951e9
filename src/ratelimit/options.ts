import { compileIpList } from '../client-ip/index.ts';
import { warnConfig } from '../core/events.ts';
import { boolOption, checkKeys, configError, describeValue, numberOption, optionsObject } from '../core/options.ts';
import type { RequestView } from '../core/types.ts';
import { memoryStore } from '../stores/memory.ts';
import type { Algorithm, Policy, RateLimitStore } from '../stores/types.ts';
import { announceFailOpen, announceRuleFailOpen, type StoreErrorPolicy } from './guarded-store.ts';
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
  /**
   * What requests this rule matches get while a remote store fails: `'closed'` answers 503
   * + Retry-After (a login that must never go unlimited), `'open'` lets them through
   * unlimited (announced as a config warning). Either replaces the limiter's insurance /
   * failOpen for this rule. Default: the limiter's policy.
   */
  onStoreError?: 'open' | 'closed';
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
  /**
   * The key a request is counted under (default: the trusted client IP, IPv6 by /ipv6Prefix).
   * A key function that uses `req.ip` (even as a fallback) should carry `clientKeyed = true`,
   * so fetch runtimes without a client address refuse instead of sharing one key.
   */
  key?: ((req: RequestView) => string) & { clientKeyed?: boolean };
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
  /**
   * Seconds a remote store call may take (default 2). A call that has not answered by then
   * counts as a store failure (insurance, else 503), like an error or a malformed answer.
   */
  storeTimeout?: number;
  /** The opposite of failOpen (default true). */
  failClosed?: boolean;
  /** Response headers to send (default: legacy and standard). */
  headers?: boolean | RateLimitHeaderOptions;
  /** Additional per-second limit per key (DDoS burst guard), e.g. 20. Default: none. */
  burst?: number;
  /** Clock in epoch milliseconds (tests). Default Date.now. */
  now?: () => number;
}

/** A policy with its precomputed header pieces. */
export interface CompiledPolicy extends Policy {
  readonly name: string;
  readonly windowSeconds: number;
  /** Precomputed header pieces: `X-RateLimit-Limit` value and the `RateLimit` item prefix. */
  readonly limitText: string;
  readonly itemPrefix: string;
}

/** The policies one request is counted against, with the precomputed `RateLimit-Policy` value. */
export interface Plan {
  readonly policies: readonly CompiledPolicy[];
  /** Precomputed `RateLimit-Policy` value. */
  readonly policyHeader: string;
  /** A rule's own policy while a remote store fails (undefined: the limiter's). */
  readonly onStoreError?: StoreErrorPolicy | undefined;
}

/** The validated, frozen configuration {@link rateLimit} runs on. */
export interface RateLimitConfig {
  /** The global policy, then the burst policy when set. */
  readonly basePolicies: readonly CompiledPolicy[];
  readonly basePlan: Plan;
  /** Per-route rules in order; each plan is the rule's policy followed by the base policies. */
  readonly rules: readonly { readonly match: RequestMatcher; readonly plan: Plan }[];
  /** Every distinct policy (for reset()). */
  readonly allPolicies: readonly CompiledPolicy[];
  readonly ipv6Prefix: number;
  readonly key: ((req: RequestView) => string) | undefined;
  readonly skip: ((req: RequestView) => boolean) | undefined;
  readonly allow: { has(ip: string): boolean } | undefined;
  readonly clock: () => number;
  readonly legacyHeaders: boolean;
  readonly standardHeaders: boolean;
  /** The counter store (the caller's, or a new memory store). */
  readonly store: RateLimitStore;
  /** True for a remote store: decisions go through the insurance guard. */
  readonly remote: boolean;
  /** The insurance store of a remote store (undefined: none, fail open or closed). */
  readonly insurance: RateLimitStore | undefined;
  /** True when the insurance store was created here (close() closes it). */
  readonly ownsInsurance: boolean;
  readonly failOpen: boolean;
  /** Milliseconds a remote store call may take before it counts as a failure. */
  readonly storeTimeoutMs: number;
  /** True for a memory-kind store the caller passed: its answers are checked (not the built-in default). */
  readonly checkAnswers: boolean;
}

const OPTION_KEYS = [
  'maxRequests',
  'window',
  'algorithm',
  'key',
  'ipv6Prefix',
  'rules',
  'allowlist',
  'skip',
  'store',
  'insurance',
  'failOpen',
  'failClosed',
  'storeTimeout',
  'headers',
  'burst',
  'now',
] as const;
const RULE_KEYS = ['match', 'maxRequests', 'window', 'algorithm', 'name', 'onStoreError'] as const;
const ALGORITHMS: readonly Algorithm[] = ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'];

function algorithmOption(value: unknown, name: string): Algorithm {
  if (!ALGORITHMS.includes(value as Algorithm)) {
    throw configError(`${name} must be one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')} (got ${describeValue(value)}).`);
  }
  return value as Algorithm;
}

function policy(id: string, name: string, algorithm: Algorithm, limit: number, windowSeconds: number): CompiledPolicy {
  return Object.freeze({
    id,
    name,
    algorithm,
    limit,
    windowMs: Math.max(1, Math.round(windowSeconds * 1000)),
    windowSeconds,
    limitText: String(limit),
    itemPrefix: `"${name}";r=`,
  });
}

function plan(policies: CompiledPolicy[], onStoreError?: StoreErrorPolicy): Plan {
  return Object.freeze({
    onStoreError,
    policies: Object.freeze(policies),
    policyHeader: policies.map((p) => `"${p.name}";q=${p.limit};w=${Math.max(1, Math.round(p.windowSeconds))}`).join(', '),
  });
}

/** True when `value` has the four methods of the rate-limit store contract. */
export function isStore(value: unknown): value is RateLimitStore {
  const s = value as RateLimitStore;
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof s.consume === 'function' &&
    typeof s.get === 'function' &&
    typeof s.reset === 'function' &&
    typeof s.close === 'function'
  );
}

function headerSwitches(option: unknown): { legacy: boolean; standard: boolean } {
  if (option === false) return { legacy: false, standard: false };
  if (option === undefined || option === true) return { legacy: true, standard: true };
  const h = optionsObject(option, 'rateLimit.headers') as RateLimitHeaderOptions;
  checkKeys(h, ['legacy', 'standard'], 'rateLimit.headers');
  return {
    legacy: h.legacy === undefined ? true : boolOption(h.legacy, 'rateLimit.headers.legacy'),
    standard: h.standard === undefined ? true : boolOption(h.standard, 'rateLimit.headers.standard'),
  };
}

function compileRules(list: unknown, algorithm: Algorithm, basePolicies: readonly CompiledPolicy[]): RateLimitConfig['rules'] {
  if (list === undefined) return Object.freeze([]);
  if (!Array.isArray(list)) throw configError('rateLimit.rules must be a list of { match, maxRequests, window }.');
  const names = new Set<string>(['default', 'burst']);
  return Object.freeze(
    list.map((raw: unknown, i) => {
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
      let onStoreError: StoreErrorPolicy | undefined;
      if (rule.onStoreError !== undefined) {
        if (rule.onStoreError !== 'open' && rule.onStoreError !== 'closed')
          throw configError(`${where}.onStoreError must be 'open' or 'closed' (got ${describeValue(rule.onStoreError)}).`);
        onStoreError = Object.freeze({ rule: name, mode: rule.onStoreError });
      }
      return Object.freeze({ match: compileMatch(rule.match, `${where}.match`), plan: plan([p, ...basePolicies], onStoreError) });
    }),
  );
}

/**
 * Validate and normalise {@link RateLimitOptions} once: defaults applied, policies and
 * their header values precomputed, rules compiled, the store chosen. Throws RampartError
 * (ERR_RAMPART_CONFIG / ERR_RAMPART_UNKNOWN_OPTION) with the fix; announces a fail-open
 * limiter once. The result is frozen.
 */
export function compileRateLimitOptions(options: RateLimitOptions = {}): RateLimitConfig {
  const o = optionsObject(options, 'rateLimit') as RateLimitOptions;
  checkKeys(o, OPTION_KEYS, 'rateLimit');
  const maxRequests = o.maxRequests === undefined ? 100 : numberOption(o.maxRequests, 'rateLimit.maxRequests', 1, 1_000_000_000);
  const window = o.window === undefined ? 60 : numberOption(o.window, 'rateLimit.window', 0.001, 31_536_000, false);
  const algorithm = o.algorithm === undefined ? 'sliding-window' : algorithmOption(o.algorithm, 'rateLimit.algorithm');
  const ipv6Prefix = o.ipv6Prefix === undefined ? 64 : numberOption(o.ipv6Prefix, 'rateLimit.ipv6Prefix', 1, 128);
  if (o.key !== undefined && typeof o.key !== 'function') throw configError('rateLimit.key must be a function (req) => string.');
  if (o.skip !== undefined && typeof o.skip !== 'function') throw configError('rateLimit.skip must be a function (req) => boolean.');
  if (o.now !== undefined && typeof o.now !== 'function') throw configError('rateLimit.now must be a function returning epoch milliseconds.');
  if (o.store !== undefined && !isStore(o.store))
    throw configError('rateLimit.store must be a rate-limit store (memoryStore(), redisStore(…), postgresStore(…)).');

  let failOpen = o.failOpen === undefined ? false : boolOption(o.failOpen, 'rateLimit.failOpen');
  if (o.failClosed !== undefined) {
    const closed = boolOption(o.failClosed, 'rateLimit.failClosed');
    if (o.failOpen !== undefined && closed === failOpen) throw configError('rateLimit.failOpen and rateLimit.failClosed contradict each other; set only one.');
    failOpen = !closed;
  }

  const headers = headerSwitches(o.headers);
  const storeTimeout = o.storeTimeout === undefined ? 2 : numberOption(o.storeTimeout, 'rateLimit.storeTimeout', 0.001, 60, false);

  let allow: { has(ip: string): boolean } | undefined;
  if (o.allowlist !== undefined) {
    if (!Array.isArray(o.allowlist)) throw configError('rateLimit.allowlist must be a list of IP addresses or CIDRs.');
    const { matcher, invalid } = compileIpList(o.allowlist);
    if (invalid.length > 0) throw configError(`rateLimit.allowlist contains invalid addresses or CIDRs: ${invalid.map((s) => JSON.stringify(s)).join(', ')}.`);
    if (matcher.size > 0) allow = matcher;
  }

  const global = policy('g', 'default', algorithm, maxRequests, window);
  const burst = o.burst === undefined ? undefined : policy('b', 'burst', 'sliding-window', numberOption(o.burst, 'rateLimit.burst', 1, 1_000_000_000), 1);
  const basePolicies = Object.freeze(burst === undefined ? [global] : [global, burst]);
  const rules = compileRules(o.rules, algorithm, basePolicies);
  const allPolicies = new Set<CompiledPolicy>(basePolicies);
  for (const r of rules) for (const p of r.plan.policies) allPolicies.add(p);

  // Validate the insurance option before creating any store, so a bad option allocates nothing.
  const remote = o.store !== undefined && o.store.kind !== 'memory';
  if (remote) {
    if (o.insurance !== undefined && typeof o.insurance !== 'boolean' && !isStore(o.insurance))
      throw configError('rateLimit.insurance must be true, false or a store.');
  } else if (o.insurance !== undefined && o.insurance !== false && o.insurance !== true) {
    throw configError('rateLimit.insurance is only used with a remote store (Redis, PostgreSQL).');
  }
  const store = o.store ?? memoryStore();
  const ownsInsurance = remote && (o.insurance === undefined || o.insurance === true);
  const insurance = !remote ? undefined : ownsInsurance ? memoryStore() : o.insurance === false ? undefined : (o.insurance as RateLimitStore);
  if (remote && insurance === undefined && failOpen) announceFailOpen();
  if (failOpen && !remote) warnConfig('rateLimit.failOpen has no effect with the memory store.');
  for (const r of rules) {
    const policy = r.plan.onStoreError;
    if (policy === undefined) continue;
    if (!remote) warnConfig(`rateLimit.rules "${policy.rule}": onStoreError has no effect with the memory store.`);
    else if (policy.mode === 'open') announceRuleFailOpen(policy.rule);
  }

  return Object.freeze({
    basePolicies,
    basePlan: plan([...basePolicies]),
    rules,
    allPolicies: Object.freeze([...allPolicies]),
    ipv6Prefix,
    key: o.key,
    skip: o.skip,
    allow,
    clock: o.now ?? Date.now,
    legacyHeaders: headers.legacy,
    standardHeaders: headers.standard,
    store,
    remote,
    insurance,
    ownsInsurance,
    failOpen,
    storeTimeoutMs: Math.max(1, Math.round(storeTimeout * 1000)),
    checkAnswers: !remote && o.store !== undefined,
  });
}
