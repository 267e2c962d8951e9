/**
 * Secrets carried in request paths (`/reset-password/<token>`, `/api/keys/<key>/…`,
 * `/magic/<jwt>`, `?code=…`): which parts of a path or URL must not be logged. One rule for
 * every place a path reaches a sink (the SecurityLog and JSON-lines rows, monitor alerts).
 *
 * Names and values are judged on their percent-decoded form (`reset%2Dpassword`, `to%6Ben`,
 * a JWT with `%2E` dots), as a router reads them: one linear decoding pass (skipped when the
 * text holds no `%`) keeps where each decoded character came from, so the masks land on the
 * text as written. Then a single left-to-right pass with no regular expression: every decoded
 * character is read a bounded number of times (to find its unit, to read a short unit as a
 * route name, to find its token run, to split that run at dots and to classify each part: at
 * most six reads in all).
 */
import { luhnValid } from './luhn.ts';
import { DIGIT, LOWER, UPPER, classOf, isB64Url, mixesLettersAndDigits } from './text-scan.ts';
import { isSensitiveKey, isSignatureParameter, keyWords } from './secret-keys.ts';

/**
 * Words that name a route whose next path segment is a secret (`/reset/<token>`,
 * `/invite/<code>`, `/api/keys/<key>`). Matched against every word of a segment
 * (`reset-password`, `verifyEmail`, `api_keys`).
 */
const ROUTE_WORDS = new Set([
  'token',
  'tokens',
  'reset',
  'key',
  'keys',
  'apikey',
  'apikeys',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'magic',
  'invite',
  'invites',
  'invitation',
  'invitations',
  'confirm',
  'confirmation',
  'confirmations',
  'verify',
  'verification',
  'verifications',
  'activate',
  'activation',
  'unsubscribe',
  'otp',
  'forgot',
  'recover',
  'pwd',
  'passwordless',
]);

/**
 * Words that a joined route name is made of (`passwordreset`, `pwreset`, `magiclink`,
 * `verifyemail`): a word that is two of these, one of them a route word, names a route too.
 */
const ROUTE_PARTS = new Set([...ROUTE_WORDS, 'pw', 'email', 'mail', 'link', 'account', 'user', 'new', 'change', 'set', 'login', 'signin', 'signup']);
/** Route parts by their first two characters (`(code0 << 8) | code1`): most words are rejected by one lookup, none is sliced at every position. */
const ROUTE_PARTS_BY_START = new Map<number, string[]>();
for (const part of ROUTE_PARTS) {
  const key = (part.charCodeAt(0) << 8) | part.charCodeAt(1);
  const list = ROUTE_PARTS_BY_START.get(key);
  if (list === undefined) ROUTE_PARTS_BY_START.set(key, [part]);
  else list.push(part);
}

/**
 * Words of a sign-in or OAuth route (`/oauth/callback`, `/login`): the segment after them is
 * not a secret (`/api/auth/callback/google`), but a `code` parameter on them is, whatever its
 * shape, as it is on a secret-carrying route (`/verify-email?code=…`).
 */
const CODE_ROUTE_WORDS = new Set(['callback', 'callbacks', 'oauth', 'openid', 'oidc', 'sso', 'auth', 'authorize', 'login', 'signin']);

/** What a path segment names: nothing, a route whose `code` parameter is a secret, or a route whose next segment is one too. */
const NO_ROUTE = 0;
const CODE_ROUTE = 1;
const SECRET_ROUTE = 2;

