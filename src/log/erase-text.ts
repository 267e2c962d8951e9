/**
 * What GDPR erasure removes from the free text of a row (`detail`, `path`): the account name
 * rampart's loginGuard writes, the user id, and the values the caller names. Each becomes
 * `[erased]`; matching is whole-value (not inside a longer word) and case-insensitive.
 */
import { RampartError } from '../errors.ts';

/** The text that replaces an erased value. */
export const ERASED = '[erased]';

/** Most values one erasure takes (each is one pattern over the candidate rows). */
const MAX_IDENTIFIERS = 100;

/**
 * loginGuard's `account=<name> #<digest>` (src/abuse/login-guard.ts): the name as given for
 * a known account, and a 16-character digest of it (unsalted without a guard secret, so it
 * identifies the address as well as the name does).
 */
const ACCOUNT = /account=[^\n]*? #[A-Za-z0-9_-]{16}(?![A-Za-z0-9_-])/g;

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** One value as a whole token: not preceded or followed by a letter or digit. */
function tokenPattern(values: readonly string[]): RegExp | undefined {
  if (values.length === 0) return undefined;
  const alternatives = [...values].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/**
 * Check the `identifiers` of an erasure: at most 100 strings of 3–255 characters (after
 * trimming), so one short value cannot blank out the whole log.
 */
export function checkIdentifiers(value: unknown, where: string, code: 'ERR_RAMPART_LOG_INPUT' | 'ERR_RAMPART_GDPR_INPUT'): string[] {
  if (value === undefined) return [];
  const fix = 'pass the values that name the person in free text, e.g. { identifiers: [email, username] }';
  if (!Array.isArray(value) || value.length > MAX_IDENTIFIERS)
    throw new RampartError(code, `${where}: identifiers must be an array of at most ${MAX_IDENTIFIERS} strings; ${fix}.`);
  return value.map((v) => {
    const text = typeof v === 'string' ? v.trim() : undefined;
    if (text === undefined || text.length < 3 || text.length > 255)
      throw new RampartError(
        code,
        `${where}: each identifier must be a string of 3–255 characters (got ${typeof v === 'string' ? `${v.length} characters` : typeof v}); ${fix}.`,
      );
    return text;
  });
}

/** Rewrites the text of the rows of one erasure. */
export interface TextEraser {
  /** The text with the person's identifiers replaced; `own` for the erased user's rows (the account name and user id go too). */
  erase(text: string | null, own: boolean): string | null;
  /** ILIKE patterns that find the other rows holding an identifier (empty: only the user's rows change). */
  readonly likePatterns: readonly string[];
}

/** The eraser for user `userId` and the caller's `identifiers` (already checked). */
export function textEraser(userId: string, identifiers: readonly string[]): TextEraser {
  const everywhere = tokenPattern(identifiers);
  const own = tokenPattern([userId, ...identifiers]);
  const likePatterns = identifiers.map((v) => `%${v.replace(/[\\%_]/g, '\\$&')}%`);
  return {
    likePatterns,
    erase(text, mine) {
      if (text === null) return null;
      let out = mine ? text.replace(ACCOUNT, `account=${ERASED}`) : text;
      const pattern = mine ? own : everywhere;
      if (pattern !== undefined) out = out.replace(pattern, ERASED);
      return out;
    },
  };
}
