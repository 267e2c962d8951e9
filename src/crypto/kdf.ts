import { hkdfSync, pbkdf2 as nodePbkdf2, scrypt as nodeScrypt } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { kind, toBytes } from './bytes.ts';
import { intOption, optionsObject } from './options.ts';
import { Secret } from './secret.ts';

/** PBKDF2-HMAC-SHA256 iterations used when none are given (OWASP Password Storage Cheat Sheet, 2023+). */
export const PBKDF2_DEFAULT_ITERATIONS = 600_000;
/** Fewest PBKDF2 iterations accepted (the seed's legacy 100,000; anything lower is refused). */
export const PBKDF2_MIN_ITERATIONS = 100_000;
/** scrypt cost used when none is given: N = 2^17, r = 8, p = 1 (OWASP), 128 MiB of memory. */
export const SCRYPT_DEFAULTS = Object.freeze({ cost: 131_072, blockSize: 8, parallelization: 1 });

/** A password or key: text, bytes, or a {@link Secret}. */
export type SecretInput = string | Uint8Array | Secret;

/** Options of {@link pbkdf2}. */
export interface Pbkdf2Options {
  /** Salt, at least 16 bytes (random per password; store it beside the result). */
  salt: string | Uint8Array;
  /** Iterations, default 600,000, at least 100,000. */
  iterations?: number;
  /** Output length in bytes, default 32. */
  length?: number;
}

/**
 * PBKDF2-HMAC-SHA256 (runs on libuv's thread pool). For password *storage* prefer
 * `hashPassword` (argon2id) from `rampart/auth`; this is for deriving encryption keys from
 * a passphrase, as the seed's `DataEncryption` does.
 *
 * @example const key = await pbkdf2(passphrase, { salt: randomBytes(16) });
 */
