import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from '../core/builtin.ts';

/** Characters of the random part and of the signature (32 bytes each, base64url, unpadded). */
const PART_LENGTH = 43;
/** `{random}.{hmac}`. */
export const TOKEN_LENGTH = PART_LENGTH * 2 + 1;

// Domain separation: a MAC made for another purpose with the same key never verifies here.
const DOMAIN = 'rampart/csrf/v1';

// randomBytes(32) per token costs a syscall-sized slice of time; fill a pool and slice it.
const POOL_SIZE = 32 * 128;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** Offset of `n` fresh random bytes in the pool (refilled when short); the caller wipes them after use. */
function takeRandom(n: number): number {
  if (poolOffset + n > POOL_SIZE) {
    nodeCrypto().randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

function randomPart(): string {
  const at = takeRandom(32);
  const part = pool.toString('base64url', at, at + 32);
  // Each slice is used once: wipe it so the pool never holds issued randomness for long.
  pool.fill(0, at, at + 32);
  return part;
}

/** Bytes of a token once its two base64url parts are decoded: 32 random + 32 MAC. */
export const TOKEN_BYTES = 64;
/** Characters of a masked token: base64url (unpadded) of pad (64 bytes) || pad XOR token (64 bytes). */
export const MASKED_LENGTH = Math.ceil((TOKEN_BYTES * 2 * 4) / 3);
// Scratch space for masking and unmasking: one value at a time, wiped after every use.
const scratch128 = Buffer.alloc(TOKEN_BYTES * 2);
// base64url alphabet index of each ASCII code, -1 elsewhere.
const B64URL = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) B64URL[c.charCodeAt(0)] = i;

/**
 * Read the 64 token bytes behind a value a client sent into `out`: a masked token
 * ({@link maskBytes}) is unmasked; a plain `{random}.{hmac}` token (issued before masking)
 * is decoded. False (and `out` zeroed) for anything else, including non-canonical
 * base64url, so a token has one spelling per pad. The bytes still have to be verified /
 * compared in constant time.
 */
export function readToken(value: string, out: Buffer): boolean {
  if (value.length === MASKED_LENGTH) {
    // 171 characters carry 128 bytes only when every one is in the base64url alphabet (the
    // decoder skips others, and takes '+' '/' as well) and the 2 spare bits of the last are 0.
    const last = value.charCodeAt(MASKED_LENGTH - 1);
    if (last > 127 || B64URL[last]! < 0 || (B64URL[last]! & 3) !== 0 || value.indexOf('+') !== -1 || value.indexOf('/') !== -1) return fail(out);
    const written = scratch128.write(value, 0, 'base64url');
    if (written !== TOKEN_BYTES * 2) {
      scratch128.fill(0);
      return fail(out);
    }
    for (let i = 0; i < TOKEN_BYTES; i++) out[i] = scratch128[TOKEN_BYTES + i]! ^ scratch128[i]!;
    scratch128.fill(0);
    return true;
  }
  if (value.length !== TOKEN_LENGTH || value.charCodeAt(PART_LENGTH) !== 46 /* . */) return fail(out);
  const random = value.slice(0, PART_LENGTH);
  const signature = value.slice(PART_LENGTH + 1);
  out.write(random, 0, 32, 'base64url');
  out.write(signature, 32, 32, 'base64url');
  // Rare (tokens from before masking): the simple canonical check, re-encoding.
  if (out.toString('base64url', 0, 32) !== random || out.toString('base64url', 32, 64) !== signature) return fail(out);
  return true;
}

/**
 * True when `value` has the shape of a token a client could send back: a masked token (171
 * base64url characters) or a plain `{random}.{hmac}` one. A cheap scan, no decoding: values
 * that fail it cannot be a token and are skipped before any comparison or signature check.
 */
export function looksLikeToken(value: string): boolean {
  const n = value.length;
  if (n !== MASKED_LENGTH && n !== TOKEN_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 128 && B64URL[c]! >= 0) continue;
    if (n === TOKEN_LENGTH && i === PART_LENGTH && c === 46 /* . */) continue;
    return false;
  }
  return n === MASKED_LENGTH || value.charCodeAt(PART_LENGTH) === 46;
}

function fail(out: Buffer): false {
  out.fill(0);
  return false;
}

/**
 * The string to put on the wire for a token (BREACH defence, Django's scheme on bytes):
 * base64url(pad || pad XOR token) with a fresh 64-byte random pad, so every response
 * carries a different string for the same token. {@link readToken} recovers the bytes.
 */
export function maskBytes(token: Buffer): string {
  const at = takeRandom(TOKEN_BYTES);
  pool.copy(scratch128, 0, at, at + TOKEN_BYTES);
  pool.fill(0, at, at + TOKEN_BYTES);
  for (let i = 0; i < TOKEN_BYTES; i++) scratch128[TOKEN_BYTES + i] = token[i]! ^ scratch128[i]!;
  const wire = scratch128.toString('base64url');
  scratch128.fill(0);
  return wire;
}

const convert = Buffer.alloc(TOKEN_BYTES);

