import { randomBytes, timingSafeEqual } from 'node:crypto';
import { lazyPeer, PEERS } from '../../core/optional.ts';
import { RampartError } from '../../errors.ts';
import { requireSecret } from '../../crypto/secret.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';
import { argon2Raw, encodePhc, MAX_ARGON2_MEMORY_KIB, parsePhc, type Argon2Params, type ParsedArgon2 } from './argon2.ts';
import { verifyDummy } from './dummy.ts';
import { argon2NeedsRehash } from './rehash.ts';
import { hashForm } from './normalize.ts';

// bcryptjs is an optional peer, only needed to verify legacy bcrypt hashes.
const loadBcrypt = lazyPeer(PEERS.bcrypt, () => import('bcryptjs'));

/** Options of {@link hashPassword} and {@link verifyPassword}. */
export interface PasswordHashOptions {
  /**
   * Server-side secret mixed in as argon2's `secret` input (a "pepper"): a leaked
   * database alone does not allow offline guessing. Keep it outside the database. At least
   * 16 random bytes (`openssl rand -base64 32`); a placeholder or low-entropy value is refused.
   */
  pepper?: string | Uint8Array;
  /** Memory cost in KiB. Default 19456 (19 MiB, OWASP). Minimum 7168, maximum 262144 (256 MiB). */
  memory?: number;
  /** Number of passes. Default 2 (OWASP). */
  passes?: number;
  /** Lanes. Default 1. */
  parallelism?: number;
}

/** Result of {@link verifyPassword}. */
export interface PasswordCheck {
  /** True when the password matches the stored hash. */
  ok: boolean;
  /**
   * True when the password matched but the hash uses an older scheme (bcrypt, argon2i/d)
   * or is weaker than the configured parameters (less memory, a smaller memory × passes, a
   * salt or tag under 16 bytes): hash it again and store the new hash. A stronger argon2id
   * hash (argon2-cffi's default m=102400,t=2,p=8, say) is kept, never rewritten weaker.
   */
  needsRehash: boolean;
}

const OPTION_NAMES = ['pepper', 'memory', 'passes', 'parallelism'];
/** Longest password accepted (bytes): argon2 would take more, but nobody types this and it caps work per request. */
export const MAX_PASSWORD_BYTES = 4096;
const BCRYPT_MAX_BYTES = 72;
const SALT_BYTES = 16;
const TAG_BYTES = 32;

/** The parameters new hashes use (OWASP's argon2id recommendation). */
export const DEFAULT_ARGON2: Readonly<Argon2Params> = Object.freeze({ variant: 'argon2id', memory: 19456, passes: 2, parallelism: 1 });

interface Resolved {
  params: Argon2Params;
  pepper: Buffer | undefined;
}

function resolve(options: PasswordHashOptions | undefined, fn: string): Resolved {
  const o = optionsObject(options, fn);
  checkKeys(o, OPTION_NAMES, fn);
  const params: Argon2Params = {
    variant: 'argon2id',
    memory: o.memory === undefined ? DEFAULT_ARGON2.memory : numberOption(o.memory, `${fn}.memory`, 7168, MAX_ARGON2_MEMORY_KIB),
    passes: o.passes === undefined ? DEFAULT_ARGON2.passes : numberOption(o.passes, `${fn}.passes`, 1, 64),
    parallelism: o.parallelism === undefined ? DEFAULT_ARGON2.parallelism : numberOption(o.parallelism, `${fn}.parallelism`, 1, 64),
  };
  let pepper: Buffer | undefined;
  if (o.pepper !== undefined) {
    if (typeof o.pepper === 'string') pepper = Buffer.from(o.pepper, 'utf8');
    else if (o.pepper instanceof Uint8Array) pepper = Buffer.from(o.pepper);
    else throw configError(`${fn}.pepper must be a string or bytes.`);
    // The shared secret check (placeholders, low entropy); 16 bytes stays the minimum, since a
    // pepper cannot be changed without rehashing every password.
    pepper.fill(0);
    pepper = requireSecret(o.pepper, { name: `${fn}.pepper`, code: 'ERR_RAMPART_CONFIG', minBytes: 16 });
  }
  return { params, pepper };
}

/**
 * The UTF-8 spellings of a password to compare: its NFKC form first (what rampart hashes),
 * then, when it differs, the form as typed (hashes made before rampart normalised, or by
 * libraries that do not). Both are bounded: NFKC can make a string 18 times longer.
 */
function passwordForms(password: unknown, fn: string): Buffer[] {
  if (typeof password !== 'string') throw new RampartError('ERR_RAMPART_PASSWORD_INPUT', `${fn}: the password must be a string.`);
  const tooLong = () => new RampartError('ERR_RAMPART_PASSWORD_TOO_LONG', `Passwords are limited to ${MAX_PASSWORD_BYTES} bytes.`);
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw tooLong();
  const normalized = hashForm(password);
  if (Buffer.byteLength(normalized, 'utf8') > MAX_PASSWORD_BYTES) throw tooLong();
  const forms = [Buffer.from(normalized, 'utf8')];
  if (normalized !== password) forms.push(Buffer.from(password, 'utf8'));
  return forms;
}

