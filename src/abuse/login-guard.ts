import { RampartError } from '../errors.ts';
import { nodeCrypto } from '../core/builtin.ts';
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
  /** Failures from one IP across all accounts before the IP is locked for `maxLockout` (default 100; false: off). For IPv6 it also applies to the whole `networkPrefix`. */
  ipMaxFailures?: number | false;
  /**
   * IPv6 prefix an attacker is assumed to control (default 48; false: off). Failures are
   * also counted per network: on one account (`networkMaxFailures`, locked with the same
   * exponential backoff as a pair) and across accounts (`ipMaxFailures`), so rotating /64s
   * inside one allocation does not evade the locks. Applies to untrusted clients only.
   */
  networkPrefix?: number | false;
  /** Failures on one account from one IPv6 network before that network is locked on it (default 4 × maxFailures). */
  networkMaxFailures?: number;
  /**
   * How long a client stays trusted for an account after a successful login (seconds,
   * default 30 days): from the same address (IPv6: /64) or with a device cookie from
   * {@link LoginGuard.issueDevice}. A trusted client is judged on its own failures only;
   * the account throttle and network locks apply to untrusted clients.
   */
  deviceTtl?: number;
  /** Salt for the stored account digests (recommended with a shared store); the key of device cookies (required for them). */
  secret?: string;
  /** Where counters and locks live (default: in memory; Redis/PostgreSQL share them across servers). */
  store?: RateLimitStore;
  /** Minimum duration of `attempt()` in milliseconds, so known and unknown accounts take as long (default 0: off). */
  minDuration?: number;
  /**
   * Where LOGIN_FAILED and LOGIN_LOCKED events go (default: the global SecurityLog). LOGIN_FAILED
   * names the account in `detail` (`account=<name> #<digest>`): as given when the call carries the
   * account's `userId`, masked otherwise (see {@link LoginClient.userId}); so does LOGIN_LOCKED
   * for a lock bound to one account.
   */
  events?: EventSink;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** The answer of `check()`. */
export interface LoginCheck {
  readonly allowed: boolean;
  /** Seconds until a new attempt is allowed (0 when allowed). */
  readonly retryAfter: number;
  /**
   * Which lock applies: 'pair' (this IP on this account), 'account' (throttled for
   * untrusted clients), 'ip' (too many accounts tried), 'network' (the client's IPv6
   * network, on this account or across accounts), 'device' (this device cookie failed too often).
   */
  readonly lock?: 'pair' | 'account' | 'ip' | 'network' | 'device';
  /** Present (true) when the client is trusted for this account: a valid device cookie, or an address that logged in before. */
  readonly trusted?: boolean;
}

/** Per-call options: the device cookie the client presented, if any, and the account's user id when it exists. */
export interface LoginClient {
  /** The value of the device cookie ({@link LoginGuard.issueDevice}) the client sent. */
  device?: string | undefined;
  /**
   * The user id of the account, when one exists under that name (the app looked it up). A
   * failure's LOGIN_FAILED then carries it as `userId` and the account name as given in
   * `detail`. Without it the guard cannot tell a real account from whatever was typed into the
   * name field (a password, an address from a stolen list), so the name is stored masked
   * (`a***@example.com`); the digest after it is the same either way. A string or an integer.
   */
  userId?: string | number | undefined;
}

