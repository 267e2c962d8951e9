import type { Argon2Params, ParsedArgon2 } from './argon2.ts';

/**
 * Shortest salt and tag (bytes) a stored hash may keep: 128 bits, what RFC 9106 §4 calls
 * sufficient for all applications. Longer values add nothing for password checks, so
 * argon2-cffi's 16-byte tags are kept and rampart's own 32-byte tags are not "stronger".
 */
export const MIN_KEPT_SALT_BYTES = 16;
/** See {@link MIN_KEPT_SALT_BYTES}. */
export const MIN_KEPT_TAG_BYTES = 16;

/**
 * Whether a stored argon2 hash is weaker than `target` and should be replaced after a
 * successful login. The rule is conservative and never asks to replace a hash with a weaker one:
 *
 * - another variant (argon2i, argon2d) is always replaced by argon2id (RFC 9106's choice);
 * - less memory than the target is replaced, whatever the passes: memory is what an attacker's
 *   hardware pays for, so more passes do not buy it back;
 * - with at least the target's memory, memory × passes must reach the target's (OWASP's
 *   equivalent settings trade one for the other: m=47104,t=1 ≈ m=19456,t=2);
 * - a salt or tag under 16 bytes is replaced;
 * - parallelism is not compared: the lanes change how the server spends its time, not the
 *   memory × time an attacker spends per guess.
 */
export function argon2NeedsRehash(stored: ParsedArgon2, target: Argon2Params): boolean {
  if (stored.variant !== 'argon2id') return true;
  if (stored.salt.length < MIN_KEPT_SALT_BYTES || stored.hash.length < MIN_KEPT_TAG_BYTES) return true;
  if (stored.memory < target.memory) return true;
  return stored.memory * stored.passes < target.memory * target.passes;
}
