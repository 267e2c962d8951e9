import { createRequire } from 'node:module';

// node:crypto loads on first use (~8 ms and ~3 MB at import otherwise); crypto/ stays free of core/, so this is its own getter.
let nodeCrypto: typeof import('node:crypto') | undefined;
function crypto(): typeof import('node:crypto') {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  nodeCrypto ??= (get !== undefined ? get('node:crypto') : createRequire(import.meta.url)('node:crypto')) as typeof import('node:crypto');
  return nodeCrypto;
}
import { RampartError } from '../errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** True when `text` has no lone UTF-16 surrogate, i.e. UTF-8 can encode it without loss. */
export function isWellFormedText(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Bytes of a string (UTF-8) or a copy-free view of a Uint8Array; anything else is
 * ERR_RAMPART_CRYPTO_INPUT, and so is a string with a lone surrogate: UTF-8 would replace
 * it with U+FFFD, so the bytes encrypted, signed or hashed would not be the caller's text.
 */
export function toBytes(data: unknown, what = 'data'): Buffer {
  if (typeof data === 'string') {
    if (!isWellFormedText(data)) {
      throw new RampartError(
        'ERR_RAMPART_CRYPTO_INPUT',
        `${what} contains a lone UTF-16 surrogate, which UTF-8 cannot encode (it would come back as U+FFFD): pass well-formed text, bytes, or use encryptJson (lossless).`,
      );
    }
    return Buffer.from(data, 'utf8');
  }
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `${what} must be a string or a Uint8Array (got ${kind(data)}).`);
}

/**
 * Strict url-safe base64 decoding: only the url-safe alphabet, padding only at the end and
 * only in canonical form (re-encoding gives back the input), so a token has exactly one
 * spelling. Returns undefined when the text is not canonical base64url.
 */
export function decodeBase64Url(text: string, padded: 'required' | 'optional'): Buffer | undefined {
  let unpadded = text.length;
  while (unpadded > 0 && text.length - unpadded < 2 && text.charCodeAt(unpadded - 1) === 0x3d) unpadded--;
  const rest = unpadded % 4;
  if (rest === 1) return undefined;
  const hasPadding = unpadded !== text.length;
  if ((padded === 'required' || hasPadding) && text.length % 4 !== 0) return undefined;
  // Node's decoder also takes the standard alphabet: refuse it explicitly.
  if (text.includes('+') || text.includes('/')) return undefined;
  // Node's decoder skips any other character it does not know (and stops at '='), so a
  // text with one is shorter once decoded than its length promises. This check is linear
  // and native, unlike a regular expression over a multi-megabyte token.
  const bytes = Buffer.from(unpadded === text.length ? text : text.slice(0, unpadded), 'base64url');
  if (bytes.length !== Math.floor((unpadded * 3) / 4)) return undefined;
  // Canonical form: the bits of the last character that fall outside the data must be zero
  // (otherwise several spellings would decode to the same bytes).
  if (rest !== 0) {
    const last = ALPHABET.indexOf(text.charAt(unpadded - 1));
    if (last < 0 || (rest === 2 && (last & 0x0f) !== 0) || (rest === 3 && (last & 0x03) !== 0)) return undefined;
  }
  return bytes;
}

/** Url-safe base64 with `=` padding, as Python's `base64.urlsafe_b64encode`. */
export function encodeBase64UrlPadded(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return text + '=='.slice(0, (4 - (text.length % 4)) % 4);
}

/**
 * Constant-time equality of two secrets (strings compare as UTF-8). Both sides are hashed
 * with SHA-256 first and the digests compared with `crypto.timingSafeEqual`, so inputs of
 * different lengths simply return false, without an early exit that would reveal where
 * they differ. A string with a lone surrogate equals nothing.
 *
 * @example constantTimeEqual(req.headers['x-token'] ?? '', expectedToken)
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  // Text UTF-8 cannot encode is equal to no secret (two such strings would encode alike).
  if ((typeof a === 'string' && !isWellFormedText(a)) || (typeof b === 'string' && !isWellFormedText(b))) return false;
  const left = crypto().hash('sha256', toBytes(a, 'a'), 'buffer');
  const right = crypto().hash('sha256', toBytes(b, 'b'), 'buffer');
  return crypto().timingSafeEqual(left, right);
}

/** A short description of a value's type for error messages (never the value itself). */
export function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  return typeof value;
}