/** Longest segment read as a route name (longer ones are not words). */
const MAX_ROUTE_NAME = 64;
/** Longest segment with non-ASCII characters read as a route name: 64 fullwidth letters in UTF-8 bytes. */
const MAX_FOLDED_ROUTE_NAME = 3 * MAX_ROUTE_NAME;
/** Longest word split in two to find a joined route name. */
const MAX_JOINED_WORD = 32;
/** Longest query parameter name judged by its tail (as key=value scanning does). */
const MAX_PARAM_NAME = 64;
/** A run of hex digits at least this long is a secret (128 bits); 24-hex object ids and UUID groups stay. */
const MIN_HEX = 32;
/** A base64url run at least this long that looks random is a secret (≥ 128 bits of base62). */
const MIN_RANDOM = 24;
/** A JWT/JWE (`eyJ…` `.` …) at least this long is masked whatever its shape. */
const MIN_JWT = 16;
/** Digits of a card number (ISO/IEC 7812 PANs), judged by the Luhn check. */
const MIN_CARD = 13;
const MAX_CARD = 19;
/** A `code` value at least this long that mixes letters and digits is an OAuth authorisation code. */
const MIN_OAUTH_CODE = 10;

const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;
const AMPERSAND = 0x26;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DOT = 0x2e;
const DASH = 0x2d;
const UNDERSCORE = 0x5f;
const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;
const SLASH_OR_PLUS_OR_EQUALS = new Set([SLASH, PLUS, EQUALS]);
/** a e i o u, lower case (a letter's code `| 0x20`). */
const VOWELS = new Set([0x61, 0x65, 0x69, 0x6f, 0x75]);

const isTokenChar = isB64Url;

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);
}

/**
 * True when the base64url run [start, end) looks like a secret: an apiKeys() key
 * (`<prefix>_<env>_<32>_<6>`), ≥ 32 consecutive hex digits, or ≥ 24 characters that mix
 * at least two of upper case, lower case and digits and look random by {@link looksRandom}.
 * Runs made only of hex digits and separators are judged by the hex rule alone, so 24-hex
 * object ids and UUIDs stay readable.
 */
function isSecretRun(text: string, start: number, end: number): boolean {
  let hexRun = 0;
  let onlyHex = true;
  let classes = 0;
  let letters = 0;
  let changes = 0;
  let previous = 0;
  let underscores = 0;
  let upper = 0;
  let lower = 0;
  let vowels = 0;
  const parts = [0, 0, 0, 0];
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isHex(code)) {
      if (++hexRun >= MIN_HEX) return true;
    } else {
      hexRun = 0;
      if (code !== DASH && code !== UNDERSCORE) onlyHex = false;
    }
    if (code === UNDERSCORE) {
      underscores++;
      continue;
    }
    if (underscores < 4) parts[underscores]!++;
    const c = classOf(code);
    if (c === 0) continue;
    classes |= c;
    letters++;
    if (c === UPPER) upper++;
    else if (c === LOWER) lower++;
    if (VOWELS.has(code | 0x20)) vowels++;
    if (previous !== 0 && c !== previous) changes++;
    previous = c;
  }
  if (underscores === 3 && isApiKeyShape(text, start, parts)) return true;
  if (onlyHex || end - start < MIN_RANDOM) return false;
  const mixed = (classes & (classes - 1)) !== 0; // at least two classes
  return mixed && looksRandom(letters, changes, upper, lower, vowels);
}

/**
 * The randomness judgement of {@link isSecretRun}, from counts over a run's `characters`
 * (letters and digits): `changes` of class (upper, lower, digit) between neighbours, and
 * the upper-case letters, lower-case letters and vowels among them.
 * - Random base62 changes class ~62% of the time; camelCase identifiers, slugs and dates far
 *   less. A change at least every third character is random.
 * - A random run that changes less by chance (about 1 in 1,000 of 24–40 characters) is
 *   still told from words when it changes at least every fifth character and either has
 *   few vowels (≤ 27% of its letters: random letters have 19%, English words about 38%) or
 *   is ≥ 40% upper case (identifiers are mostly lower case, acronyms aside).
 * Measured on 1.9 million random base64url tokens of 24–43 characters: about 6 in 100,000
 * pass unjudged (1 in 1,000 with the first rule alone), while of 5,881 distinct identifiers
 * of ≥ 24 characters in TypeScript declaration files the second rule masks 50 more.
 */