export async function pbkdf2(password: SecretInput, options: Pbkdf2Options): Promise<Buffer> {
  const opts = optionsObject(options, 'pbkdf2', ['salt', 'iterations', 'length']);
  const salt = saltOf(opts.salt, 'pbkdf2');
  const iterations = intOption(opts.iterations, 'pbkdf2 iterations', PBKDF2_MIN_ITERATIONS, 100_000_000, PBKDF2_DEFAULT_ITERATIONS);
  const length = intOption(opts.length, 'pbkdf2 length', 16, 1024, 32);
  const secret = secretBytes(password, 'pbkdf2 password');
  return new Promise((resolve, reject) => {
    nodePbkdf2(secret, salt, iterations, length, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Options of {@link scrypt}. */
export interface ScryptOptions {
  /** Salt, at least 16 bytes. */
  salt: string | Uint8Array;
  /** CPU/memory cost N (power of two), default 2^17. */
  cost?: number;
  /** Block size r, default 8. */
  blockSize?: number;
  /** Parallelization p, default 1. */
  parallelization?: number;
  /** Output length in bytes, default 32. */
  length?: number;
}

/**
 * scrypt (RFC 7914) with OWASP's parameters by default (N=2^17, r=8, p=1: 128 MiB, the
 * memory limit is raised to fit).
 *
 * @example const key = await scrypt(passphrase, { salt });
 */
export async function scrypt(password: SecretInput, options: ScryptOptions): Promise<Buffer> {
  const opts = optionsObject(options, 'scrypt', ['salt', 'cost', 'blockSize', 'parallelization', 'length']);
  const salt = saltOf(opts.salt, 'scrypt');
  const cost = intOption(opts.cost, 'scrypt cost', 2, 2 ** 24, SCRYPT_DEFAULTS.cost);
  if ((cost & (cost - 1)) !== 0) throw new RampartError('ERR_RAMPART_CONFIG', `scrypt cost must be a power of two (got ${cost}).`);
  const blockSize = intOption(opts.blockSize, 'scrypt blockSize', 1, 64, SCRYPT_DEFAULTS.blockSize);
  const parallelization = intOption(opts.parallelization, 'scrypt parallelization', 1, 64, SCRYPT_DEFAULTS.parallelization);
  const length = intOption(opts.length, 'scrypt length', 16, 1024, 32);
  const secret = secretBytes(password, 'scrypt password');
  const maxmem = 128 * cost * blockSize * (parallelization + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    nodeScrypt(secret, salt, length, { N: cost, r: blockSize, p: parallelization, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Options of {@link hkdf}. */
export interface HkdfOptions {
  /** Optional salt (RFC 5869 §3.1: a random or fixed non-secret value; default none). */
  salt?: string | Uint8Array;
  /** Context/purpose label, so keys for different purposes are independent ("sessions", "db:email"). */
  info: string | Uint8Array;
  /** Output length in bytes, default 32. */
  length?: number;
}

/**
 * HKDF-SHA256 (RFC 5869): derive independent keys for separate purposes from one
 * high-entropy master secret. Not for passwords (use {@link pbkdf2} or {@link scrypt}).
 *
 * @example const cookieKey = hkdf(masterKey, { info: 'cookies' });
 */
export function hkdf(masterKey: SecretInput, options: HkdfOptions): Buffer {
  const opts = optionsObject(options, 'hkdf', ['salt', 'info', 'length']);
  const info = toBytes(opts.info, 'hkdf info');
  if (info.length > 1024) throw new RampartError('ERR_RAMPART_CONFIG', 'hkdf info must be at most 1024 bytes.');
  const salt = opts.salt === undefined ? Buffer.alloc(0) : toBytes(opts.salt, 'hkdf salt');
  const length = intOption(opts.length, 'hkdf length', 1, 255 * 32, 32);
  const ikm = secretBytes(masterKey, 'hkdf master key');
  if (ikm.length === 0) throw new RampartError('ERR_RAMPART_CRYPTO_KEY', 'hkdf master key must not be empty.');
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** Options of {@link deriveKey}. */
export type DeriveKeyOptions = ({ algorithm?: 'pbkdf2' } & Pbkdf2Options) | ({ algorithm: 'scrypt' } & ScryptOptions) | ({ algorithm: 'hkdf' } & HkdfOptions);

/**
 * Derive a key with the named algorithm: `'pbkdf2'` (default; passphrases), `'scrypt'`
 * (passphrases, memory-hard) or `'hkdf'` (splitting a strong master key by purpose).
 *
 * @example
 * const key = await deriveKey(passphrase, { salt });                          // PBKDF2-SHA256, 600k
 * const k2 = await deriveKey(master, { algorithm: 'hkdf', info: 'uploads' });
 */
export async function deriveKey(secret: SecretInput, options: DeriveKeyOptions): Promise<Buffer> {
  if (typeof options !== 'object' || options === null) {
    throw new RampartError('ERR_RAMPART_CONFIG', `deriveKey options must be an object (got ${kind(options)}).`);
  }
  const { algorithm = 'pbkdf2', ...rest } = options;
  switch (algorithm) {
    case 'pbkdf2':
      return pbkdf2(secret, rest as Pbkdf2Options);
    case 'scrypt':
      return scrypt(secret, rest as ScryptOptions);
    case 'hkdf':
      return hkdf(secret, rest as HkdfOptions);
    default:
      throw new RampartError('ERR_RAMPART_CONFIG', `deriveKey algorithm must be 'pbkdf2', 'scrypt' or 'hkdf' (got ${JSON.stringify(algorithm)}).`);
  }
}

function saltOf(value: unknown, where: string): Buffer {
  if (value === undefined)
    throw new RampartError('ERR_RAMPART_CONFIG', `${where} needs a salt: 16 or more random bytes (randomBytes(16)), stored beside the derived key.`);
  const salt = toBytes(value, `${where} salt`);
  if (salt.length < 16) throw new RampartError('ERR_RAMPART_CONFIG', `${where} salt must be at least 16 bytes (got ${salt.length}); use randomBytes(16).`);
  return salt;
}

function secretBytes(value: unknown, what: string): Buffer {
  if (value instanceof Secret) return value.reveal();
  return toBytes(value, what);
}
