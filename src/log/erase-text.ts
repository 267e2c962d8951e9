/**
 * What GDPR erasure removes from the free text of a row (`detail`, `path`, and `user_agent` of
 * other people's rows): the account name rampart's loginGuard writes, the user id, and the
 * values the caller names. Each becomes `[erased]`; matching is whole-value (not inside a longer
 * word) and case-insensitive, also percent-encoded once or twice and base64-encoded as a whole.
 * The patterns are alternations of fixed strings (at most 100 values of at most 255 characters),
 * so each text is searched in linear time.
 */
import { accountDigest } from '../core/account-digest.ts';
import { RampartError } from '../errors.ts';

/** The text that replaces an erased value. */
export const ERASED = '[erased]';

/** Most values one erasure takes (each is one pattern over the candidate rows). */
const MAX_IDENTIFIERS = 100;

/** Length of the digest loginGuard writes after an account name. */
const LOGGED_DIGEST = 16;

function isDigestChar(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x5f;
}

/** True when `text` holds a whole 16-character digest at `at` (not part of a longer run). */
function digestAt(text: string, at: number): boolean {
  if (at + LOGGED_DIGEST > text.length) return false;
  for (let i = at; i < at + LOGGED_DIGEST; i++) if (!isDigestChar(text.charCodeAt(i))) return false;
  return !isDigestChar(text.charCodeAt(at + LOGGED_DIGEST));
}

/**
 * loginGuard's `account=<name> #<digest>` (src/abuse/login-guard.ts): the name as given for
 * a known account, masked otherwise, and the first 16 characters of its digest (the same
 * either way, and unsalted without a guard secret: it identifies the account as well as the
 * name does). Each is `[start, digestStart]`; the match ends 16 characters after digestStart.
 * The first ` #<digest>` after `account=` on the same line ends it. Linear: a line without
 * one is skipped whole, and the next search starts after the previous match.
 */
function accountMatches(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('account=', from);
    if (start === -1) return out;
    const newline = text.indexOf('\n', start);
    const lineEnd = newline === -1 ? text.length : newline;
    let digest = -1;
    for (let hash = text.indexOf(' #', start + 8); hash !== -1 && hash < lineEnd; hash = text.indexOf(' #', hash + 1)) {
      if (digestAt(text, hash + 2)) {
        digest = hash + 2;
        break;
      }
    }
    if (digest === -1) {
      from = lineEnd;
      continue;
    }
    out.push([start, digest]);
    from = digest + LOGGED_DIGEST;
  }
}

/** `text` with every loginGuard account match replaced by `replace(match, digest)`. */
function replaceAccounts(text: string, replace: (match: string, digest: string) => string): string {
  const matches = accountMatches(text);
  if (matches.length === 0) return text;
  let out = '';
  let last = 0;
  for (const [start, digest] of matches) {
    const end = digest + LOGGED_DIGEST;
    out += text.slice(last, start) + replace(text.slice(start, end), text.slice(digest, end));
    last = end;
  }
  return out + text.slice(last);
}

const utf8 = new TextEncoder();

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * A character as a URL may carry it: itself, percent-encoded (a space also as `+`) or
 * percent-encoded twice (`%2540`, a value encoded into a parameter that is encoded again).
 */
