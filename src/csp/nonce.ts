import { nodeCrypto } from '../core/builtin.ts';

const NONCE_BYTES = 16; // 128 bits, as CSP3 recommends
const POOL_NONCES = 256;
const pool = Buffer.allocUnsafe(NONCE_BYTES * POOL_NONCES);
let offset = pool.length;

/**
 * A fresh 128-bit nonce, base64-encoded (24 characters). Random bytes are drawn from a
 * pool refilled with one `randomFillSync` per 256 nonces to keep the per-request cost to
 * a single base64 encode; every 16-byte slice is used exactly once.
 */
export function freshNonce(): string {
  if (offset >= pool.length) {
    nodeCrypto().randomFillSync(pool);
    offset = 0;
  }
  const nonce = pool.toString('base64', offset, offset + NONCE_BYTES);
  offset += NONCE_BYTES;
  return nonce;
}