function looksRandom(characters: number, changes: number, upper: number, lower: number, vowels: number): boolean {
  if (changes * 3 >= characters - 1) return true;
  if (changes * 5 < characters - 1) return false;
  const alphabetic = upper + lower;
  return vowels * 100 <= alphabetic * 27 || upper * 10 >= alphabetic * 4;
}

/**
 * True when text[start, end) (letters, digits and the base64 symbols `+ / - _ .`) is a
 * random-looking token by the rule that masks one in a path: ≥ 24 characters, or ≥ 32 hex.
 */
export function isRandomToken(text: string, start: number, end: number): boolean {
  return isSecretRun(text, start, end);
}

/** `<1–16 [a-z0-9]>_<1–16 [a-z0-9]>_<32 base62>_<6 base62>`, the shape apiKeys() issues. */
function isApiKeyShape(text: string, start: number, parts: readonly number[]): boolean {
  const [prefix = 0, environment = 0, random = 0, checksum = 0] = parts;
  if (prefix < 1 || prefix > 16 || environment < 1 || environment > 16 || random !== 32 || checksum !== 6) return false;
  for (let i = start; i < start + prefix + environment + 1; i++) {
    const c = classOf(text.charCodeAt(i));
    if (c === UPPER) return false;
  }
  return true;
}

/**
 * What the path segment [start, end) names: {@link SECRET_ROUTE} when a word of it is a route
 * word or two joined (`reset-password`, `verifyEmail`, `api_keys`, `passwordreset`), else
 * {@link CODE_ROUTE} for a sign-in word (`callback`, `login`), else {@link NO_ROUTE}. A segment
 * with non-ASCII characters is judged after NFKC (`ｒｅｓｅｔ` is `reset`), its bytes read as
 * UTF-8 first when they are one (a percent-decoded segment holds one character per byte).
 */
function routeKind(text: string, start: number, end: number): number {
  if (end - start < 3 || end - start > MAX_FOLDED_ROUTE_NAME) return NO_ROUTE;
  let ascii = true;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) ascii = false;
    else if (!isRouteNameChar(code)) return NO_ROUTE;
  }
  let name = text.slice(start, end);
  if (!ascii) {
    name = foldedName(name);
    for (let i = 0; i < name.length; i++) if (!isRouteNameChar(name.charCodeAt(i))) return NO_ROUTE;
  }
  if (name.length > MAX_ROUTE_NAME) return NO_ROUTE;
  let kind = NO_ROUTE;
  for (const word of keyWords(name)) {
    if (isRouteWord(word)) return SECRET_ROUTE;
    if (CODE_ROUTE_WORDS.has(word)) kind = CODE_ROUTE;
  }
  return kind;
}

/** Letters and the characters that separate the words of a route name: `-`, `_`, and `+` and a space (`reset+password` is `reset-password`). */
function isRouteNameChar(code: number): boolean {
  const c = classOf(code);
  return c === UPPER || c === LOWER || code === DASH || code === UNDERSCORE || code === PLUS || code === SPACE;
}

let utf8: TextDecoder | undefined;

/** `name` (with non-ASCII characters) in NFKC, its characters read as UTF-8 bytes first when they are all bytes and valid UTF-8. */
function foldedName(name: string): string {
  let bytes = true;
  for (let i = 0; i < name.length && bytes; i++) bytes = name.charCodeAt(i) <= 0xff;
  if (bytes) {
    const array = new Uint8Array(name.length);
    for (let i = 0; i < name.length; i++) array[i] = name.charCodeAt(i);
    try {
      utf8 ??= new TextDecoder('utf-8', { fatal: true });
      name = utf8.decode(array);
    } catch {
      // Not UTF-8 (`café` in Latin-1): judged as it is.
    }
  }
  return name.normalize('NFKC');
}

