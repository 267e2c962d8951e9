import { RampartError, type RampartErrorCode } from '../errors.ts';
import { constantTimeEqual, kind } from './bytes.ts';
import { intOption, optionsObject } from './options.ts';
import { estimateSecret } from './entropy.ts';

export { estimateEntropyBits } from './entropy.ts';

const REDACTED = '[secret]';

/**
 * A secret value that never prints itself: `String(s)`, template literals, `console.log`,
 * `util.inspect` and `JSON.stringify` all show `[secret]`. Read it with `reveal()` (bytes)
 * or `revealString()`; compare it in constant time with `equals()`; wipe it with `dispose()`.
 *
 * @example
 * const key = new Secret(process.env.SECRET_KEY!);
 * console.log({ key });            // { key: [secret] }
 * hmac.update(key.reveal());
 */
export class Secret {
  #bytes: Buffer;
  #disposed = false;

  /** Copies `value` (a string is stored as UTF-8); the caller may zeroize its own buffer afterwards. */
  constructor(value: string | Uint8Array) {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `Secret value must be a string or a Uint8Array (got ${kind(value)}).`);
    }
    // A string's UTF-8 encoding is already a fresh buffer; caller-owned bytes are copied.
    this.#bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  }

  /** The secret bytes (the internal buffer: do not keep references after `dispose()`). */
  reveal(): Buffer {
    this.#assertLive();
    return this.#bytes;
  }

  /** The secret as a UTF-8 string (strings cannot be wiped: prefer `reveal()` where possible). */
  revealString(): string {
    this.#assertLive();
    return this.#bytes.toString('utf8');
  }

  /** Length in bytes. */
  get length(): number {
    return this.#bytes.length;
  }

  /** Constant-time comparison with another secret, string or byte array. */
  equals(other: Secret | string | Uint8Array): boolean {
    this.#assertLive();
    return constantTimeEqual(this.#bytes, other instanceof Secret ? other.reveal() : other);
  }

  /** Overwrite the bytes with zeros; later reads throw. */
  dispose(): void {
    zeroize(this.#bytes);
    this.#disposed = true;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }

  #assertLive(): void {
    if (this.#disposed) throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', 'This Secret was disposed (zeroized) and can no longer be read.');
  }
}

/**
 * Overwrite a buffer (or any typed array / DataView) with zeros, e.g. a decrypted key once
 * it has been used. JavaScript strings are immutable and cannot be wiped: keep secrets in
 * buffers (or a {@link Secret}) if wiping matters.
 */
export function zeroize(buffer: ArrayBufferView): void {
  if (!ArrayBuffer.isView(buffer)) {
    throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `zeroize() takes a Buffer, typed array or DataView (got ${kind(buffer)}); strings cannot be wiped.`);
  }
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).fill(0);
}

/** One reason a secret is unacceptable. */
export interface SecretProblem {
  code: 'SECRET_MISSING' | 'SECRET_TOO_SHORT' | 'SECRET_PLACEHOLDER' | 'SECRET_LOW_ENTROPY';
  message: string;
}

/** Options of {@link checkSecret}. */
export interface CheckSecretOptions {
  /** Minimum length in characters (bytes for a Uint8Array). Default 32. */
  minLength?: number;
  /** Minimum estimated entropy in bits. Default 128. */
  minEntropyBits?: number;
}

