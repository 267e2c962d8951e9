import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { decodeBase64Url, encodeBase64UrlPadded, kind, toBytes } from './bytes.ts';
import { pbkdf2 } from './kdf.ts';
import { checkKeys } from './options.ts';
import { Secret } from './secret.ts';

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16; // version ‖ timestamp ‖ IV
const HMAC_BYTES = 32;
const MIN_TOKEN_BYTES = HEADER_BYTES + 16 + HMAC_BYTES;
/** Tokens from up to this many seconds in the future are accepted when a TTL is checked (as Python's cryptography). */
export const FERNET_MAX_CLOCK_SKEW = 60;

/** Options of {@link Fernet.encrypt}. */
export interface FernetEncryptOptions {
  /** Timestamp to record, in seconds since the epoch (default: now). */
  time?: number;
}

/** Options of {@link Fernet.decrypt}. */
export interface FernetDecryptOptions {
  /** Maximum token age in seconds; older tokens throw ERR_RAMPART_FERNET_EXPIRED. */
  ttl?: number;
  /** "Now" in seconds since the epoch (default: the clock). */
  time?: number;
}

interface FernetKey {
  signing: Buffer;
  encryption: Buffer;
}

/**
 * Fernet symmetric encryption, byte-compatible with the Fernet specification and Python's
 * `cryptography.fernet` (AES-128-CBC + HMAC-SHA256, url-safe base64 tokens with a
 * timestamp). Given several keys, the first encrypts and all decrypt (Python's
 * `MultiFernet`); `rotate()` re-encrypts a token under the first key.
 *
 * Stricter than Python in one way, as the spec asks: a token must be canonical url-safe
 * base64 (Python ignores trailing data and stray characters).
 *
 * @example
 * const f = new Fernet(process.env.FERNET_KEY!);   // Fernet.generateKey() once
 * const token = f.encrypt('secret message');
 * f.decrypt(token, { ttl: 3600 }).toString();      // → 'secret message'
 */
export class Fernet {
  readonly #keys: readonly FernetKey[];

  /**
   * @param key url-safe base64 of 32 bytes (a string, its ASCII bytes, or a Secret), as
   *   Python's `Fernet(key)`; or a list of them, the first of which encrypts.
   */
  constructor(key: string | Uint8Array | Secret | ReadonlyArray<string | Uint8Array | Secret>) {
    const list = Array.isArray(key) ? key : [key];
    if (list.length === 0) throw new RampartError('ERR_RAMPART_CRYPTO_KEY', 'Fernet needs at least one key; generate one with Fernet.generateKey().');
    this.#keys = Object.freeze(list.map((k, i) => parseKey(k, list.length > 1 ? `Fernet key ${i}` : 'Fernet key')));
  }

  /** A new random key: url-safe base64 (with padding) of 32 bytes, as Python's `Fernet.generate_key()`. */
  static generateKey(): string {
    return encodeBase64UrlPadded(randomBytes(32));
  }

  /**
   * A Fernet keyed from a passphrase with PBKDF2-SHA256 (600,000 iterations by default),
   * as the seed's `DataEncryption` class does; store the salt beside the data.
   */
  static async fromPassword(password: string | Uint8Array | Secret, options: { salt: string | Uint8Array; iterations?: number }): Promise<Fernet> {
    const raw = await pbkdf2(password, { ...options, length: 32 });
    const key = encodeBase64UrlPadded(raw);
    raw.fill(0);
    return new Fernet(key);
  }

  /** Encrypt `data` (string as UTF-8, or bytes) into a token. */
  encrypt(data: string | Uint8Array, options?: FernetEncryptOptions): string {
    if (options !== undefined) checkOptions(options, ['time'], 'Fernet.encrypt');
    const time = timeOf(options?.time);
    return encryptFromParts(this.#keys[0] as FernetKey, toBytes(data, 'Fernet.encrypt data'), time, randomBytes(16));
  }

  /** Verify and decrypt a token; throws RampartError (ERR_RAMPART_FERNET_*) on any failure. */
  decrypt(token: string | Uint8Array, options?: FernetDecryptOptions): Buffer {
    const { timestamp, bytes, key } = this.#verify(token);
    checkTime(timestamp, options);
    return decryptVerified(key, bytes);
  }

  /** The verified timestamp (seconds) a token records, as Python's `extract_timestamp`. */
  extractTimestamp(token: string | Uint8Array): number {
    return this.#verify(token).timestamp;
  }

  /**
   * Re-encrypt a token under the first key, keeping its original timestamp (as Python's
   * `MultiFernet.rotate`).
   */
  rotate(token: string | Uint8Array): string {
    const { timestamp, bytes, key } = this.#verify(token);
    const plaintext = decryptVerified(key, bytes);
    return encryptFromParts(this.#keys[0] as FernetKey, plaintext, timestamp, randomBytes(16));
  }

  #verify(token: unknown): { timestamp: number; bytes: Buffer; key: FernetKey } {
    const bytes = decodeToken(token);
    const signed = bytes.subarray(0, bytes.length - HMAC_BYTES);
    const mac = bytes.subarray(bytes.length - HMAC_BYTES);
    for (const key of this.#keys) {
      const expected = createHmac('sha256', key.signing).update(signed).digest();
      if (timingSafeEqual(expected, mac)) return { timestamp: readTimestamp(bytes), bytes, key };
    }
    throw invalid('its HMAC does not verify with any key');
  }

  toString(): string {
    return 'Fernet([secret])';
  }

  toJSON(): string {
    return 'Fernet([secret])';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Fernet([secret])';
  }
}

/**
 * Build a token from explicit parts: for the spec's `generate` vectors (fixed IV and time).
 * Never reuse an IV in real use; {@link Fernet.encrypt} draws a random one.
 */
export function encryptFromParts(key: FernetKey | string, plaintext: Uint8Array, time: number, iv: Uint8Array): string {
  const k = typeof key === 'string' ? parseKey(key, 'Fernet key') : key;
  if (iv.length !== 16) throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', 'Fernet IV must be 16 bytes.');
  const cipher = createCipheriv('aes-128-cbc', k.encryption, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(9);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(time), 1);
  const signed = Buffer.concat([header, iv, ciphertext]);
  const mac = createHmac('sha256', k.signing).update(signed).digest();
  return encodeBase64UrlPadded(Buffer.concat([signed, mac]));
}

function decryptVerified(key: FernetKey, bytes: Buffer): Buffer {
  const iv = bytes.subarray(9, HEADER_BYTES);
  const ciphertext = bytes.subarray(HEADER_BYTES, bytes.length - HMAC_BYTES);
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryption, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw invalid('its padding is invalid');
  }
}