/** True for a route word, or a word that joins two route parts, one of them a route word (`passwordreset`, `pwreset`, `magiclink`). */
function isRouteWord(word: string): boolean {
  if (ROUTE_WORDS.has(word)) return true;
  if (word.length < 5 || word.length > MAX_JOINED_WORD) return false;
  const heads = ROUTE_PARTS_BY_START.get((word.charCodeAt(0) << 8) | word.charCodeAt(1));
  if (heads === undefined) return false;
  for (const head of heads) {
    // Every part has at least two letters (`pw`).
    if (head.length > word.length - 2 || !word.startsWith(head)) continue;
    const tail = word.slice(head.length);
    if (ROUTE_PARTS.has(tail) && (ROUTE_WORDS.has(head) || ROUTE_WORDS.has(tail) || head === 'pw' || tail === 'pw')) return true;
  }
  return false;
}

/**
 * True for [start, end) made of 13–19 digits that pass the Luhn check and start with 2–6
 * (the card networks' ranges: Visa, Mastercard, Amex, Discover, JCB, UnionPay). Millisecond
 * timestamps and snowflake ids, which start with 1, stay readable.
 */
function isCardNumber(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < MIN_CARD || length > MAX_CARD) return false;
  const first = text.charCodeAt(start);
  if (first < 0x32 || first > 0x36) return false;
  for (let i = start + 1; i < end; i++) if (classOf(text.charCodeAt(i)) !== DIGIT) return false;
  return luhnValid(text.slice(start, end));
}

/**
 * True for a unit [start, end) that is one standard-base64 token: ≥ 24 characters of
 * letters, digits, `-`, `_`, `+`, `/` and `=`, with at least one of `+ / =` (without them the
 * run rules below judge it the same), that looks random by {@link isSecretRun}. A token that
 * its `+` or `/` would otherwise cut into short, readable parts is masked whole.
 */
function isBase64Token(text: string, start: number, end: number): boolean {
  if (end - start < MIN_RANDOM) return false;
  let symbols = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (SLASH_OR_PLUS_OR_EQUALS.has(code)) symbols++;
    else if (!isTokenChar(code)) return false;
  }
  return symbols > 0 && isSecretRun(text, start, end);
}

/** The unit [start, end) (a path segment or a parameter's value): masked whole when it is one base64 token, else its secret-looking runs. */
function maskValue(text: string, start: number, end: number, spans: number[]): void {
  if (isBase64Token(text, start, end)) spans.push(start, end);
  else secretRuns(text, start, end, spans);
}

/**
 * Push onto `spans` the secret-looking token runs of [start, end): a JWT/JWE (a run of
 * base64url and dots starting with `eyJ`, with a dot) as a whole, otherwise each
 * dot-separated base64url run judged by {@link isSecretRun} (`<token>.pdf` keeps `.pdf`).
 */
function secretRuns(text: string, start: number, end: number, spans: number[]): void {
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (!isTokenChar(code) && code !== DOT) {
      i++;
      continue;
    }
    // A maximal run of base64url characters and dots.
    const runStart = i;
    let dots = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === DOT) dots++;
      else if (!isTokenChar(c)) break;
      i++;
    }
    const runEnd = i;
    if (
      dots > 0 &&
      runEnd - runStart >= MIN_JWT &&
      text.charCodeAt(runStart) === 0x65 &&
      text.charCodeAt(runStart + 1) === 0x79 &&
      text.charCodeAt(runStart + 2) === 0x4a
    ) {
      spans.push(runStart, runEnd);
      continue;
    }
    let partStart = runStart;
    for (let j = runStart; j <= runEnd; j++) {
      if (j < runEnd && text.charCodeAt(j) !== DOT) continue;
      // A card number keeps its last four digits, as in text.
      if (isCardNumber(text, partStart, j)) spans.push(partStart, j - 4);
      else if (j > partStart && isSecretRun(text, partStart, j)) spans.push(partStart, j);
      partStart = j + 1;
    }
  }
}