// Values copied from README files and .env.example templates. Compared after lower-casing
// and removing everything but letters, so "Change-Me!", "CHANGE_ME" and "changeme123" match.
const PLACEHOLDERS = new Set([
  'changeme',
  'changethis',
  'changeit',
  'replaceme',
  'secret',
  'password',
  'passwd',
  'yoursecret',
  'yoursecretkey',
  'yourcsrfsecret',
  'yourjwtsecret',
  'yoursessionsecret',
  'mysecret',
  'secretkey',
  'supersecret',
  'supersecretkey',
  'pepper',
  'yourpepper',
  'yourtoken',
  'notasecret',
  'notsecret',
  'default',
  'example',
  'test',
  'testing',
  'dev',
  'development',
  'keyboardcat',
  'todo',
  'fixme',
  'xxx',
  'abc',
  'qwerty',
  'admin',
  'letmein',
  'insecure',
  'placeholder',
  'jwtsecret',
  'csrfsecret',
  'sessionsecret',
  'apikey',
  'token',
]);
// Markers that betray a template value even inside a longer string ("django-insecure-…").
const PLACEHOLDER_MARKERS = [
  'changeme',
  'changethis',
  'replaceme',
  'replacethis',
  'yoursecret',
  'yourcsrfsecret',
  'yourjwtsecret',
  'insecure',
  'placeholder',
  'notasecret',
  'keyboardcat',
  // xkcd 936's passphrase, the example every password guide (and this README) quotes
  'correcthorse',
  'putyour',
  'generateone',
  // "your-dashboard-token-here", "your-pepper-goes-here", "<token here>"
  'yourdashboard',
  'yourtoken',
  'yourpepper',
  'yourkey',
  'yourapikey',
  'tokenhere',
  'secrethere',
  'pepperhere',
  'keyhere',
  'goeshere',
  'examplesecret',
  'csrfsecret',
  'sessionsecret',
  'jwtsecret',
  'mysecret',
  'supersecret',
  'secretkey',
];
// Fewer distinct symbols than this is a tiny alphabet, however long or shuffled the secret is.
const MIN_DISTINCT_SYMBOLS = 8;

/**
 * Check a secret's strength: length (≥ 32 by default), known placeholders ("changeme",
 * "your-secret", "your-csrf-secret", "secret", "password", "django-insecure-…") and an
 * entropy estimate (≥ 128 bits by default; see {@link estimateEntropyBits}: random hex,
 * base64 and bytes score their full alphabet, while repeated, skewed or sequential strings,
 * keyboard walks, the product's words, dates and example values score low). Returns the
 * problems, `[]` when acceptable. Never includes the value.
 *
 * @example
 * checkSecret('changeme') // → [{ code: 'SECRET_TOO_SHORT', … }, { code: 'SECRET_PLACEHOLDER', … }, …]
 */
export function checkSecret(value: unknown, options?: CheckSecretOptions): SecretProblem[] {
  const opts = optionsObject(options, 'checkSecret', ['minLength', 'minEntropyBits']);
  const minLength = intOption(opts.minLength, 'checkSecret minLength', 1, 4096, 32);
  const minEntropyBits = intOption(opts.minEntropyBits, 'checkSecret minEntropyBits', 0, 4096, 128);
  const text =
    value instanceof Secret
      ? value.revealString()
      : typeof value === 'string'
        ? value
        : value instanceof Uint8Array
          ? Buffer.from(value).toString('latin1')
          : undefined;
  if (text === undefined || text.length === 0) {
    return [{ code: 'SECRET_MISSING', message: `The secret is missing or empty (got ${value === undefined ? 'undefined' : kind(value)}).` }];
  }
  const problems: SecretProblem[] = [];
  const length = value instanceof Uint8Array ? value.byteLength : [...text].length;
  if (length < minLength) {
    problems.push({ code: 'SECRET_TOO_SHORT', message: `The secret has ${length} characters; at least ${minLength} are required.` });
  }
  if (isPlaceholder(value instanceof Uint8Array && !isPrintableAscii(value) ? '' : text)) {
    problems.push({ code: 'SECRET_PLACEHOLDER', message: 'The secret is a known placeholder or example value; generate a random one.' });
  }
  const estimate = estimateSecret(value instanceof Uint8Array ? value : text);
  const { fewSymbols } = estimate;
  if (minEntropyBits > 0 && fewSymbols !== undefined && fewSymbols < MIN_DISTINCT_SYMBOLS) {
    problems.push({ code: 'SECRET_LOW_ENTROPY', message: `The secret uses only ${fewSymbols} distinct characters; a random secret uses many more.` });
  } else if (estimate.bits < minEntropyBits) {
    const made = estimate.patterns.length > 0 ? ` (it is made of ${estimate.patterns.join(', ')})` : '';
    problems.push({
      code: 'SECRET_LOW_ENTROPY',
      message: `The secret's estimated entropy is ${Math.floor(estimate.bits)} bits${made}; at least ${minEntropyBits} are required.`,
    });
  }
  return problems;
}