function decodeToken(token: unknown): Buffer {
  let text: string;
  if (typeof token === 'string') text = token;
  else if (token instanceof Uint8Array) text = Buffer.from(token).toString('latin1');
  else throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `Fernet token must be a string or Uint8Array (got ${kind(token)}).`);
  // A bound before decoding, so a huge non-token costs nothing.
  if (text.length > 64 * 1024 * 1024) throw invalid('it is larger than 64 MiB');
  const bytes = decodeBase64Url(text, 'required');
  if (bytes === undefined) throw invalid('it is not canonical url-safe base64');
  if (bytes.length < MIN_TOKEN_BYTES) throw invalid('it is too short');
  if (bytes[0] !== VERSION) throw invalid('its version byte is not 0x80');
  if ((bytes.length - HEADER_BYTES - HMAC_BYTES) % 16 !== 0) throw invalid('its ciphertext is not a multiple of the block size');
  return bytes;
}

function readTimestamp(bytes: Buffer): number {
  const value = bytes.readBigUInt64BE(1);
  // Beyond 2^53 the timestamp is absurd anyway; saturate rather than lose precision silently.
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function checkTime(timestamp: number, options: FernetDecryptOptions | undefined): void {
  if (options === undefined) return;
  checkOptions(options, ['ttl', 'time'], 'Fernet.decrypt');
  if (options.ttl === undefined) return;
  if (typeof options.ttl !== 'number' || !Number.isFinite(options.ttl)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `Fernet.decrypt ttl must be a number of seconds (got ${kind(options.ttl)}).`);
  }
  const now = timeOf(options.time);
  if (timestamp + options.ttl < now) throw new RampartError('ERR_RAMPART_FERNET_EXPIRED', 'Fernet token has expired (older than the ttl).');
  if (now + FERNET_MAX_CLOCK_SKEW < timestamp) throw new RampartError('ERR_RAMPART_FERNET_FUTURE', 'Fernet token timestamp is too far in the future.');
}

function timeOf(time: unknown): number {
  if (time === undefined) return Math.floor(Date.now() / 1000);
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0 || time > Number.MAX_SAFE_INTEGER) {
    throw new RampartError('ERR_RAMPART_CONFIG', `Fernet time must be seconds since the epoch (got ${kind(time)}).`);
  }
  return Math.floor(time);
}

function parseKey(key: unknown, what: string): FernetKey {
  let text: string;
  if (key instanceof Secret) text = key.revealString();
  else if (typeof key === 'string') text = key;
  else if (key instanceof Uint8Array) text = Buffer.from(key).toString('latin1');
  else throw new RampartError('ERR_RAMPART_CRYPTO_KEY', `${what} must be url-safe base64 of 32 bytes (got ${kind(key)}).`);
  const raw = decodeBase64Url(text.trim(), 'optional');
  if (raw === undefined || raw.length !== 32) {
    throw new RampartError(
      'ERR_RAMPART_CRYPTO_KEY',
      `${what} must be url-safe base64 of 32 bytes (44 characters with padding); generate one with Fernet.generateKey().`,
    );
  }
  const key32 = { signing: Buffer.from(raw.subarray(0, 16)), encryption: Buffer.from(raw.subarray(16)) };
  raw.fill(0);
  return key32;
}

function checkOptions(options: unknown, allowed: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new RampartError('ERR_RAMPART_CONFIG', `${where} options must be an object (got ${kind(options)}).`);
  }
  checkKeys(options, allowed, where);
}

function invalid(reason: string): RampartError {
  return new RampartError('ERR_RAMPART_FERNET_TOKEN', `Invalid Fernet token: ${reason}.`);
}
