/**
 * The stored form of a login account name: a digest of its normalised form (NFKC, trimmed,
 * lower case), keyed when a secret is given. loginGuard keys its stores with it and writes its
 * first 16 characters into the SecurityLog; GDPR erasure recomputes it to find those rows.
 */
import { nodeCrypto } from './builtin.ts';

/** The 22-character base64url digest of `account` (unchecked: callers validate the name). */
export function accountDigest(account: string, secret?: string): string {
  const normalised = account.normalize('NFKC').trim().toLowerCase();
  const h = nodeCrypto().createHash('sha256');
  if (secret !== undefined) h.update(secret).update('\u0000');
  return h.update(normalised).digest('base64url').slice(0, 22);
}