/** Throw ERR_RAMPART_WEAK_SECRET listing the problems when `checkSecret` finds any. */
export function assertStrongSecret(value: unknown, name: string, options?: CheckSecretOptions): void {
  const problems = checkSecret(value, options);
  if (problems.length > 0) {
    throw new RampartError(
      'ERR_RAMPART_WEAK_SECRET',
      `${name} is not a strong secret: ${problems.map((p) => p.message).join(' ')} Generate one with \`openssl rand -base64 48\`.`,
    );
  }
}

/** Options of {@link requireSecret}. */
export interface RequireSecretOptions {
  /** The option's name in error messages, e.g. `'csrf.secret'`. */
  name: string;
  /** The error code to throw (the capability's own, e.g. `ERR_RAMPART_CSRF_SECRET`). Default `ERR_RAMPART_WEAK_SECRET`. */
  code?: RampartErrorCode;
  /**
   * Accept a rotation list: an array of secrets where the first signs and all verify (a
   * single secret is a list of one). Default false: an array is refused.
   */
  rotation?: boolean;
  /**
   * Shortest accepted secret in bytes, for a secret whose documented minimum predates this
   * check (a password pepper: 16, the dashboard token: 24). At least 16; default
   * {@link MIN_SECRET_BYTES}. The entropy floor scales with it: 4 estimated bits a byte, at most 128.
   */
  minBytes?: number;
}

/** Minimum length of a signing secret, in bytes (256 bits: the HMAC-SHA256 key size). */
export const MIN_SECRET_BYTES = 32;
const HOW_TO_FIX = 'generate one with `openssl rand -base64 48` and keep it outside the code and the database';

/**
 * The one check every signing secret passes at construction (CSRF, sessions, API-key
 * pepper, request signing, HMAC HTTP signatures, the log chain key): a string (UTF-8),
 * `Uint8Array` or {@link Secret} of at least 32 bytes that is not a PEM key or certificate
 * (a public key is no secret), not a known placeholder
 * ("your-csrf-secret", "changeme…", "secretsecret…") and not low-entropy (one character or a
 * short unit repeated, a sequence, a keyboard walk, words, a date, < 128 estimated bits;
 * see {@link checkSecret}). Throws `RampartError` with `options.code`, naming the option (and
 * the list entry) and how to fix it, never the value. Returns fresh Buffers (the caller may
 * wipe its own): one Buffer, or with `rotation: true` a frozen non-empty list in the
 * caller's order (the first signs, all verify).
 *
 * @example
 * const [signing, ...older] = requireSecret(options.secret, { name: 'csrf.secret', code: 'ERR_RAMPART_CSRF_SECRET', rotation: true });
 * const pepper = requireSecret(options.secret, { name: 'apiKeys.secret', code: 'ERR_RAMPART_CONFIG' });
 */
