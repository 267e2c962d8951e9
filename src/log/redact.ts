import { cardSpans } from '../core/card-number.ts';
import { isSensitiveKey, mayNameSecret } from '../core/secret-keys.ts';
import { maskPathSecrets } from '../core/secret-path.ts';
import { cutForScan, jwtSpans, type JwtShape } from '../core/text-scan.ts';
import { maskApiKeys, maskSlackWebhooks } from './redact-keys.ts';
import { maskKeyValues, maskPrivateKeys, maskUrlPasswords, maskUrlPaths } from './redact-text.ts';
import { maskElementValues, maskSpacedValues } from './redact-names.ts';
import { isNamedByPrevious, isValueField, namesSecret } from './redact-pairs.ts';
/** The replacement for a redacted value. */
export const REDACTED = '***';

/**
 * Characters of one string {@link redactString} scans (64 KiB). Longer text is cut before
 * scanning and the rest is removed, never returned unscanned; the log's columns keep far
 * less (detail: 4,096 characters).
 */
export const REDACT_MAX_LENGTH = 65_536;

export { isSensitiveKey } from '../core/secret-keys.ts';

// Scheme names are matched case-sensitively (except bearer) so prose like "token mismatch" survives.
const BEARER = /\b([Bb]earer|BEARER|Basic|Digest)\s+[A-Za-z0-9\-._~+/]{8,}=*/g;
// JWT-shaped tokens (`eyJ…` `.` ≥ 5 `.` any) are found by a scanner: as a regex the repeated
// `eyJ` prefix inside one long base64url run made the search quadratic (seconds on 100 KB).
const JWT_SHAPE: JwtShape = { header: [8, REDACT_MAX_LENGTH], payload: [5, REDACT_MAX_LENGTH], signature: REDACT_MAX_LENGTH, payloadJson: false };

const KEY_VALUE_HINT = /[=:]|%3[ADad]/;
const SCHEME_HINT = /earer|EARER|Basic|Digest/;
// Four digits in a row, ASCII or fullwidth: every card number has a group of four.
const DIGITS_HINT = /[0-9\uff10-\uff19]{4}/;

/** Luhn-valid card numbers (any grouping of {@link cardSpans}) keep only their last four digits, as written. */
function maskCards(text: string): string {
  const cards = cardSpans(text, true);
  if (cards.length === 0) return text;
  let out = '';
  let last = 0;
  for (const { start, end } of cards) {
    out += `${text.slice(last, start)}${REDACTED}${text.slice(end - 4, end)}`;
    last = end;
  }
  return out + text.slice(last);
}

function maskJwts(text: string): string {
  const spans = jwtSpans(text, JWT_SHAPE);
  if (spans.length === 0) return text;
  let out = '';
  let last = 0;
  for (const [start, end] of spans) {
    out += text.slice(last, start) + REDACTED;
    last = end;
  }
  return out + text.slice(last);
}

/**
 * Mask secrets inside free text: `Bearer …`/`Basic …` credentials, JWTs, API keys (Stripe and
 * rampart `sk_`/`rk_live_…` and any apiKeys() key keep their prefix, GitHub, Slack (also the
 * secret of a `hooks.slack.com/services/…` webhook URL), npm, Google,
 * GitLab, `sk-…`, AWS secret access keys), Luhn-valid card numbers (13–19 digits, ASCII or
 * fullwidth, grouped by spaces, no-break or thin spaces, dashes, or dots between groups of
 * four; the last four digits stay),
 * `password=…`-style pairs (and `sig=…`/`Signature=…` of signed URLs), the content of
 * sensitive XML/HTML elements (`<password>***</password>`), the value prose writes after a
 * password or session-id word (`wrong password ***`), URL passwords and the secrets in URL
 * paths (by the {@link redactPath} rule). Linear time; text longer than {@link REDACT_MAX_LENGTH} is cut
 * before scanning (with a trailing run that could hold a half secret) and ends with
 * `…[N characters not scanned, removed]`.
 */
export function redactString(text: string): string {
  // `pin=1` is the shortest text with a secret in it.
  if (text.length < 5) return text;
  let out = cutForScan(text, REDACT_MAX_LENGTH);
  const removed = text.length - out.length;
  // Cheap pre-checks keep the common case (nothing to mask) to a few scans.
  if (out.includes('-----BEGIN')) out = maskPrivateKeys(out, REDACTED);
  if (mayNameSecret(out)) {
    if (KEY_VALUE_HINT.test(out)) out = maskKeyValues(out, REDACTED);
    if (out.includes('<')) out = maskElementValues(out, REDACTED);
    out = maskSpacedValues(out, REDACTED);
  }
  if (out.includes('://')) out = maskUrlPaths(maskUrlPasswords(out, REDACTED), REDACTED);
  if (SCHEME_HINT.test(out)) out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  if (out.includes('eyJ')) out = maskJwts(out);
  if (out.length >= 15) out = maskApiKeys(out, REDACTED);
  if (out.includes('hooks.slack.com')) out = maskSlackWebhooks(out, REDACTED);
  if (DIGITS_HINT.test(out)) out = maskCards(out);
  return removed > 0 ? `${out}…[${removed} characters not scanned, removed]` : out;
}