/**
 * Hash a password with argon2id (m=19456 KiB, t=2, p=1 by default) using node:crypto,
 * returning a standard PHC string readable by other argon2 libraries (argon2-cffi,
 * libargon2, @node-rs/argon2). The password is normalised with NFKC first (NIST SP 800-63B
 * §5.1.1.2), so "é" typed composed or decomposed, or fullwidth letters, hash the same;
 * another library verifying these hashes must apply NFKC too. The 4096-byte limit applies to
 * the password as typed and to its NFKC form.
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple', { pepper: process.env.PEPPER });
 */
export async function hashPassword(password: string, options?: PasswordHashOptions): Promise<string> {
  const { params, pepper } = resolve(options, 'hashPassword');
  const [bytes] = passwordForms(password, 'hashPassword') as [Buffer];
  const salt = randomBytes(SALT_BYTES);
  const tag = await argon2Raw(params, bytes, salt, TAG_BYTES, pepper);
  return encodePhc(params, salt, tag);
}

/**
 * Verify a password against a stored hash: argon2id/argon2i/argon2d PHC strings (any
 * parameters up to m=262144 KiB, t=64, p=64) and legacy bcrypt `$2a$`/`$2b$`/`$2y$`. `needsRehash` tells the app to
 * store a fresh argon2id hash after a successful login (migration on login).
 *
 * The password's NFKC form is tried first; when the password as typed differs, that form is
 * tried too (hashes made before rampart normalised, or by libraries that do not), and a match
 * of it asks for a rehash. An unknown user's dummy check runs once per form, as a known one's does.
 *
 * Pass `null` as the hash when the user does not exist: one argon2 computation with the
 * parameters of `options` (what a real row hashed with them costs) runs, and `{ ok: false }`
 * comes back, so neither the answer nor the time reveals which accounts exist.
 *
 * A password longer than bcrypt's 72 bytes checked against a bcrypt hash is never compared
 * (bcrypt would silently ignore the rest): it costs the same dummy check as an unknown user
 * and resolves `{ ok: false }`, the answer an unknown user gets.
 *
 * Throws ERR_RAMPART_PASSWORD_HASH for an unrecognised stored hash or one with parameters
 * beyond those bounds (checked before any memory is allocated), and, whether or not the user
 * exists, ERR_RAMPART_PASSWORD_INPUT for a non-string and ERR_RAMPART_PASSWORD_TOO_LONG for
 * a password over 4096 bytes (no stored hash can match one). Verifying a bcrypt
 * hash needs the optional peer `bcryptjs` (`npm install bcryptjs`); without it,
 * ERR_RAMPART_MISSING_DEPENDENCY.
 */
export async function verifyPassword(hash: string | null | undefined, password: string, options?: PasswordHashOptions): Promise<PasswordCheck> {
  const { params, pepper } = resolve(options, 'verifyPassword');
  const forms = passwordForms(password, 'verifyPassword');
  if (hash === null || hash === undefined) {
    // A known user's row is tried with every form: the same number of computations here.
    for (const form of forms) await verifyDummy(params, form, pepper);
    return { ok: false, needsRehash: false };
  }
  if (typeof hash !== 'string') throw new RampartError('ERR_RAMPART_PASSWORD_HASH', 'verifyPassword: the stored hash must be a string.');
  if (hash.startsWith('$argon2')) {
    const parsed = parsePhc(hash);
    for (const [i, form] of forms.entries()) {
      // A match of the form as typed is a hash from before normalisation: store the NFKC one.
      if (await verifyArgon2(parsed, form, pepper)) return { ok: true, needsRehash: i > 0 || argon2NeedsRehash(parsed, params) };
    }
    return { ok: false, needsRehash: false };
  }
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
    // bcrypt hashes never had a pepper; the legacy password is checked in both spellings.
    const cost = Number(hash.slice(4, 6));
    if (cost < 4 || cost > 20) throw new RampartError('ERR_RAMPART_PASSWORD_HASH', 'bcrypt cost out of range (4–20).');
    // bcrypt would compare only the first 72 bytes. Never compare a longer form: it costs the
    // dummy check an unknown user costs, and the answer is the same false — a distinct error
    // here told an attacker which accounts exist and skipped the caller's failure counting.
    for (const form of forms) {
      if (form.length > BCRYPT_MAX_BYTES) await verifyDummy(params, form, pepper);
      else if (await (await loadBcrypt()).default.compare(form.toString('utf8'), hash)) return { ok: true, needsRehash: true };
    }
    return { ok: false, needsRehash: false };
  }
  throw new RampartError('ERR_RAMPART_PASSWORD_HASH', 'verifyPassword: the stored hash is neither an argon2 PHC string nor a bcrypt $2a/$2b/$2y hash.');
}

async function verifyArgon2(parsed: ParsedArgon2, password: Buffer, pepper: Buffer | undefined): Promise<boolean> {
  const tag = await argon2Raw(parsed, password, parsed.salt, parsed.hash.length, pepper);
  return timingSafeEqual(tag, parsed.hash);
}