/**
 * `path` (a request path, optionally with `?query` and `#fragment`, or a whole URL) with the
 * secrets it carries replaced by `mask`:
 * - the segment after one that names a secret-carrying route (a word of it is token, reset,
 *   key(s), apikey(s), secret(s), password(s), magic, invite/invitation, confirm(ation),
 *   verify/verification, activate/activation, unsubscribe, otp, forgot, recover, or two route
 *   parts joined, `passwordreset`; judged after NFKC): `/reset-password/***`,
 *   `/api/keys/***\/rotate` — unless that segment names such a route itself (`/password/reset/***`).
 *   Empty and dot segments between them are skipped (`/reset//***`, `/reset/./***`), and a
 *   route segment's `;params` belong to it (`/api/keys;v=2/***`);
 * - the value of a query (or `;` path) parameter whose name is sensitive by the
 *   `isSensitiveKey` rule or names a signature (`access_token`, `password`, `X-Amz-Credential`,
 *   `sig`), and any `code` after a secret-carrying or sign-in route (`/oauth/callback?code=***`);
 * - anywhere: JWTs, apiKeys() keys, ≥ 32 consecutive hex digits, and ≥ 24-character base64url
 *   runs that look random (mixed character classes, judged by {@link looksRandom}).
 * All of it is judged on the percent-decoded text (`/reset%2Dpassword/***`, `?to%6Ben=***`).
 * Numbers, UUIDs, 24-hex object ids, slugs, dates and camelCase names stay readable.
 * Linear time, no regular expression.
 */
export function maskPathSecrets(path: string, mask: string): string {
  const decoded = percentDecoded(path);
  const spans = secretSpans(decoded.text);
  if (spans.length === 0) return path;
  const starts = decoded.starts;
  let out = '';
  let last = 0;
  for (let k = 0; k < spans.length; k += 2) {
    const from = starts === null ? spans[k]! : starts[spans[k]!]!;
    out += path.slice(last, from) + mask;
    last = starts === null ? spans[k + 1]! : starts[spans[k + 1]!]!;
  }
  return out + path.slice(last);
}

/** The value of a hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** A percent-decoded text and, for each of its characters, where it starts in the text as written. */
export interface PercentDecoded {
  readonly text: string;
  /** `starts[i]` is where decoded character `i` begins in the original; one more entry holds its length. Null when nothing was decoded. */
  readonly starts: Int32Array | null;
}

/**
 * `text` with every `%XX` replaced by the character of that byte (one character per byte: the
 * scanner judges ASCII only, so UTF-8 sequences need no assembling) and, after the first `?`
 * or `#`, every `+` by a space; a `%` not followed by two hex digits stays. One pass, at most
 * three reads per character; none when there is no `%` and no `+`.
 */
export function percentDecoded(text: string): PercentDecoded {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return { text, starts: null };
  const n = text.length;
  const codes = new Uint16Array(n);
  const starts = new Int32Array(n + 1);
  let m = 0;
  let query = false;
  for (let i = 0; i < n; ) {
    const code = text.charCodeAt(i);
    starts[m] = i;
    if (code === QUESTION || code === HASH) query = true;
    else if (code === PLUS && query) {
      // A form-encoded space: `q=Release+Notes+2024` is words, a base64 `+` arrives as `%2B`.
      codes[m++] = SPACE;
      i++;
      continue;
    }
    if (code === PERCENT && i + 2 < n) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = high === -1 ? -1 : hexValue(text.charCodeAt(i + 2));
      if (low !== -1) {
        codes[m++] = high * 16 + low;
        i += 3;
        continue;
      }
    }
    codes[m++] = code;
    i++;
  }
  starts[m] = n;
  let decoded = '';
  // In slices: fromCharCode takes its arguments on the stack.
  for (let k = 0; k < m; k += 8192) decoded += String.fromCharCode(...codes.subarray(k, Math.min(m, k + 8192)));
  return { text: decoded, starts };
}