/**
 * Mask the secrets a request path or URL carries before it is logged: the segment after one
 * that names a secret-carrying route (`/reset-password/***`, `/api/keys/***\/rotate`, also
 * invite, magic, confirm, verify, activate, unsubscribe, forgot, token, secret, otp, joined
 * forms like `passwordreset`, and fullwidth forms after NFKC), values of sensitive or
 * signature query parameters (`?access_token=***`, `?X-Amz-Signature=***`), any `code` on such
 * a route or a sign-in route (`/oauth/callback?code=***`), and anywhere JWTs, apiKeys() keys,
 * ≥ 32 hex digits and random-looking base64url runs of ≥ 24 characters. Numbers, UUIDs,
 * 24-hex object ids, slugs and camelCase names stay readable. Linear time; a path longer than
 * {@link REDACT_MAX_LENGTH} is cut at a separator before scanning and ends with
 * `…[N characters not scanned, removed]`.
 *
 * @example
 * redactPath('/reset-password/9f86d081884c7d659a2feaa0c55ad015?next=%2F') // → '/reset-password/***?next=%2F'
 */
export function redactPath(path: string): string {
  if (path.length <= REDACT_MAX_LENGTH) return maskPathSecrets(path, REDACTED);
  // Cut after the last separator before the limit, so no secret is left half visible.
  let end = REDACT_MAX_LENGTH;
  const floor = REDACT_MAX_LENGTH - 4096;
  while (end > floor && !isPathSeparator(path.charCodeAt(end - 1))) end--;
  return `${maskPathSecrets(path.slice(0, end), REDACTED)}…[${path.length - end} characters not scanned, removed]`;
}

function isPathSeparator(code: number): boolean {
  return code === 0x2f || code === 0x3f || code === 0x26 || code === 0x3b || code === 0x23;
}

/**
 * The seed's sensitive-data filter as a reusable function: returns a deep copy of `value`
 * where every property whose key names a secret (password, token, secret, api_key,
 * authorization, cookie, credit_card, … case-insensitive, at any depth) becomes `***`,
 * and strings are passed through {@link redactString}. Never mutates its input; cycles
 * become `[Circular]`; depth is capped at 20. An `Error` becomes `{ name, message, …its own
 * enumerable fields }` (message redacted, no stack). An object with a `toJSON` method (a
 * class with private fields, a model) is replaced by what that method returns, redacted in
 * turn, since that is what JSON would write.
 *
 * @example
 * redact({ user: 'ann', Password: 'x', headers: { Authorization: 'Bearer abc' } })
 * // → { user: 'ann', Password: '***', headers: { Authorization: '***' } }
 */
export function redact<T>(value: T): T {
  return walk(value, new WeakSet(), 0) as T;
}

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= 20) return '[Too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v, i) => (i > 0 && isNamedByPrevious(value, i) ? REDACTED : walk(v, seen, depth + 1)));
    if (value instanceof Date) return new Date(value.getTime());
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      for (const [k, v] of value) out.set(k, typeof k === 'string' && isSensitiveKey(k) ? REDACTED : walk(v, seen, depth + 1));
      return out;
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[Binary]';
    // JSON.stringify writes what toJSON returns, not the object's own fields: redact that.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      let json: unknown;
      try {
        json = toJSON.call(value, '');
      } catch {
        return '[toJSON failed]';
      }
      if (json !== value) return walk(json, seen, depth + 1);
    }
    const out: Record<string, unknown> = {};
    // An Error's name and message are not enumerable (JSON would store `{}`); its stack stays out.
    if (value instanceof Error) Object.assign(out, { name: value.name, message: redactString(value.message) });
    // `{ name: 'password', value: … }`, `{ k: 'api_key', v: … }`: the name is held in a field.
    const entries = Object.entries(value);
    const pair = namesSecret(
      value,
      entries.map((e) => e[0]),
    );
    for (const [k, v] of entries) {
      out[k] = isSensitiveKey(k) || (pair && isValueField(k)) ? REDACTED : walk(v, seen, depth + 1);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
