/**
 * A hand-written scanner behind `redactString` for API keys that appear in free text with no
 * key name before them: provider keys with a known prefix (Stripe/rampart `sk_`/`rk_live_…`,
 * GitHub `ghp_…`/`github_pat_…`, Slack `xox?-…`/`xapp-…`, npm `npm_…`, Google `AIza…`, `sk-…`,
 * GitLab `glpat-…`, Standard Webhooks `whsec_…`), the secret of Slack webhook URLs,
 * keys issued by `apiKeys()` under any prefix, and AWS secret access keys. It visits each
 * character once (maximal runs, each judged in one pass): no regular expression.
 */
import { DIGIT, LOWER, UPPER, classOf, isB64Url, mixesLettersAndDigits } from '../core/text-scan.ts';

const UNDERSCORE = 0x5f;
const DASH = 0x2d;
const SLASH = 0x2f;
const PLUS = 0x2b;

/** Environments in `sk_<env>_…` / `rk_<env>_…` keys. */
const KEY_ENVIRONMENTS = new Set(['live', 'test', 'prod', 'dev', 'stage', 'staging']);
/** Prefixes followed by at least this many key characters: [prefix, minimum]. */
const PROVIDER_PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ['ghp_', 36],
  ['gho_', 36],
  ['ghu_', 36],
  ['ghs_', 36],
  ['ghr_', 36],
  ['github_pat_', 22],
  ['glpat-', 20],
  ['xoxa-', 10],
  ['xoxb-', 10],
  ['xoxp-', 10],
  ['xoxo-', 10],
  ['xoxs-', 10],
  ['xoxr-', 10],
  // Slack app-level tokens.
  ['xapp-', 10],
  // npm access tokens: `npm_` and 36 base62 characters.
  ['npm_', 36],
  ['sk-proj-', 20],
  ['sk-ant-', 20],
  ['sk-', 20],
  ['AIza', 35],
];
/** Standard Webhooks secrets (monitor's alertWebhook, verifyWebhook): `whsec_` + standard base64 of ≥ 24 bytes. */
const WEBHOOK_PREFIX = 'whsec_';
/** Base64 characters of 24 random bytes, the shortest secret monitor() accepts. */
const WEBHOOK_MIN_BASE64 = 32;
const EQUALS = 0x3d;
/** Length of an AWS secret access key (base64 letters, digits, `/` and `+`). */
const AWS_SECRET_LENGTH = 40;

const isKeyChar = isB64Url;

/**
 * Characters of the run [start, end) to keep visible when it is an API key (its prefix, e.g.
 * `sk_live_`), or -1 when it is not one.
 */
function keyPrefixLength(text: string, start: number, end: number): number {
  const length = end - start;
  for (const [prefix, minimum] of PROVIDER_PREFIXES) {
    if (length >= prefix.length + minimum && text.startsWith(prefix, start)) return randomTail(text, start + prefix.length, end) ? prefix.length : -1;
  }
  // `<prefix>_<env>_<rest>`: Stripe and rampart keys by environment, or the apiKeys() shape.
  const first = underscoreWithin(text, start, end);
  if (first === -1 || first === start) return -1;
  const second = underscoreWithin(text, first + 1, end);
  if (second === -1 || second === first + 1) return -1;
  for (let i = start; i < second; i++) if (classOf(text.charCodeAt(i)) === UPPER) return -1;
  const head = second + 1 - start;
  const prefix = text.slice(start, first);
  if ((prefix === 'sk' || prefix === 'rk') && KEY_ENVIRONMENTS.has(text.slice(first + 1, second)) && end - second - 1 >= 16)
    return randomTail(text, second + 1, end) ? head : -1;
  return isIssuedKeyTail(text, second + 1, end) ? head : -1;
}

/** The first `_` in [from, end) within 17 characters (a key's prefix or environment), or -1. */
function underscoreWithin(text: string, from: number, end: number): number {
  for (let i = from; i < end && i <= from + 16; i++) if (text.charCodeAt(i) === UNDERSCORE) return i;
  return -1;
}

/** A key's random part holds letters and digits (`sk-learn-preprocessing` is a package name, not a key). */
function randomTail(text: string, start: number, end: number): boolean {
  return mixesLettersAndDigits(text, start, end);
}

/** `<32 base62>_<6 base62>` up to `end`: the random part and checksum of an apiKeys() key. */
function isIssuedKeyTail(text: string, start: number, end: number): boolean {
  if (end - start !== 39 || text.charCodeAt(start + 32) !== UNDERSCORE) return false;
  for (let i = start; i < end; i++) if (i !== start + 32 && classOf(text.charCodeAt(i)) === 0) return false;
  return true;
}