/** {@link maskBytes} for a token in its `{random}.{hmac}` form (as {@link TokenSigner.issue} returns it). */
export function maskToken(token: string): string {
  if (!readToken(token, convert) || token.length !== TOKEN_LENGTH) throw new TypeError('maskToken expects a {random}.{hmac} token');
  const wire = maskBytes(convert);
  convert.fill(0);
  return wire;
}

/** The `{random}.{hmac}` form of a masked or plain token value; undefined when malformed. */
export function unmaskToken(value: string): string | undefined {
  if (!readToken(value, convert)) return undefined;
  const token = `${convert.toString('base64url', 0, 32)}.${convert.toString('base64url', 32)}`;
  convert.fill(0);
  return token;
}

/** How many verified (session, token) pairs are remembered before the cache starts over. */
const VERIFIED_CACHE_SIZE = 8192;

/**
 * Signs and verifies CSRF tokens `{random}.{hmac}`: 32 random bytes, and an HMAC-SHA256
 * over a domain-separated message binding the random part to the session identifier
 * (empty when no session is configured). The first key signs; every key verifies
 * (rotation).
 */
export class TokenSigner {
  readonly #keys: readonly KeyObject[];
  // (session, token) pairs whose signature already verified (or that we issued). An HMAC
  // costs microseconds in Node (createHmac allocates native state); a browser sends the
  // same cookie on every request, so the steady state is one Map lookup. Only successes
  // are stored, keyed by session too, so the cache can never make a bad token pass; it is
  // cleared when full (bounded memory whatever clients send).
  readonly #verified = new Map<string, true>();

  /** `secrets`: checked by requireSecret (the first signs, all verify). */
  constructor(secrets: ReadonlyArray<string | Uint8Array>) {
    this.#keys = secrets.map((s) => nodeCrypto().createSecretKey(typeof s === 'string' ? Buffer.from(s, 'utf8') : s));
  }

  /** A fresh token bound to `sessionId` ('' for none), in its `{random}.{hmac}` form. */
  issue(sessionId: string): string {
    const random = randomPart();
    const signature = mac(this.#keys[0]!, random, sessionId);
    const token = `${random}.${signature.toString('base64url')}`;
    // Cache key: the token's 64 bytes as latin1, as verifyBytes builds it.
    this.#remember(`${Buffer.from(random, 'base64url').toString('latin1')}${signature.toString('latin1')}`, sessionId);
    return token;
  }

  /** True when `token` (`{random}.{hmac}`) has a signature made by one of the keys for `sessionId`. */
  verify(token: string, sessionId: string): boolean {
    if (token.length !== TOKEN_LENGTH) return false;
    const bytes = Buffer.alloc(TOKEN_BYTES);
    const ok = readToken(token, bytes) && this.verifyBytes(bytes, sessionId);
    bytes.fill(0);
    return ok;
  }

  /** {@link verify} for the token's 64 bytes (32 random, 32 MAC), as {@link readToken} gives them. */
  verifyBytes(token: Buffer, sessionId: string): boolean {
    const key = token.toString('latin1', 0, TOKEN_BYTES);
    if (this.#verified.has(`${sessionId}\n${key}`)) return true;
    const random = token.toString('base64url', 0, 32);
    const given = token.subarray(32, TOKEN_BYTES);
    let ok = false;
    // Try every key (no early exit) so the key that matched is not visible in the timing.
    for (const k of this.#keys) {
      if (nodeCrypto().timingSafeEqual(mac(k, random, sessionId), given)) ok = true;
    }
    if (ok) this.#remember(key, sessionId);
    return ok;
  }

  #remember(key: string, sessionId: string): void {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.set(`${sessionId}\n${key}`, true);
  }
}

function mac(key: KeyObject, random: string, sessionId: string): Buffer {
  // Length-prefixed fields: ("ab", "c") and ("a", "bc") produce different messages.
  return nodeCrypto().createHmac('sha256', key).update(`${DOMAIN}\n${sessionId.length}:${sessionId}\n${random}`, 'utf8').digest();
}

// Scratch space for sameToken, so a comparison allocates nothing: two fixed views over one
// buffer. UTF-8 (not latin1) so that two different strings never become the same bytes.
const SCRATCH_SIZE = TOKEN_LENGTH * 3;
const scratch = Buffer.alloc(SCRATCH_SIZE * 2);
const scratchA = scratch.subarray(0, SCRATCH_SIZE);
const scratchB = scratch.subarray(SCRATCH_SIZE);

/** Constant-time equality of two token strings (crypto.timingSafeEqual; the length is not secret). */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  if (a.length > TOKEN_LENGTH) {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && nodeCrypto().timingSafeEqual(x, y);
  }
  const n = scratchA.write(a, 0, 'utf8');
  const m = scratchB.write(b, 0, 'utf8');
  // Whole views compared: the bytes after n/m are zero (wiped after every use).
  const equal = nodeCrypto().timingSafeEqual(scratchA, scratchB) && n === m;
  scratch.fill(0);
  return equal;
}
