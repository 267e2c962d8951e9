import { ipKey } from '../client-ip/index.ts';
import { globalEventSink, safeEmit } from '../core/events.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../core/options.ts';
import type { EventSink } from '../core/types.ts';
import { memoryStore } from '../stores/memory.ts';
import type { Policy, RateLimitStore } from '../stores/types.ts';
import { accountKey } from './targets.ts';

/** Options of {@link loginGuard}. Times in seconds. */
export interface LoginGuardOptions {
  /** Failures from one IP on one account before that pair is locked (default 5). */
  maxFailures?: number;
  /** Window the failures are counted in (default 900). */
  window?: number;
  /** First lock-out of an IP+account pair; doubles with every further lock-out (default 60). */
  lockout?: number;
  /** Longest lock-out (default 3600). */
  maxLockout?: number;
  /** Failures on one account from all IPs before the account is throttled for `lockout` (default 50; false: off). Softer: never exponential, so an attacker cannot lock the victim out for long. */
  accountMaxFailures?: number | false;
  /** Failures from one IP across all accounts before the IP is locked for `maxLockout` (default 100; false: off). */
  ipMaxFailures?: number | false;
  /** Salt for the stored account digests (recommended with a shared store). */
  secret?: string;
  /** Where counters and locks live (default: in memory; Redis/PostgreSQL share them across servers). */
  store?: RateLimitStore;
  /** Minimum duration of `attempt()` in milliseconds, so known and unknown accounts take as long (default 0: off). */
  minDuration?: number;
  /** Where LOGIN_LOCKED events go (default: the global SecurityLog). */
  events?: EventSink;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** The answer of `check()`. */
export interface LoginCheck {
  readonly allowed: boolean;
  /** Seconds until a new attempt is allowed (0 when allowed). */
  readonly retryAfter: number;
  /** Which lock applies: 'pair' (this IP on this account), 'account' (throttled), 'ip' (too many accounts tried). */
  readonly lock?: 'pair' | 'account' | 'ip';
}

/** Brute-force protection for a login endpoint. */
export interface LoginGuard {
  check(ip: string, account: string): Promise<LoginCheck>;
  /** Record a failed login; returns the state after it. */
  fail(ip: string, account: string): Promise<LoginCheck>;
  /** Record a successful login: clears this pair's failures and lock-out history. */
  succeed(ip: string, account: string): Promise<void>;
  /**
   * check → verify → fail/succeed in one call, padded to `minDuration` so the response
   * time does not reveal whether the account exists. `verify` must do the same work for
   * unknown accounts (e.g. verify against a dummy hash).
   */
  attempt(ip: string, account: string, verify: () => Promise<boolean> | boolean): Promise<LoginCheck & { ok: boolean }>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * The seed's brute-force detection pattern as a helper: per IP-and-account lock-out with
 * exponential backoff, a softer per-account throttle (no lock-out-the-victim), a per-IP
 * limit across accounts (credential stuffing), and identical work for unknown accounts.
 *
 * @example
 * const guard = loginGuard({ maxFailures: 5, window: 900, lockout: 60 });
 * const { allowed, retryAfter } = await guard.check(clientIp(req), email);
 * if (!allowed) return tooMany(retryAfter);
 * if (await verifyPassword(hash, password)) await guard.succeed(ip, email); else await guard.fail(ip, email);
 */
export function loginGuard(options: LoginGuardOptions = {}): LoginGuard {
  const o = optionsObject(options, 'loginGuard') as LoginGuardOptions;
  checkKeys(o, ['maxFailures', 'window', 'lockout', 'maxLockout', 'accountMaxFailures', 'ipMaxFailures', 'secret', 'store', 'minDuration', 'events', 'now'], 'loginGuard');
  const maxFailures = o.maxFailures === undefined ? 5 : numberOption(o.maxFailures, 'loginGuard.maxFailures', 1, 1_000_000);
  const windowMs = (o.window === undefined ? 900 : numberOption(o.window, 'loginGuard.window', 1, 31_536_000, false)) * 1000;
  const lockoutMs = (o.lockout === undefined ? 60 : numberOption(o.lockout, 'loginGuard.lockout', 0.001, 31_536_000, false)) * 1000;
  const maxLockoutMs = (o.maxLockout === undefined ? 3600 : numberOption(o.maxLockout, 'loginGuard.maxLockout', 0.001, 31_536_000, false)) * 1000;
  if (maxLockoutMs < lockoutMs) throw configError('loginGuard.maxLockout must be at least loginGuard.lockout.');
  const accountMax = o.accountMaxFailures === false ? undefined : o.accountMaxFailures === undefined ? 50 : numberOption(o.accountMaxFailures, 'loginGuard.accountMaxFailures', 1, 1_000_000);
  const ipMax = o.ipMaxFailures === false ? undefined : o.ipMaxFailures === undefined ? 100 : numberOption(o.ipMaxFailures, 'loginGuard.ipMaxFailures', 1, 1_000_000);
  if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 16)) throw configError('loginGuard.secret must be a string of at least 16 characters.');
  const minDuration = o.minDuration === undefined ? 0 : numberOption(o.minDuration, 'loginGuard.minDuration', 0, 60_000);
  const store = o.store ?? memoryStore();
  const clock = o.now ?? Date.now;
  const sink = o.events ?? globalEventSink;