/** True for the word [start, end) that is `whsec_` and ≥ 32 base64 characters mixing at least two of upper case, lower case and digits. */
function isWebhookSecret(text: string, start: number, end: number): boolean {
  if (end - start < WEBHOOK_PREFIX.length + WEBHOOK_MIN_BASE64 || !text.startsWith(WEBHOOK_PREFIX, start)) return false;
  let classes = 0;
  for (let i = start + WEBHOOK_PREFIX.length; i < end; i++) classes |= classOf(text.charCodeAt(i));
  return (classes & (classes - 1)) !== 0;
}

/**
 * True for a run of exactly 40 base64 characters that mixes upper case, lower case and digits
 * and changes class at least every third character (an AWS secret access key; random text
 * does, a path of words or a 40-hex commit id does not).
 */
function isAwsSecret(text: string, start: number, end: number): boolean {
  if (end - start !== AWS_SECRET_LENGTH) return false;
  const firstCode = text.charCodeAt(start);
  const lastCode = text.charCodeAt(end - 1);
  if (firstCode === SLASH || lastCode === SLASH) return false;
  let classes = 0;
  let letters = 0;
  let changes = 0;
  let previous = 0;
  for (let i = start; i < end; i++) {
    const c = classOf(text.charCodeAt(i));
    if (c === 0) continue;
    classes |= c;
    letters++;
    if (previous !== 0 && c !== previous) changes++;
    previous = c;
  }
  return classes === (UPPER | LOWER | DIGIT) && changes * 3 >= letters - 1;
}

/**
 * `text` with API keys replaced by `mask`: a provider or rampart key keeps its non-secret
 * prefix (`sk_live_***`, `ghp_***`, `rk_live_***`, `whsec_***` with its base64 `/`, `+` and
 * padding), an AWS secret access key becomes `mask`.
 * Linear time: each word (a maximal run of letters, digits, `_`, `-`, `/`, `+`) is read once
 * to find its end and once more to judge it, split at `/` and `+` for the prefixed keys.
 */
export function maskApiKeys(text: string, mask: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let separators = 0;
    while (i < n) {
      const code = text.charCodeAt(i);
      if (!isWordChar(code)) break;
      if (code === UNDERSCORE || code === DASH) separators++;
      i++;
    }
    const end = i;
    if (isWebhookSecret(text, start, end)) {
      out += text.slice(last, start + WEBHOOK_PREFIX.length) + mask;
      // The base64 padding goes with the secret.
      while (i < n && i < end + 2 && text.charCodeAt(i) === EQUALS) i++;
      last = i;
      continue;
    }
    if (separators === 0 && isAwsSecret(text, start, end)) {
      out += text.slice(last, start) + mask;
      last = end;
      continue;
    }
    if (separators === 0) continue;
    // Prefixed keys: each part between `/` and `+`.
    let part = start;
    for (let j = start; j <= end; j++) {
      if (j < end && isKeyChar(text.charCodeAt(j))) continue;
      const keep = j - part >= 15 ? keyPrefixLength(text, part, j) : -1;
      if (keep >= 0) {
        out += text.slice(last, part + keep) + mask;
        last = j;
      }
      part = j + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

function isWordChar(code: number): boolean {
  return classOf(code) !== 0 || code === UNDERSCORE || code === DASH || code === SLASH || code === PLUS;
}

const SLACK_WEBHOOK = 'hooks.slack.com/services/';
/** Shortest secret part of a Slack webhook URL looked at (Slack's are 24 characters). */
const SLACK_SECRET_MIN = 8;

/** End of the run of ASCII letters and digits starting at `from`. */
function alnumEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && classOf(text.charCodeAt(i)) !== 0) i++;
  return i;
}

/**
 * `text` with the secret of every Slack incoming-webhook URL replaced by `mask`:
 * `hooks.slack.com/services/T…/B…/***` (the workspace and channel ids stay). Linear: each
 * occurrence is read once and the search resumes after it.
 */
export function maskSlackWebhooks(text: string, mask: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf(SLACK_WEBHOOK, from);
    if (at === -1) break;
    let i = at + SLACK_WEBHOOK.length;
    from = i;
    // Two ids (`T…/B…/`), then the secret.
    let ids = 0;
    while (ids < 2) {
      const end = alnumEnd(text, i);
      if (end === i || text.charCodeAt(end) !== SLASH) break;
      i = end + 1;
      ids++;
    }
    if (ids < 2) continue;
    const end = alnumEnd(text, i);
    from = end;
    if (end - i < SLACK_SECRET_MIN) continue;
    out += text.slice(last, i) + mask;
    last = end;
  }
  return last === 0 ? text : out + text.slice(last);
}
