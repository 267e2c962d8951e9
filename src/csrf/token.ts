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

function randomPart(): string {
  if (poolOffset + 32 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const part = pool.toString('base64url', poolOffset, poolOffset + 32);
  // Each slice is used once: wipe it so the pool never holds issued randomness for long.
  pool.fill(0, poolOffset, poolOffset + 32);
  poolOffset += 32;
  return part;
}

/**
 * Signs and verifies CSRF tokens `{random}.{hmac}`: 32 random bytes, and an HMAC-SHA256
 * over a domain-separated message binding the random part to the session identifier
 * (empty when no session is configured). The first key signs; every key verifies
 * (rotation).
 */
export class TokenSigner {
  readonly #keys: readonly KeyObject[];

  constructor(secrets: readonly string[]) {
    this.#keys = secrets.map((s) => createSecretKey(Buffer.from(s, 'utf8')));
  }

  /** A fresh token bound to `sessionId` ('' for none). */
  issue(sessionId: string): string {
    const random = randomPart();
    return `${random}.${mac(this.#keys[0]!, random, sessionId)}`;
  }

  /** True when `token` has the right shape and a signature made by one of the keys for `sessionId`. */
  verify(token: string, sessionId: string): boolean {
    if (token.length !== TOKEN_LENGTH || token.charCodeAt(PART_LENGTH) !== 46 /* . */) return false;
    const random = token.slice(0, PART_LENGTH);
    const given = Buffer.from(token.slice(PART_LENGTH + 1), 'latin1');
    let ok = false;
    // Try every key (no early exit) so the key that matched is not visible in the timing.
    for (const key of this.#keys) {
      const expected = Buffer.from(mac(key, random, sessionId), 'latin1');
      if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
    }
    return ok;
  }
}

function mac(key: KeyObject, random: string, sessionId: string): string {
  // Length-prefixed fields: ("ab", "c") and ("a", "bc") produce different messages.
  return createHmac('sha256', key)
    .update(`${DOMAIN}\n${sessionId.length}:${sessionId}\n${random}`, 'utf8')
    .digest('base64url');
}

/** Constant-time equality of two token strings (length is not secret). */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