  const pairPolicy: Policy = { id: 'lg:pair', algorithm: 'fixed-window', limit: maxFailures, windowMs };
  const strikePolicy: Policy = { id: 'lg:strikes', algorithm: 'fixed-window', limit: 1_000_000, windowMs: DAY_MS };
  const accountPolicy: Policy | undefined = accountMax === undefined ? undefined : { id: 'lg:acct', algorithm: 'sliding-window', limit: accountMax, windowMs };
  const ipPolicy: Policy | undefined = ipMax === undefined ? undefined : { id: 'lg:ip', algorithm: 'sliding-window', limit: ipMax, windowMs };

  const keys = (ip: string, account: string): { pair: string; acct: string; ip: string } => {
    const a = accountKey(account, o.secret);
    const i = ipKey(typeof ip === 'string' && ip !== '' ? ip : 'unknown');
    return { pair: `${i}|${a}`, acct: a, ip: i };
  };

  // Same store operations whatever the account: no timing or lock difference for unknown names.
  const check = async (ip: string, account: string): Promise<LoginCheck> => {
    const k = keys(ip, account);
    const now = clock();
    const [pair, acct, addr] = await Promise.all([store.blocked(`lg:p:${k.pair}`, now), store.blocked(`lg:a:${k.acct}`, now), store.blocked(`lg:i:${k.ip}`, now)]);
    let until = 0;
    let lock: LoginCheck['lock'];
    for (const [entry, kind] of [[pair, 'pair'], [acct, 'account'], [addr, 'ip']] as const) {
      if (entry !== undefined && entry.until > until) {
        until = entry.until;
        lock = kind;
      }
    }
    if (lock === undefined) return { allowed: true, retryAfter: 0 };
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((until - now) / 1000)), lock };
  };

  const lock = async (target: string, ms: number, reason: string, now: number): Promise<void> => {
    await store.block(target, now + ms, reason);
    safeEmit(sink, { event: 'LOGIN_LOCKED', detail: `${reason} for ${Math.ceil(ms / 1000)} s` });
  };

  const fail = async (ip: string, account: string): Promise<LoginCheck> => {
    const k = keys(ip, account);
    const now = clock();
    const [pair, acct, addr] = await Promise.all([
      store.consume(k.pair, pairPolicy, now),
      accountPolicy === undefined ? undefined : store.consume(k.acct, accountPolicy, now),
      ipPolicy === undefined ? undefined : store.consume(k.ip, ipPolicy, now),
    ]);
    const work: Array<Promise<void>> = [];
    if (!pair.allowed || pair.remaining === 0) {
      const strikes = await store.consume(k.pair, strikePolicy, now);
      const n = strikePolicy.limit - strikes.remaining; // 1 for the first lock-out
      const ms = Math.min(maxLockoutMs, lockoutMs * 2 ** Math.min(30, n - 1));
      work.push(lock(`lg:p:${k.pair}`, ms, `ip+account lock-out #${n}`, now), Promise.resolve(store.reset(k.pair, pairPolicy)));
    }
    if (acct !== undefined && (!acct.allowed || acct.remaining === 0)) {
      work.push(lock(`lg:a:${k.acct}`, lockoutMs, 'account throttled (failures from many addresses)', now), Promise.resolve(store.reset(k.acct, accountPolicy)));
    }
    if (addr !== undefined && (!addr.allowed || addr.remaining === 0)) {
      work.push(lock(`lg:i:${k.ip}`, maxLockoutMs, 'address locked (failures across many accounts)', now), Promise.resolve(store.reset(k.ip, ipPolicy)));
    }
    await Promise.all(work);
    return check(ip, account);
  };

  const succeed = async (ip: string, account: string): Promise<void> => {
    const k = keys(ip, account);
    await Promise.all([store.reset(k.pair, pairPolicy), store.reset(k.pair, strikePolicy), store.unblock(`lg:p:${k.pair}`)]);
  };

  return {
    check,
    fail,
    succeed,
    async attempt(ip, account, verify) {
      const started = performance.now();
      let result: LoginCheck & { ok: boolean };
      const state = await check(ip, account);
      if (!state.allowed) result = { ...state, ok: false };
      else if (await verify()) {
        await succeed(ip, account);
        result = { allowed: true, retryAfter: 0, ok: true };
      } else result = { ...(await fail(ip, account)), ok: false };
      const left = minDuration - (performance.now() - started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      return result;
    },
    async close() {
      await store.close();
    },
  };
}