/** True for an empty, `.` or `..` segment [start, end): it names nothing, so the route before it still decides. */
function isDotOrEmpty(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0) return true;
  if (length > 2 || text.charCodeAt(start) !== DOT) return false;
  return length === 1 || text.charCodeAt(start + 1) === DOT;
}

/**
 * [start, end) pairs, in order and not overlapping, of what to mask in `text` (already
 * percent-decoded) by the rules of {@link maskPathSecrets}. At most six reads per character.
 */
export function secretSpans(text: string): number[] {
  const n = text.length;
  const spans: number[] = [];
  let inQuery = false;
  let inFragment = false;
  let afterRoute = false;
  // A segment so far named a secret-carrying or sign-in route: a `code` parameter is a secret.
  let codeRoute = false;
  let unitStart = 0;
  let previousEnd = -1;
  for (let i = 0; i <= n; i++) {
    const code = i < n ? text.charCodeAt(i) : -1;
    // Units: path segments (and `;` path parameters), query parameters, fragment parts.
    const endsUnit =
      code === -1 ||
      (inFragment
        ? code === SLASH || code === AMPERSAND
        : inQuery
          ? code === AMPERSAND || code === SEMICOLON || code === HASH
          : code === SLASH || code === QUESTION || code === HASH || code === SEMICOLON);
    if (!endsUnit) continue;
    if (inQuery || inFragment) {
      maskParameter(text, unitStart, i, spans, codeRoute);
      afterRoute = false;
    } else if (previousEnd === SEMICOLON) {
      // A path parameter belongs to its segment: `/api/keys;v=2/<key>` still has a key next.
      maskParameter(text, unitStart, i, spans, codeRoute);
    } else if (!isDotOrEmpty(text, unitStart, i)) {
      const kind = routeKind(text, unitStart, i);
      const route = kind === SECRET_ROUTE;
      if (afterRoute && !route) spans.push(unitStart, i);
      else if (!route) maskValue(text, unitStart, i, spans);
      afterRoute = route;
      if (kind !== NO_ROUTE) codeRoute = true;
    }
    if (code === QUESTION) inQuery = true;
    else if (code === HASH) {
      inQuery = false;
      inFragment = true;
    }
    previousEnd = code;
    unitStart = i + 1;
  }
  return spans;
}

/**
 * A `name=value` unit: the whole value when the name is sensitive or a signature
 * (`X-Amz-Signature`, `sig`), when it is an OAuth-looking `code`, or any `code` on a
 * secret-carrying or sign-in route (`codeRoute`); else its secret-looking runs.
 */
function maskParameter(path: string, start: number, end: number, spans: number[], codeRoute: boolean): void {
  let eq = start;
  while (eq < end && path.charCodeAt(eq) !== EQUALS) eq++;
  if (eq === end) {
    maskValue(path, start, end, spans);
    return;
  }
  const name = path.slice(Math.max(start, eq - MAX_PARAM_NAME), eq);
  if (eq + 1 < end && (isSensitiveKey(name) || isSignatureParameter(name) || isOAuthCode(path, start, eq, end, codeRoute))) {
    spans.push(eq + 1, end);
    return;
  }
  maskValue(path, eq + 1, end, spans);
}

/**
 * True for `code=<value>` whose value looks like an OAuth authorisation code (≥ 10 characters
 * with both letters and digits), or for any `code` on a secret-carrying or sign-in route
 * (`codeRoute`: `/verify-email?code=…`, `/oauth/callback?code=…`). Elsewhere country,
 * language, promo and error codes (`US`, `en-GB`, `SAVE20`, `ERR_…`) stay readable.
 */
function isOAuthCode(path: string, start: number, eq: number, end: number, codeRoute: boolean): boolean {
  if (eq - start !== 4 || path.slice(start, eq).toLowerCase() !== 'code') return false;
  if (codeRoute) return true;
  return end - eq - 1 >= MIN_OAUTH_CODE && mixesLettersAndDigits(path, eq + 1, end);
}