/** Brute-force protection for a login endpoint. */
export interface LoginGuard {
  check(ip: string, account: string, client?: LoginClient): Promise<LoginCheck>;
  /** Record a failed login; returns the state after it. */
  fail(ip: string, account: string, client?: LoginClient): Promise<LoginCheck>;
  /**
   * Record a successful login: clears this pair's failures and lock-out history, and trusts
   * this address (IPv6: /64) for the account for `deviceTtl`.
   */
  succeed(ip: string, account: string, client?: LoginClient): Promise<void>;
  /**
   * A device cookie value for `account` (OWASP "device cookies"): give it to the client
   * after a successful login (HttpOnly, Secure, Max-Age = `deviceTtl`) and pass it back as
   * `{ device }`. Signed with `secret` (required), valid for `deviceTtl`; cookie-safe text.
   */
  issueDevice(account: string): string;
  /**
   * check → verify → fail/succeed in one call, padded to `minDuration` so the response
   * time does not reveal whether the account exists. `verify` must do the same work for
   * unknown accounts (e.g. verify against a dummy hash). With a `secret`, a successful
   * attempt carries a fresh device cookie in `device`.
   */
  attempt(ip: string, account: string, verify: () => Promise<boolean> | boolean, client?: LoginClient): Promise<LoginCheck & { ok: boolean; device?: string }>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Longest account name a LOGIN_FAILED quotes (an e-mail address's limit). */
const MAX_NAME = 254;

/**
 * The account as a LOGIN_FAILED names it: as given when the app vouched for it with a user id;
 * otherwise only its first character (and an e-mail address's domain), since an unconfirmed
 * name may be a password typed into the wrong field.
 */
function accountLabel(account: string, known: boolean): string {
  const name = account.trim();
  if (known) return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
  const at = name.lastIndexOf('@');
  const domain = at > 0 && at < name.length - 1 ? name.slice(at + 1, at + 1 + MAX_NAME) : '';
  const first = String.fromCodePoint(name.codePointAt(0)!);
  return domain === '' ? `${first}***` : `${first}***@${domain}`;
}

function checkUserId(value: unknown): string | number | undefined {
  if (value === undefined || (typeof value === 'string' && value !== '') || Number.isSafeInteger(value)) return value as string | number | undefined;
  throw configError("loginGuard: client.userId must be the account's user id, a non-empty string or an integer (or left out when no account has that name).");
}
const DEVICE_VERSION = 'd1';

/**
 * The seed's brute-force detection pattern as a helper, following OWASP's guidance against
 * online guessing: per IP-and-account lock-out with exponential backoff; a softer
 * per-account throttle that applies to untrusted clients only, so an attacker cannot lock
 * the owner out (she is trusted from an address she logged in from, or with a device
 * cookie, and judged on her own failures); per-IP and (IPv6) per-network limits; identical
 * work for unknown accounts.
 *
 * @example
 * const guard = loginGuard({ maxFailures: 5, window: 900, lockout: 60, secret });
 * const device = req.cookies.device;
 * const { allowed, retryAfter } = await guard.check(clientIp(req), email, { device });
 * if (!allowed) return tooMany(retryAfter);
 * if ((await verifyPassword(hash, password)).ok) { await guard.succeed(ip, email, { device }); setCookie('device', guard.issueDevice(email)); }
 * else await guard.fail(ip, email, { device });
 */
export function loginGuard(options: LoginGuardOptions = {}): LoginGuard {
  const o = optionsObject(options, 'loginGuard') as LoginGuardOptions;
  checkKeys(
    o,
    [
      'maxFailures',
      'window',
      'lockout',
      'maxLockout',
      'accountMaxFailures',
      'ipMaxFailures',
      'networkPrefix',
      'networkMaxFailures',
      'deviceTtl',
      'secret',
      'store',
      'minDuration',
      'events',
      'now',
    ],
    'loginGuard',
  );
  const maxFailures = o.maxFailures === undefined ? 5 : numberOption(o.maxFailures, 'loginGuard.maxFailures', 1, 1_000_000);
  const windowMs = (o.window === undefined ? 900 : numberOption(o.window, 'loginGuard.window', 1, 31_536_000, false)) * 1000;
  const lockoutMs = (o.lockout === undefined ? 60 : numberOption(o.lockout, 'loginGuard.lockout', 0.001, 31_536_000, false)) * 1000;
  const maxLockoutMs = (o.maxLockout === undefined ? 3600 : numberOption(o.maxLockout, 'loginGuard.maxLockout', 0.001, 31_536_000, false)) * 1000;
  if (maxLockoutMs < lockoutMs) throw configError('loginGuard.maxLockout must be at least loginGuard.lockout.');
  const accountMax =
    o.accountMaxFailures === false
      ? undefined
      : o.accountMaxFailures === undefined
        ? 50
        : numberOption(o.accountMaxFailures, 'loginGuard.accountMaxFailures', 1, 1_000_000);
  const ipMax =
    o.ipMaxFailures === false ? undefined : o.ipMaxFailures === undefined ? 100 : numberOption(o.ipMaxFailures, 'loginGuard.ipMaxFailures', 1, 1_000_000);
  const netPrefix =
    o.networkPrefix === false ? undefined : o.networkPrefix === undefined ? 48 : numberOption(o.networkPrefix, 'loginGuard.networkPrefix', 16, 64);
  const netMax = o.networkMaxFailures === undefined ? 4 * maxFailures : numberOption(o.networkMaxFailures, 'loginGuard.networkMaxFailures', 1, 1_000_000);
  const trustMs = (o.deviceTtl === undefined ? 30 * 86_400 : numberOption(o.deviceTtl, 'loginGuard.deviceTtl', 1, 31_536_000 * 5, false)) * 1000;
  if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 16))
    throw configError('loginGuard.secret must be a string of at least 16 characters.');
  const minDuration = o.minDuration === undefined ? 0 : numberOption(o.minDuration, 'loginGuard.minDuration', 0, 60_000);
  const store = o.store ?? memoryStore();
  const clock = o.now ?? Date.now;
  const sink = o.events ?? globalEventSink;
  const secret = o.secret;

