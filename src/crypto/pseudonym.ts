import { createHmac } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { kind, toBytes } from './bytes.ts';
import { intOption, optionsObject } from './options.ts';
import { Secret, assertStrongSecret } from './secret.ts';

/** Options of {@link pseudonymizer}. */
export interface PseudonymizerOptions {
  /** Secret key (≥ 32 characters, high entropy). Without it nobody can link a pseudonym back by guessing. */
  key: string | Uint8Array | Secret;
  /** Label separating pseudonym spaces ("analytics", "logs"): the same value gets unrelated pseudonyms per purpose. */
  purpose: string;
  /** Pseudonym length in base64url characters, default 22 (132 bits), 16…43. */
  length?: number;
  /** Text before the pseudonym, default `anon_`. */
  prefix?: string;
}

/**
 * Keyed pseudonymisation for GDPR-style anonymisation of identifiers (user ids, e-mail
 * addresses, IPs) that must still group together: the same input gives the same
 * pseudonym, and without the key the pseudonym cannot be reversed by hashing candidate
 * values — unlike the seed's plain `sha256(value)[:16]`, which anyone can brute-force for
 * e-mail addresses and phone numbers. Destroying the key makes every pseudonym anonymous.
 *
 * @example
 * const anon = pseudonymizer({ key: process.env.PSEUDONYM_KEY!, purpose: 'security-log' });
 * anon('alice@example.com'); // 'anon_3q2-…' (stable)
 */
export function pseudonymizer(options: PseudonymizerOptions): (value: string | Uint8Array) => string {
  const opts = optionsObject(options, 'pseudonymizer', ['key', 'purpose', 'length', 'prefix']);
  if (opts.key === undefined)
    throw new RampartError('ERR_RAMPART_CONFIG', 'pseudonymizer needs a key: a random secret of 32+ characters (`openssl rand -base64 48`).');
  assertStrongSecret(opts.key, 'pseudonymizer key');
  if (typeof opts.purpose !== 'string' || opts.purpose.length === 0 || opts.purpose.length > 200 || opts.purpose.includes('\0')) {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      `pseudonymizer purpose must be a non-empty label without NUL, e.g. 'security-log' (got ${kind(opts.purpose)}).`,
    );
  }
  const length = intOption(opts.length, 'pseudonymizer length', 16, 43, 22);
  const prefix = opts.prefix ?? 'anon_';
  if (typeof prefix !== 'string' || prefix.length > 32)
    throw new RampartError('ERR_RAMPART_CONFIG', 'pseudonymizer prefix must be a string of at most 32 characters.');
  const key = Buffer.from(opts.key instanceof Secret ? opts.key.reveal() : toBytes(opts.key, 'pseudonymizer key'));
  const context = Buffer.from(`rampart pseudonym v1\0${opts.purpose}\0`, 'utf8');
  return function pseudonymize(value: string | Uint8Array): string {
    const mac = createHmac('sha256', key).update(context).update(toBytes(value, 'pseudonymize value')).digest('base64url');
    return prefix + mac.slice(0, length);
  };
}

/**
 * Seed 001's `anonymize_personal_data`: a shallow copy of `data` with the named fields
 * replaced by their keyed pseudonyms (strings, numbers, booleans and bigints as text; other
 * values as JSON), so rows about the same person still group together while the values
 * cannot be recovered without the pseudonymizer's key. `null`/`undefined` and absent fields
 * are left as they are; `data` is not modified.
 *
 * @example
 * const anon = pseudonymizer({ key: process.env.PSEUDONYM_KEY!, purpose: 'analytics' });
 * anonymizeFields(row, ['email', 'ip'], anon); // { ...row, email: 'anon_…', ip: 'anon_…' }
 */
export function anonymizeFields<T extends Record<string, unknown>>(data: T, fields: readonly string[], pseudonymize: (value: string) => string): T {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `anonymizeFields data must be an object (got ${kind(data)}).`);
  }
  if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string')) {
    throw new RampartError('ERR_RAMPART_CONFIG', `anonymizeFields fields must be a list of field names, e.g. ['email', 'ip'] (got ${kind(fields)}).`);
  }
  if (typeof pseudonymize !== 'function') {
    throw new RampartError('ERR_RAMPART_CONFIG', 'anonymizeFields needs a pseudonymizer: pseudonymizer({ key, purpose }).');
  }
  const out: Record<string, unknown> = { ...data };
  for (const field of fields) {
    if (!Object.hasOwn(out, field)) continue;
    const value = out[field];
    if (value === null || value === undefined) continue;
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
          ? String(value)
          : JSON.stringify(value);
    out[field] = pseudonymize(text);
  }
  return out as T;
}