function urlForms(char: string, literal: string): string {
  const encoded = [...utf8.encode(char)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return `(?:${literal}|${encoded}|${encoded.replaceAll('%', '%25')}${char === ' ' ? '|\\+' : ''})`;
}

/**
 * The value base64-encoded as a whole string (a token, a cookie, a Basic-like header), as
 * given and in lower case, in the standard and URL-safe alphabets, without its padding. A
 * value inside a longer encoded text has other characters and is not found.
 */
function base64Forms(value: string): string[] {
  const forms = new Set<string>();
  for (const v of new Set([value, value.toLowerCase()])) {
    // base64url has no padding; the standard alphabet differs only in `+` and `/`.
    const urlSafe = Buffer.from(v, 'utf8').toString('base64url');
    forms.add(urlSafe.replaceAll('-', '+').replaceAll('_', '/'));
    forms.add(urlSafe);
  }
  return [...forms];
}

const SQL_PUNCTUATION = /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/;
const sqlLiteral = (c: string): string => (SQL_PUNCTUATION.test(c) ? `\\${c}` : c);

/** A value for JavaScript (`iu` flags): each character literal or percent-encoded. */
function jsValuePattern(value: string): string {
  return [...value].map((c) => urlForms(c, escapeRegExp(c))).join('');
}

/** The same for PostgreSQL's `~*`: ASCII punctuation escaped with a backslash (literal in AREs). */
export function sqlValuePattern(value: string): string {
  return [...value].map((c) => urlForms(c, sqlLiteral(c))).join('');
}

/** PostgreSQL `~*` patterns of the value's base64 forms. */
function sqlBase64Patterns(value: string): string[] {
  return base64Forms(value).map((form) => [...form].map(sqlLiteral).join(''));
}

/**
 * The values as whole tokens: not preceded or followed by a letter or digit, except the hex
 * digits of a percent escape before it (`/u%2Fada…`); their base64 forms with the padding.
 */
function tokenPattern(values: readonly string[]): RegExp | undefined {
  if (values.length === 0) return undefined;
  const encoded = values.flatMap(base64Forms).map((form) => `${escapeRegExp(form)}={0,2}`);
  const alternatives = [...values.map(jsValuePattern), ...encoded].sort((a, b) => b.length - a.length);
  return new RegExp(`(?:(?<![\\p{L}\\p{N}])|(?<=%[0-9A-Fa-f]{2}))(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/** The digests loginGuard wrote into `text` after account names. */
export function accountDigestsIn(text: string | null): string[] {
  return text === null ? [] : accountMatches(text).map(([, digest]) => text.slice(digest, digest + LOGGED_DIGEST));
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
  /** The text with the person's identifiers replaced; `own` for the erased user's rows (every account name and the user id go too). */
  erase(text: string | null, own: boolean): string | null;
  /**
   * Case-insensitive PostgreSQL regular expressions (`~*`) that find the other rows holding an
   * identifier (also percent-encoded once or twice, or base64-encoded whole) or one of the
   * person's account digests; empty: only the
   * user's rows change.
   */
  readonly sqlPatterns: readonly string[];
  /** The identifiers in lower case: a row whose whole user id is one of them is the person's too. */
  readonly userIds: readonly string[];
}

/**
 * The eraser for user `userId` and the caller's `identifiers` (already checked). `digests`:
 * loginGuard digests found in the user's own rows (keyed ones too). With identifiers, their
 * unkeyed digests and the user id's are added (the table is scanned then anyway). Rows
 * loginGuard wrote without a userId (the name masked, the digest the same) lose the link too.
 */
export function textEraser(userId: string, identifiers: readonly string[], digests: Iterable<string> = []): TextEraser {
  const everywhere = tokenPattern(identifiers);
  const own = tokenPattern([userId, ...identifiers]);
  const accounts = new Set(digests);
  if (identifiers.length > 0) for (const name of [userId, ...identifiers]) accounts.add(accountDigest(name).slice(0, LOGGED_DIGEST));
  const linked = (match: string, digest: string): string => (accounts.has(digest) ? `account=${ERASED}` : match);
  return {
    sqlPatterns: [...identifiers.map(sqlValuePattern), ...identifiers.flatMap(sqlBase64Patterns), ...[...accounts].map((d) => `#${d.replace(/-/g, '\\-')}`)],
    userIds: identifiers.map((v) => v.toLowerCase()),
    erase(text, mine) {
      if (text === null) return null;
      let out = replaceAccounts(text, mine ? () => `account=${ERASED}` : linked);
      const pattern = mine ? own : everywhere;
      if (pattern !== undefined) out = out.replace(pattern, ERASED);
      return out;
    },
  };
}