  const pairPolicy: Policy = { id: 'lg:pair', algorithm: 'fixed-window', limit: maxFailures, windowMs };
  const strikePolicy: Policy = { id: 'lg:strikes', algorithm: 'fixed-window', limit: 1_000_000, windowMs: DAY_MS };
  const accountPolicy: Policy | undefined = accountMax === undefined ? undefined : { id: 'lg:acct', algorithm: 'sliding-window', limit: accountMax, windowMs };
  const ipPolicy: Policy | undefined = ipMax === undefined ? undefined : { id: 'lg:ip', algorithm: 'sliding-window', limit: ipMax, windowMs };
  const netPairPolicy: Policy = { id: 'lg:npair', algorithm: 'fixed-window', limit: netMax, windowMs };

  interface Keys {
    pair: string;
    acct: string;
    ip: string;
    /** The IPv6 network (undefined for IPv4 or with networkPrefix: false). */
    net: string | undefined;
    netPair: string | undefined;
  }
  const keys = (ip: string, account: string): Keys => {
    const a = accountKey(account, secret);
    if (typeof ip !== 'string' || ip === '') {
      // A shared 'unknown' key would let one client lock everyone out (and the attacker in).
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        'loginGuard: no client address (the runtime gave none); pass clientIp(req), and on fetch runtimes without a socket give the adapter a clientIp option (e.g. CF-Connecting-IP on Cloudflare).',
      );
    }
    const i = ipKey(ip);
    const net = netPrefix !== undefined && i.indexOf(':') !== -1 ? ipKey(ip, netPrefix) : undefined;
    return { pair: `${i}|${a}`, acct: a, ip: i, net, netPair: net === undefined ? undefined : `${net}|${a}` };
  };

  const deviceMac = (acct: string, issued: string, nonce: string): Buffer =>
    nodeCrypto().createHmac('sha256', secret!).update(`rampart-login-device\u0000${DEVICE_VERSION}\u0000${acct}\u0000${issued}\u0000${nonce}`).digest();

  /** The device id (its nonce) when `token` is a valid, unexpired device cookie for this account. */
  const deviceOf = (token: unknown, acct: string, now: number): string | undefined => {
    if (secret === undefined || typeof token !== 'string' || token.length > 200) return undefined;
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== DEVICE_VERSION) return undefined;
    const [, issued, nonce, mac] = parts as [string, string, string, string];
    if (!/^[0-9a-z]{1,12}$/.test(issued) || !/^[A-Za-z0-9_-]{22}$/.test(nonce) || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return undefined;
    const at = parseInt(issued, 36);
    if (!(at <= now + 60_000 && now - at < trustMs)) return undefined;
    const given = Buffer.from(mac, 'base64url');
    const want = deviceMac(acct, issued, nonce);
    return given.length === want.length && nodeCrypto().timingSafeEqual(given, want) ? nonce : undefined;
  };

  interface State {
    k: Keys;
    device: string | undefined;
    trusted: boolean;
    check: LoginCheck;
  }

  // Same store operations whatever the account: no timing or lock difference for unknown names.
  const evaluate = async (ip: string, account: string, client: LoginClient | undefined): Promise<State> => {
    const k = keys(ip, account);
    const now = clock();
    const device = deviceOf(client?.device, k.acct, now);
    const none = undefined;
    const [pair, acct, addr, known, netPair, net, dev] = await Promise.all([
      store.blocked(`lg:p:${k.pair}`, now),
      store.blocked(`lg:a:${k.acct}`, now),
      store.blocked(`lg:i:${k.ip}`, now),
      store.blocked(`lg:k:${k.pair}`, now),
      k.netPair === undefined ? none : store.blocked(`lg:n:${k.netPair}`, now),
      k.net === undefined ? none : store.blocked(`lg:i:${k.net}`, now),
      device === undefined ? none : store.blocked(`lg:d:${device}`, now),
    ]);
    const trusted = (device !== undefined && dev === undefined) || known !== undefined;
    let until = 0;
    let lock: LoginCheck['lock'];
    const candidates: Array<[typeof pair, NonNullable<LoginCheck['lock']>]> = [
      [pair, 'pair'],
      [addr, 'ip'],
    ];
    if (!trusted) candidates.push([acct, 'account'], [netPair, 'network'], [net, 'network'], [dev, 'device']);
    for (const [entry, kind] of candidates) {
      if (entry !== undefined && entry.until > until) {
        until = entry.until;
        lock = kind;
      }
    }
    const extra = trusted ? { trusted } : {};
    const check: LoginCheck =
      lock === undefined
        ? { allowed: true, retryAfter: 0, ...extra }
        : { allowed: false, retryAfter: Math.max(1, Math.ceil((until - now) / 1000)), lock, ...extra };
    return { k, device, trusted, check };
  };

  const check = async (ip: string, account: string, client?: LoginClient): Promise<LoginCheck> => (await evaluate(ip, account, client)).check;

  /** The account a lock or failure is about, as its events name it (see {@link accountLabel}). */
  interface Named {
    text: string;
    userId: string | number | undefined;
  }
  const named = (account: string, acct: string, userId: string | number | undefined): Named => ({
    text: `account=${accountLabel(account, userId !== undefined)} #${acct.slice(0, 16)}`,
    userId,
  });

  // The store keeps the bare reason; only the event names the account (`about`), for locks bound to one.
  const lock = async (target: string, ms: number, reason: string, now: number, ip: string, about?: Named): Promise<void> => {
    await store.block(target, now + ms, reason);
    const detail = `${reason} for ${Math.ceil(ms / 1000)} s${about === undefined ? '' : `, ${about.text}`}`;
    safeEmit(sink, about?.userId === undefined ? { event: 'LOGIN_LOCKED', ip, detail } : { event: 'LOGIN_LOCKED', ip, userId: about.userId, detail });
  };

  /** Exponential backoff for a repeat offender (pair, network pair, device): counted per day. */
  const backoff = async (
    key: string,
    target: string,
    reason: string,
    policy: Policy,
    now: number,
    work: Array<Promise<void>>,
    ip: string,
    about: Named,
  ): Promise<void> => {
    const strikes = await store.consume(key, strikePolicy, now);
    const n = strikePolicy.limit - strikes.remaining; // 1 for the first lock-out
    const ms = Math.min(maxLockoutMs, lockoutMs * 2 ** Math.min(30, n - 1));
    work.push(lock(target, ms, `${reason} lock-out #${n}`, now, ip, about), Promise.resolve(store.reset(key, policy)));
  };

  const fail = async (ip: string, account: string, client?: LoginClient): Promise<LoginCheck> => {
    const userId = checkUserId(client?.userId);
    const { k, device, trusted } = await evaluate(ip, account, client);
    const now = clock();
    const untrusted = !trusted;
    const [pair, acct, addr, netPair, net, dev] = await Promise.all([
      store.consume(k.pair, pairPolicy, now),
      // A trusted client's failures are its own: they never count towards the account throttle.
      accountPolicy === undefined || !untrusted ? undefined : store.consume(k.acct, accountPolicy, now),
      ipPolicy === undefined ? undefined : store.consume(k.ip, ipPolicy, now),
      k.netPair === undefined || !untrusted ? undefined : store.consume(`n:${k.netPair}`, netPairPolicy, now),
      ipPolicy === undefined || k.net === undefined || !untrusted ? undefined : store.consume(`n:${k.net}`, ipPolicy, now),
      device === undefined ? undefined : store.consume(`d:${device}`, pairPolicy, now),
    ]);
    const work: Array<Promise<void>> = [];
    const about = named(account, k.acct, userId);
    if (!pair.allowed || pair.remaining === 0) await backoff(k.pair, `lg:p:${k.pair}`, 'ip+account', pairPolicy, now, work, ip, about);
    if (netPair !== undefined && (!netPair.allowed || netPair.remaining === 0)) {
      await backoff(`n:${k.netPair!}`, `lg:n:${k.netPair!}`, `network ${k.net!} on one account`, netPairPolicy, now, work, ip, about);
    }
    if (dev !== undefined && (!dev.allowed || dev.remaining === 0))
      await backoff(`d:${device!}`, `lg:d:${device!}`, 'device cookie', pairPolicy, now, work, ip, about);
    if (acct !== undefined && (!acct.allowed || acct.remaining === 0)) {
      work.push(
        lock(`lg:a:${k.acct}`, lockoutMs, 'account throttled for untrusted clients (failures from many addresses)', now, ip, about),
        Promise.resolve(store.reset(k.acct, accountPolicy)),
      );
    }
    if (addr !== undefined && (!addr.allowed || addr.remaining === 0)) {
      work.push(lock(`lg:i:${k.ip}`, maxLockoutMs, 'address locked (failures across many accounts)', now, ip), Promise.resolve(store.reset(k.ip, ipPolicy)));
    }
    if (net !== undefined && (!net.allowed || net.remaining === 0)) {
      work.push(
        lock(`lg:i:${k.net!}`, maxLockoutMs, `network ${k.net!} locked (failures across many accounts)`, now, ip),
        Promise.resolve(store.reset(`n:${k.net!}`, ipPolicy)),
      );
    }
    await Promise.all(work);
    // The failure itself, for the log and its observers (adaptive blocking per ip, or per
    // account with a userId): the guard records it, so the app need not log LOGIN_FAILED as
    // well. The digest prefix correlates one account's failures, named or masked.
    const detail = `loginGuard: failed login, ${about.text}`;
    safeEmit(sink, userId === undefined ? { event: 'LOGIN_FAILED', ip, detail } : { event: 'LOGIN_FAILED', ip, userId, detail });
    return check(ip, account, client);
  };

  const succeed = async (ip: string, account: string, client?: LoginClient): Promise<void> => {
    const k = keys(ip, account);
    const now = clock();
    const device = deviceOf(client?.device, k.acct, now);
    const work: Array<unknown> = [
      store.reset(k.pair, pairPolicy),
      store.reset(k.pair, strikePolicy),
      store.unblock(`lg:p:${k.pair}`),
      // This address is now a known client of the account (OWASP: lock per account and client).
      store.block(`lg:k:${k.pair}`, now + trustMs, 'known client'),
    ];
    if (device !== undefined) work.push(store.reset(`d:${device}`, pairPolicy), store.reset(`d:${device}`, strikePolicy), store.unblock(`lg:d:${device}`));
    await Promise.all(work);
  };

  const issueDevice = (account: string): string => {
    if (secret === undefined) throw configError('loginGuard: device cookies need loginGuard.secret (a random string of at least 16 characters) to sign them.');
    const acct = accountKey(account, secret);
    const issued = clock().toString(36);
    const nonce = nodeCrypto().randomBytes(16).toString('base64url');
    return `${DEVICE_VERSION}.${issued}.${nonce}.${deviceMac(acct, issued, nonce).toString('base64url')}`;
  };

  return Object.freeze<LoginGuard>({
    check,
    fail,
    succeed,
    issueDevice,
    async attempt(ip, account, verify, client) {
      const started = performance.now();
      let result: LoginCheck & { ok: boolean; device?: string };
      const state = await check(ip, account, client);
      if (!state.allowed) result = { ...state, ok: false };
      else if (await verify()) {
        await succeed(ip, account, client);
        result = { allowed: true, retryAfter: 0, ok: true, ...(secret === undefined ? {} : { device: issueDevice(account) }) };
      } else result = { ...(await fail(ip, account, client)), ok: false };
      const left = minDuration - (performance.now() - started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      return result;
    },
    async close() {
      await store.close();
    },
  });
}
