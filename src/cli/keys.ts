/** `rampart keys`: generate strong secrets and keys. */
import { randomBytes } from 'node:crypto';
import { Fernet } from '../crypto/fernet.ts';
import { intFlag, parse, UsageError } from './args.ts';

export const KEYS_HELP = `Usage: rampart keys [secret|fernet|csrf] [--bytes N]

Print a new random key on stdout (from node:crypto's CSPRNG).

  secret   (default) N random bytes as base64url, for SECRET_KEY, JWT HS256 keys,
           session and chain keys (--bytes 32…1024, default 48)
  csrf     a csrf.secret for rampart (--bytes 32…1024, default 32), base64url
  fernet   a Fernet key: url-safe base64 of 32 bytes (--bytes not accepted), usable by
           rampart/crypto's Fernet and Python's cryptography.fernet.Fernet
`;

/** Entry of `rampart keys`; returns the exit code. */
export function keysCommand(argv: readonly string[]): number {
  const { values, positionals } = parse('keys', argv, { bytes: { type: 'string', short: 'b' } }, true);
  if (values.help === true) {
    process.stdout.write(KEYS_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`rampart keys: one kind at a time (got ${positionals.join(' ')}).`);
  const kind = positionals[0] ?? 'secret';
  if (kind === 'fernet') {
    if (values.bytes !== undefined) throw new UsageError('rampart keys fernet: Fernet keys are always 32 bytes; drop --bytes.');
    process.stdout.write(`${Fernet.generateKey()}\n`);
    return 0;
  }
  if (kind !== 'secret' && kind !== 'csrf') throw new UsageError(`rampart keys: unknown kind ${JSON.stringify(kind)}; use secret, csrf or fernet.`);
  const bytes = intFlag('keys', values, 'bytes', 32, 1024, kind === 'csrf' ? 32 : 48);
  process.stdout.write(`${randomBytes(bytes).toString('base64url')}\n`);
  return 0;
}
