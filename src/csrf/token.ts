import { createHmac, createSecretKey, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto';

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
    randomFillSync(pool);
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
const RAW_BYTES = 64;
/** Characters of a masked token: base64url (unpadded) of pad (64 bytes) || pad XOR token (64 bytes). */
export const MASKED_LENGTH = Math.ceil(((RAW_BYTES * 2) * 4) / 3);
const MASKED_SHAPE = /^[A-Za-z0-9_-]{171}$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Scratch space for masking: one token at a time, wiped after every use.
const maskScratch = Buffer.alloc(RAW_BYTES * 2);

/**
 * The string to put on the wire for `token` (BREACH defence, Django's scheme on bytes):
 * base64url(pad || pad XOR token) with a fresh 64-byte random pad, so every response
 * carries a different string for the same token. {@link unmaskToken} recovers the token.
 * `token` is one this module issued (`{random}.{hmac}`).
 */
export function maskToken(token: string): string {
  const at = takeRandom(RAW_BYTES);
  pool.copy(maskScratch, 0, at, at + RAW_BYTES);
  pool.fill(0, at, at + RAW_BYTES);
  maskScratch.write(token.slice(0, PART_LENGTH), RAW_BYTES, 32, 'base64url');
  maskScratch.write(token.slice(PART_LENGTH + 1), RAW_BYTES + 32, 32, 'base64url');
  for (let i = 0; i < RAW_BYTES; i++) maskScratch[RAW_BYTES + i]! ^= maskScratch[i]!;
  const wire = maskScratch.toString('base64url');
  maskScratch.fill(0);
  return wire;
}

/**
 * The token behind a value sent by a client: a masked token ({@link maskToken}) is
 * unmasked; an unmasked `{random}.{hmac}` token (issued before masking) is returned as
 * is. Undefined for anything else, including a non-canonical base64url encoding. The
 * result still has to be verified / compared in constant time.
 */
export function unmaskToken(value: string): string | undefined {
  if (value.length === TOKEN_LENGTH) return value;
  if (value.length !== MASKED_LENGTH || !MASKED_SHAPE.test(value)) return undefined;
  // 128 bytes leave 2 unused bits in the last character: they must be zero (one encoding per token).
  if ((BASE64URL.indexOf(value[MASKED_LENGTH - 1]!) & 3) !== 0) return undefined;
  maskScratch.write(value, 0, 'base64url');
  for (let i = 0; i < RAW_BYTES; i++) maskScratch[RAW_BYTES + i]! ^= maskScratch[i]!;
  const token = `${maskScratch.toString('base64url', RAW_BYTES, RAW_BYTES + 32)}.${maskScratch.toString('base64url', RAW_BYTES + 32)}`;
  maskScratch.fill(0);
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

  constructor(secrets: readonly string[]) {
    this.#keys = secrets.map((s) => createSecretKey(Buffer.from(s, 'utf8')));
  }

  /** A fresh token bound to `sessionId` ('' for none). */
  issue(sessionId: string): string {
    const random = randomPart();
    const token = `${random}.${mac(this.#keys[0]!, random, sessionId)}`;
    this.#remember(token, sessionId);
    return token;
  }

  /** True when `token` has the right shape and a signature made by one of the keys for `sessionId`. */
  verify(token: string, sessionId: string): boolean {
    if (token.length !== TOKEN_LENGTH || token.charCodeAt(PART_LENGTH) !== 46 /* . */) return false;
    if (this.#verified.has(`${sessionId}\n${token}`)) return true;
    const random = token.slice(0, PART_LENGTH);
    const given = Buffer.from(token.slice(PART_LENGTH + 1), 'latin1');
    let ok = false;
    // Try every key (no early exit) so the key that matched is not visible in the timing.
    for (const key of this.#keys) {
      const expected = Buffer.from(mac(key, random, sessionId), 'latin1');
      if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
    }
    if (ok) this.#remember(token, sessionId);
    return ok;
  }

  #remember(token: string, sessionId: string): void {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.set(`${sessionId}\n${token}`, true);
  }
}

function mac(key: KeyObject, random: string, sessionId: string): string {
  // Length-prefixed fields: ("ab", "c") and ("a", "bc") produce different messages.
  return createHmac('sha256', key)
    .update(`${DOMAIN}\n${sessionId.length}:${sessionId}\n${random}`, 'utf8')
    .digest('base64url');
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
    return x.length === y.length && timingSafeEqual(x, y);
  }
  const n = scratchA.write(a, 0, 'utf8');
  const m = scratchB.write(b, 0, 'utf8');
  // Whole views compared: the bytes after n/m are zero (wiped after every use).
  const equal = timingSafeEqual(scratchA, scratchB) && n === m;
  scratch.fill(0);
  return equal;
}