export function requireSecret(value: unknown, options: RequireSecretOptions & { rotation: true }): readonly [Buffer, ...Buffer[]];
export function requireSecret(value: unknown, options: RequireSecretOptions & { rotation?: false }): Buffer;
export function requireSecret(value: unknown, options: RequireSecretOptions): Buffer | readonly [Buffer, ...Buffer[]];
export function requireSecret(value: unknown, options: RequireSecretOptions): Buffer | readonly [Buffer, ...Buffer[]] {
  const { name, code = 'ERR_RAMPART_WEAK_SECRET', rotation = false, minBytes = MIN_SECRET_BYTES } = options;
  if (!Number.isInteger(minBytes) || minBytes < 16) {
    throw new RampartError('ERR_RAMPART_CONFIG', `requireSecret minBytes must be an integer of at least 16 (got ${String(minBytes)}).`);
  }
  if (!Array.isArray(value)) {
    const one = oneSecret(value, name, code, minBytes);
    return rotation ? Object.freeze([one] as [Buffer]) : one;
  }
  if (!rotation) {
    throw new RampartError(code, `${name} must be one secret (a string or bytes), not a list; ${HOW_TO_FIX}.`);
  }
  if (value.length === 0) {
    throw new RampartError('ERR_RAMPART_CONFIG', `${name} is an empty list; give at least one secret (the first signs, all verify).`);
  }
  const list = (value as unknown[]).map((entry, i) => oneSecret(entry, `${name}[${i}]`, code, minBytes));
  return Object.freeze(list as [Buffer, ...Buffer[]]);
}

/** The start of a PEM armour line (`-----BEGIN PUBLIC KEY-----`, a certificate, …). */
const PEM_ARMOR = '-----BEGIN ';

function oneSecret(value: unknown, name: string, code: RampartErrorCode, minBytes: number): Buffer {
  const bytes =
    value instanceof Secret
      ? Buffer.from(value.reveal())
      : typeof value === 'string'
        ? Buffer.from(value, 'utf8')
        : value instanceof Uint8Array
          ? Buffer.from(value)
          : undefined;
  if (bytes === undefined || bytes.length === 0) {
    throw new RampartError(
      code,
      `${name} is required: a random string or bytes of at least ${minBytes} bytes (got ${value === undefined ? 'undefined' : kind(value)}); ${HOW_TO_FIX}.`,
    );
  }
  if (bytes.includes(PEM_ARMOR)) {
    bytes.fill(0);
    // The HS/RS confusion: a public key is public, so an HMAC keyed with it can be forged by anyone.
    throw new RampartError(
      code,
      `${name} looks like a PEM key or certificate; a secret must be random bytes that only the parties know (a public key is public). For a key pair, use an asymmetric algorithm with the public key; otherwise ${HOW_TO_FIX}.`,
    );
  }
  const reasons: string[] = [];
  if (bytes.length < minBytes) reasons.push(`It has ${bytes.length} bytes; at least ${minBytes} are required.`);
  // Length is judged on bytes above; checkSecret adds the placeholder and entropy verdicts.
  const minEntropyBits = Math.min(128, minBytes * 4);
  for (const problem of checkSecret(value instanceof Secret ? bytes.toString('utf8') : value, { minLength: 1, minEntropyBits })) reasons.push(problem.message);
  if (reasons.length > 0) {
    bytes.fill(0);
    throw new RampartError(code, `${name} is not usable as a secret. ${reasons.join(' ')} Fix: ${HOW_TO_FIX}.`);
  }
  return bytes;
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b >= 0x20 && b < 0x7f);
}

function isPlaceholder(text: string): boolean {
  const letters = text.toLowerCase().replace(/[^a-z]/g, '');
  if (letters.length === 0) return false;
  if (PLACEHOLDER_MARKERS.some((marker) => letters.includes(marker))) return true;
  // Whole-word matches only where letters make up most of the text ("Password123", not
  // a random hex string whose few letters happen to spell "abc").
  if (letters.length * 2 < text.length) return false;
  if (PLACEHOLDERS.has(letters)) return true;
  // The same placeholder repeated to reach the length ("secretsecretsecret…").
  for (const word of PLACEHOLDERS) {
    if (word.length >= 4 && letters.length % word.length === 0 && letters === word.repeat(letters.length / word.length)) return true;
  }
  return false;
}
