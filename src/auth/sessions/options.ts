import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';
import { requireSecret, type Secret } from '../../crypto/secret.ts';
import { memorySessionStore, type SessionStore } from '../../stores/sessions.ts';

/** Options of {@link sessions}. Times in seconds. */
export interface SessionOptions {
  /** Key that signs session ids (≥ 32 bytes); a list rotates: the first signs, all verify. Required. */
  secret: string | Uint8Array | Secret | ReadonlyArray<string | Uint8Array | Secret>;
  /**
   * Default: an in-process memory store (single instance only). A custom store must
   * implement `update()` (replace a live record only, atomically; see {@link SessionStore}),
   * and should implement `patch()` (change the latest live record atomically): without it
   * concurrent writes to one session are last-writer-wins for the whole record.
   */
  store?: SessionStore;
  /** Seconds one store call may take before the request gets 503 + Retry-After. Default 2. */
  storeTimeout?: number;
  /** Absolute lifetime from login. Default 86400 (24 h). */
  maxAge?: number;
  /** Idle timeout since the last request. Default 1800 (30 min). */
  idleTimeout?: number;
  /** Cookie without Max-Age: ends when the browser closes (server-side timeouts still apply). Default false. */
  browserSession?: boolean;
  /** 'auto' (default): `__Host-sid` + Secure on HTTPS, `sid` on plain HTTP (development). true: always secure. */
  secure?: boolean | 'auto';
  /** SameSite attribute. Default 'Lax'. 'None' needs `secure: true`. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /**
   * Cookie name on plain HTTP (HTTPS uses `__Host-` + this). Default 'sid'. A name that
   * already starts with `__Host-` or `__Secure-` is used as given and needs `secure: true`.
   */
  cookieName?: string;
  /** Largest serialized session data in bytes. Default 65536. */
  maxDataBytes?: number;
}

/** The validated, frozen configuration {@link sessions} runs on. */
export interface SessionConfig {
  /** Signing keys: the first signs, every one verifies (private copies). */
  readonly secrets: readonly [Buffer, ...Buffer[]];
  /** The caller's store, or a new memory store. */
  readonly store: SessionStore;
  /** Bound on one store call, in milliseconds. */
  readonly storeTimeoutMs: number;
  /** Absolute lifetime in milliseconds. */
  readonly maxAgeMs: number;
  /** Idle timeout in milliseconds. */
  readonly idleMs: number;
  readonly browserSession: boolean;
  readonly secure: boolean | 'auto';
  readonly sameSite: 'Strict' | 'Lax' | 'None';
  /** Cookie name on plain HTTP; `__Host-` + this on HTTPS (as given when it has a prefix). */
  readonly cookieName: string;
  readonly maxDataBytes: number;
}

/** The `__Host-` / `__Secure-` prefix a cookie name starts with (browsers match it case-insensitively). */
export function cookiePrefixOf(name: string): '__Host-' | '__Secure-' | undefined {
  const lower = name.slice(0, 9).toLowerCase();
  if (lower.startsWith('__host-')) return '__Host-';
  return lower === '__secure-' ? '__Secure-' : undefined;
}

const OPTION_NAMES = [
  'secret',
  'store',
  'storeTimeout',
  'maxAge',
  'idleTimeout',
  'browserSession',
  'secure',
  'sameSite',
  'cookieName',
  'maxDataBytes',
] as const;

function isSessionStore(value: unknown): value is SessionStore {
  const s = value as SessionStore | null;
  return typeof s === 'object' && s !== null && typeof s.get === 'function' && typeof s.set === 'function' && typeof s.delete === 'function';
}

/**
 * Validate and normalise {@link SessionOptions} once: the secret(s) through
 * `requireSecret` (rotation list allowed), timeouts turned into milliseconds, the cookie
 * attributes checked together (SameSite=None needs Secure), the store chosen (the default
 * memory store only after every option passed). Throws RampartError (ERR_RAMPART_CONFIG /
 * ERR_RAMPART_UNKNOWN_OPTION) with the fix. The result is frozen.
 */
export function compileSessionOptions(options: SessionOptions): SessionConfig {
  const o = optionsObject(options, 'sessions');
  checkKeys(o, OPTION_NAMES, 'sessions');
  const secrets = requireSecret(o.secret, { name: 'sessions.secret', code: 'ERR_RAMPART_CONFIG', rotation: true });
  if (o.store !== undefined && !isSessionStore(o.store))
    throw configError('sessions.store must implement get/set/update/delete (memorySessionStore, redisSessionStore, postgresSessionStore).');
  if (o.store !== undefined && typeof (o.store as Partial<SessionStore>).update !== 'function')
    throw configError(
      'sessions.store has no update(id, record, ttl): add one that replaces the record only when a live one is stored under id (not missing, not SESSION_TOMBSTONE) and resolves whether it wrote, atomically (a Lua script, UPDATE … WHERE, a conditional put). Without it a request still running at logout writes the session back.',
    );
  const storeTimeout = o.storeTimeout === undefined ? 2 : numberOption(o.storeTimeout, 'sessions.storeTimeout', 0.001, 60, false);
  const maxAge = o.maxAge === undefined ? 86400 : numberOption(o.maxAge, 'sessions.maxAge', 1, 400 * 86400);
  const idle = o.idleTimeout === undefined ? 1800 : numberOption(o.idleTimeout, 'sessions.idleTimeout', 1, 400 * 86400);
  const browserSession = o.browserSession === true;
  const secure = o.secure === undefined ? 'auto' : o.secure;
  if (secure !== 'auto' && secure !== true && secure !== false) throw configError("sessions.secure must be 'auto', true or false.");
  const sameSite = (o.sameSite ?? 'Lax') as 'Strict' | 'Lax' | 'None';
  if (!['Strict', 'Lax', 'None'].includes(sameSite)) throw configError("sessions.sameSite must be 'Strict', 'Lax' or 'None'.");
  // Browsers drop these cookies without Secure, and 'auto' writes plain-HTTP cookies without it:
  // refused here, or every session.set() over plain HTTP would fail at request time.
  if (sameSite === 'None' && secure !== true)
    throw configError(
      "sessions.sameSite 'None' needs secure: true (browsers refuse SameSite=None without Secure, and secure 'auto' or false sends plain-HTTP cookies without it): set secure: true (HTTPS only), or use sameSite 'Lax'.",
    );
  const cookieName = o.cookieName === undefined ? 'sid' : String(o.cookieName);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cookieName)) throw configError('sessions.cookieName must be 1–64 letters, digits, _ or -.');
  const prefix = cookiePrefixOf(cookieName);
  if (prefix !== undefined && secure !== true)
    throw configError(
      `sessions.cookieName '${cookieName}' carries the ${prefix} prefix, which browsers accept only on Secure cookies: set secure: true (HTTPS only), or drop the prefix (over HTTPS sessions names the cookie __Host-<cookieName> itself).`,
    );
  const maxDataBytes = o.maxDataBytes === undefined ? 65536 : numberOption(o.maxDataBytes, 'sessions.maxDataBytes', 256, 16 << 20);
  return Object.freeze({
    secrets: Object.freeze([...secrets]) as readonly Buffer[] as readonly [Buffer, ...Buffer[]],
    store: (o.store as SessionStore | undefined) ?? memorySessionStore(),
    storeTimeoutMs: Math.max(1, Math.round(storeTimeout * 1000)),
    maxAgeMs: maxAge * 1000,
    idleMs: idle * 1000,
    browserSession,
    secure,
    sameSite,
    cookieName,
    maxDataBytes,
  });
}
