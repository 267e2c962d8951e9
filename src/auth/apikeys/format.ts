import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 32; // 32 × log2(62) ≈ 190 bits
const CHECKSUM_CHARS = 6; // 62^6 > 2^32

function base62(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]; // 248 = 4 × 62: no modulo bias
    }
  }
  return out;
}

/** A new key: `<prefix>_<env>_<32 base62>_<6 base62 crc32>`. */
export function newKey(prefix: string, environment: string): string {
  const body = `${prefix}_${environment}_${randomBase62(RANDOM_CHARS)}`;
  return `${body}_${base62(crc32(body), CHECKSUM_CHARS)}`;
}

/** True when `key` has the shape and a correct checksum (no database needed). */
export function wellFormed(key: unknown, prefix: string, environment: string): key is string {
  if (typeof key !== 'string' || key.length !== prefix.length + environment.length + RANDOM_CHARS + CHECKSUM_CHARS + 3) return false;
  const head = `${prefix}_${environment}_`;
  if (!key.startsWith(head)) return false;
  const random = key.slice(head.length, head.length + RANDOM_CHARS);
  if (!/^[0-9A-Za-z]+$/.test(random) || key[head.length + RANDOM_CHARS] !== '_') return false;
  const body = key.slice(0, head.length + RANDOM_CHARS);
  return base62(crc32(body), CHECKSUM_CHARS) === key.slice(-CHECKSUM_CHARS);
}

/** The non-secret part shown in listings: `rk_live_AbCd…`. */
export function displayPrefix(key: string, prefix: string, environment: string): string {
  return key.slice(0, prefix.length + environment.length + 2 + 4);
}
