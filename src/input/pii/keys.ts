import { redactPii } from './redact.ts';
import type { RedactPiiOptions } from './types.ts';

/** Options for {@link redactKeys}. */
export interface RedactKeysOptions {
  /** Extra key names to redact (compared case-insensitively, ignoring `-`, `_`, `.`, spaces and invisible characters). */
  keys?: readonly string[];
  /** Replacement value. Default `'[REDACTED]'`. */
  mask?: string;
  /** Also run {@link redactPii} over every string value. Default false. */
  pii?: boolean | RedactPiiOptions;
  /** Deepest level copied; deeper values become `'[Too deep]'`. Default 32. */
  maxDepth?: number;
}

// Compared after lower-casing and removing `-`, `_`, `.` and spaces.
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'privatekey',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessionid',
  'session',
  'sid',
  'csrftoken',
  'xsrftoken',
  'xcsrftoken',
  'otp',
  'totp',
  'mfacode',
  'otpcode',
  'totpcode',
  'pincode',
  'verificationcode',
  'authcode',
  'authorizationcode',
  'recoverycode',
  'backupcode',
  'securitycode',
  'pin',
  'cvv',
  'cvc',
  'creditcard',
  'cardnumber',
  'ccnumber',
  'ssn',
  'iban',
  'credentials',
  'credential',
  'signature',
  'xhubsignature',
  'webhooksecret',
  'dsn',
  'connectionstring',
]);
const SECRET_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'credential', 'authorization', 'cookie'];

// Separators and invisible characters (zero-width space, soft hyphen, BOM…) inside a key name.
const KEY_NOISE = /[-_.\s]|\p{Default_Ignorable_Code_Point}/gu;

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(KEY_NOISE, '');
}

/**
 * A deep copy of `value` in which the values of secret-named keys (password, token,
 * secret, authorization, cookie, set-cookie, api_key, private_key, session id, card
 * number, … and any key containing password/secret/token/apikey) are replaced by
 * `'[REDACTED]'` at any depth of objects, arrays and Maps. Cycles become `'[Circular]'`;
 * the input is never mutated.
 *
 * @example
 * redactKeys({ user: 'ann', auth: { Password: 'x', tokens: [{ access_token: 't' }] } });
 * // → { user: 'ann', auth: { Password: '[REDACTED]', tokens: '[REDACTED]' } }
 */
export function redactKeys<T>(value: T, options: RedactKeysOptions = {}): T {
  const extra = new Set((options.keys ?? []).map(normaliseKey));
  const mask = options.mask ?? '[REDACTED]';
  const maxDepth = options.maxDepth ?? 32;
  const piiOptions = options.pii === true ? {} : options.pii === false || options.pii === undefined ? undefined : options.pii;
  const secret = (key: string) => {
    const k = normaliseKey(key);
    return SECRET_KEYS.has(k) || extra.has(k) || SECRET_PARTS.some((p) => k.includes(p));
  };
  const stack = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return piiOptions === undefined ? v : redactPii(v, piiOptions);
    if (v === null || typeof v !== 'object') return v;
    if (stack.has(v)) return '[Circular]';
    if (depth >= maxDepth) return '[Too deep]';
    if (v instanceof Date || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    stack.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      if (v instanceof Map) {
        const out = new Map();
        for (const [k, item] of v) out.set(k, typeof k === 'string' && secret(k) ? mask : walk(item, depth + 1));
        return out;
      }
      if (v instanceof Error) return { name: v.name, message: walk(v.message, depth + 1) };
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = secret(k) ? mask : walk(item, depth + 1);
      return out;
    } finally {
      stack.delete(v);
    }
  };
  return walk(value, 0) as T;
}
