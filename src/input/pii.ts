import type { CountryCode } from 'libphonenumber-js';
import { PEERS, requirePeer } from '../core/optional.ts';
import { RampartError } from '../errors.ts';
import ipaddr from 'ipaddr.js';
import { checkEmail } from './email.ts';
import { configError } from '../core/options.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';
import { luhnValid } from '../core/luhn.ts';
import { cutForScan, jwtSpans, type JwtShape } from '../core/text-scan.ts';

/** Kinds of personal or secret data {@link findPii} recognises. */
export type PiiType = 'email' | 'phone' | 'credit_card' | 'ssn' | 'iban' | 'ip' | 'jwt' | 'api_key';

/** One finding: the type, the matched text and its [start, end) offsets in the input. */
export interface PiiMatch {
  type: PiiType;
  value: string;
  start: number;
  end: number;
}

/** Options for {@link findPii}. */
export interface FindPiiOptions {
  /** Only these types. Default all. */
  types?: readonly PiiType[];
  /** Country for phone numbers written without `+` (e.g. `'US'`, `'GB'`). Default none: only international `+…` numbers. */
  defaultCountry?: string;
  /** Characters scanned per call. Default 100,000 (a worst-case text costs ~10 ms); longer text is scanned in its first `maxLength` characters only ({@link redactPii} removes the rest). */
  maxLength?: number;
}

/** Options for {@link redactPii}. */
export interface RedactPiiOptions extends FindPiiOptions {
  /** Replacement: a string, or a function of the match. Default `[REDACTED:<type>]`. */
  mask?: string | ((match: PiiMatch) => string);
}

export const PII_TYPES: readonly PiiType[] = ['email', 'phone', 'credit_card', 'ssn', 'iban', 'ip', 'jwt', 'api_key'];
const DEFAULT_MAX_LENGTH = 100_000;

// Candidate patterns are linear-time (bounded or non-overlapping repetitions); each
// candidate is then validated (email syntax, Luhn, SSN ranges, IBAN checksum, IP parse,
// JWT header JSON) so random digit runs are not reported.
// The local-part characters people actually use (RFC 5322 allows more, such as `/` and `=`,
// which in free text are far more often a path or a key=value separator than part of an address).
const ATEXT = /[A-Za-z0-9._%+'-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){1,8}/y;
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
const PHONE_CANDIDATE = /(?<![\w+])(?:\+|\(\+?)?\d(?:[\s().\-/]{0,3}\d){6,14}(?!\d)/g;
// Each distinct candidate costs one libphonenumber parse (~0.07 ms): at most this many per
// call. Candidates past the budget are reported without validation (over-redaction of a
// digit-dense text, never a phone number left in because validating it was too costly).
const PHONE_PARSE_BUDGET = 200;
// `eyJ…` `.` `eyJ…` `.` signature: a scanner, not a regex (a repeated `eyJ` inside one long
// base64url run made the bounded regex polynomial: ~400 ms on 100 KB).
const JWT_SHAPE: JwtShape = { header: [8, 4099], payload: [5, 8195], signature: 2048, payloadJson: true };
const API_KEYS: readonly RegExp[] = [
  /\b(?:sk|rk)_(?:live|test|prod|dev|stage|staging)_[A-Za-z0-9_]{16,200}/g, // Stripe secret/restricted keys, rampart API keys
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\bxox[abposr]-[A-Za-z0-9-]{10,250}/g, // Slack
  /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, // Google API keys
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,250}/g, // OpenAI / Anthropic style
  /\bglpat-[A-Za-z0-9_-]{20,100}/g, // GitLab
  /-----BEGIN (?:[A-Z]{1,20} )?PRIVATE KEY-----/g,
];


// Issuer prefixes of the major card networks: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro.
const CARD_PREFIX = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6(?:011|5|4[4-9]|22)|35(?:2[89]|[3-8])|3(?:0[0-5]|[68])|62|5[06-9]|6\d)/;

function validSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  // Numbers published in advertising, never valid.
  if (`${area}${group}${serial}` === '078051120' || `${area}${group}${serial}` === '219099999') return false;
  return true;
}

function validJwt(token: string): boolean {
  const text = Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8');
  // Cheap refusal first: a thrown JSON.parse costs ~10 µs, and crafted text can hold thousands of candidates.
  if (!text.includes('"alg"') || !text.trimEnd().endsWith('}')) return false;
  try {
    const header = JSON.parse(text) as unknown;
    return header !== null && typeof header === 'object' && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** The phone candidate without trailing separators (`-`, `.`, `(`, spaces). */
function trimPhoneTail(candidate: string): string {
  let end = candidate.length;
  while (end > 0 && /[\s.(-]/.test(candidate[end - 1]!)) end--;
  return candidate.slice(0, end);
}

function* regexMatches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}

function collect(text: string, types: ReadonlySet<PiiType>, defaultCountry: CountryCode | undefined): PiiMatch[] {
  const { isValidIBAN, electronicFormatIBAN } = requirePeer<typeof import('ibantools')>(PEERS.findPii, 'ibantools');
  const { parsePhoneNumberFromString } = requirePeer<typeof import('libphonenumber-js')>(PEERS.findPii, 'libphonenumber-js');
  const found: PiiMatch[] = [];
  const add = (type: PiiType, start: number, value: string) => found.push({ type, value, start, end: start + value.length });

  if (types.has('api_key')) for (const re of API_KEYS) for (const m of regexMatches(re, text)) add('api_key', m.index, m[0]);
  if (types.has('jwt')) {
    for (const [start, end] of jwtSpans(text, JWT_SHAPE)) {
      const token = text.slice(start, end);
      if (validJwt(token)) add('jwt', start, token);
    }
  }
  if (types.has('email')) {
    // Anchor on each '@': walk back over at most 64 local-part characters, match the
    // domain forward with a sticky pattern. Linear in the text length.
    let emails = 0;
    for (let at = text.indexOf('@'); at !== -1 && emails < 10_000; at = text.indexOf('@', at + 1)) {
      let start = at;
      while (start > 0 && at - start < 64 && ATEXT.test(text[start - 1]!)) start--;
      while (start < at && (text[start] === '.' || text[start] === "'")) start++;
      if (start === at) continue;
      EMAIL_DOMAIN.lastIndex = at + 1;
      const domain = EMAIL_DOMAIN.exec(text);
      if (domain === null) continue;
      // Trim trailing dots a sentence may add; validate the rest.
      let domainEnd = domain[0].length;
      while (domainEnd > 0 && domain[0][domainEnd - 1] === '.') domainEnd--;
      const candidate = text.slice(start, at + 1 + domainEnd);
      emails++;
      if (checkEmail(candidate, { allowReservedTld: true, allowUnicodeLocal: false }).ok) add('email', start, candidate);
    }
  }
  if (types.has('iban')) {
    for (const m of regexMatches(IBAN, text)) {
      const compact = electronicFormatIBAN(m[0]);
      if (compact !== null && isValidIBAN(compact)) add('iban', m.index, m[0]);
    }
  }
  if (types.has('credit_card')) {
    for (const m of regexMatches(CARD, text)) {
      const digits = m[0].replace(/[ -]/g, '');
      if (digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhnValid(digits)) add('credit_card', m.index, m[0]);
    }
  }
  if (types.has('ssn')) for (const m of regexMatches(SSN, text)) if (validSsn(m[1]!, m[3]!, m[4]!)) add('ssn', m.index, m[0]);
  if (types.has('ip')) {
    for (const m of regexMatches(IPV4, text)) add('ip', m.index, m[0]);
    if (text.includes(':')) {
      for (const m of regexMatches(IPV6, text)) {
        if (m[0].length > 2 && /[0-9a-f]/i.test(m[0]) && ipaddr.IPv6.isValid(m[0])) add('ip', m.index, m[0]);
      }
    }
  }
  if (types.has('phone') && /\d/.test(text)) {
    // libphonenumber's own text search costs ~50 µs per character on digit-dense input;
    // find short phone-shaped candidates first and parse only those (bounded count).
    let parses = 0;
    const verdicts = new Map<string, boolean>();
    for (const m of regexMatches(PHONE_CANDIDATE, text)) {
      const candidate = trimPhoneTail(m[0]);
      if (!candidate.startsWith('+') && defaultCountry === undefined) continue;
      let valid = verdicts.get(candidate);
      if (valid === undefined && parses < PHONE_PARSE_BUDGET) {
        parses++;
        valid = parsePhoneNumberFromString(candidate, defaultCountry === undefined ? undefined : { defaultCountry })?.isValid() === true;
        verdicts.set(candidate, valid);
      }
      if (valid !== false) add('phone', m.index, candidate);
    }
  }
  // Keep the earliest, then longest, match where findings overlap (a card inside a JWT, an IP inside an email…).
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PiiMatch[] = [];
  let end = -1;
  for (const f of found) {
    if (f.start >= end) {
      out.push(f);
      end = f.end;
    }
  }
  return out;
}

function typeSet(types: readonly PiiType[] | undefined): Set<PiiType> {
  if (types === undefined) return new Set(PII_TYPES);
  if (!Array.isArray(types)) throw configError('findPii: types must be a list of PII types.');
  for (const t of types) if (!PII_TYPES.includes(t)) throw configError(`findPii: unknown type ${JSON.stringify(t)}; use ${PII_TYPES.join(', ')}.`);
  return new Set(types);
}

/**
 * Find personal and secret data in free text: email addresses, phone numbers
 * (libphonenumber-js; international `+…` numbers, or national ones with
 * `defaultCountry`), Luhn-valid card numbers of the major networks, US SSNs with valid
 * area/group/serial, IBANs with a valid checksum, IPv4/IPv6 addresses, JWTs and API keys
 * (Stripe `sk_live_`/`rk_live_`, GitHub `ghp_`, AWS `AKIA…`, Slack, Google, OpenAI-style,
 * private-key blocks). Candidates are validated, not just pattern-matched.
 *
 * @example
 * findPii('Mail ann@example.com or call +44 20 7946 0958');
 * // → [{ type: 'email', value: 'ann@example.com', … }, { type: 'phone', value: '+44 20 7946 0958', … }]
 */
export function findPii(text: unknown, options: FindPiiOptions = {}): PiiMatch[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const scanned = text.length > max ? text.slice(0, max) : text;
  const country = options.defaultCountry;
  if (country !== undefined && (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))) {
    throw new RampartError('ERR_RAMPART_CONFIG', `findPii: defaultCountry must be an ISO 3166-1 alpha-2 code such as 'US' or 'GB' (got ${JSON.stringify(String(country)).slice(0, 40)}).`);
  }
  return collect(scanned, typeSet(options.types), country as CountryCode | undefined);
}

/**
 * Replace every {@link findPii} finding with a mask (default `[REDACTED:<type>]`).
 * Usable as a SecurityLog detail filter or before text reaches logs, analytics or an LLM.
 * Text longer than `maxLength` is cut before scanning and ends with
 * `…[N characters not scanned, removed]`: what was not scanned is never returned.
 *
 * @example
 * redactPii('card 4111 1111 1111 1111, mail ann@example.com', { types: ['credit_card'] });
 * // → 'card [REDACTED:credit_card], mail ann@example.com'
 */
export function redactPii(text: string, options: RedactPiiOptions = {}): string {
  if (typeof text !== 'string' || text.length === 0) return typeof text === 'string' ? text : '';
  const { mask, ...find } = options;
  // Never hand back text that was not scanned: past maxLength the rest is removed (with a
  // trailing run that could hold half of a secret) and the cut is marked.
  const scanned = cutForScan(text, find.maxLength ?? DEFAULT_MAX_LENGTH);
  const marker = scanned.length < text.length ? `…[${text.length - scanned.length} characters not scanned, removed]` : '';
  const matches = findPii(scanned, find);
  if (matches.length === 0) return scanned + marker;
  const replace = typeof mask === 'function' ? mask : (m: PiiMatch) => mask ?? `[REDACTED:${m.type}]`;
  let out = '';
  let last = 0;
  for (const m of matches) {
    out += scanned.slice(last, m.start) + replace(m);
    last = m.end;
  }
  return out + scanned.slice(last) + marker;
}

/** Options for {@link redactKeys}. */
export interface RedactKeysOptions {
  /** Extra key names to redact (compared case-insensitively, ignoring `-`, `_` and spaces). */
  keys?: readonly string[];
  /** Replacement value. Default `'[REDACTED]'`. */
  mask?: string;
  /** Also run {@link redactPii} over every string value. Default false. */
  pii?: boolean | RedactPiiOptions;
  /** Deepest level copied; deeper values become `'[Too deep]'`. Default 32. */
  maxDepth?: number;
}

// Compared after lower-casing and removing `-`, `_`, `.` and spaces.
const SECRET_KEYS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'authorization', 'proxyauthorization', 'cookie', 'setcookie',
  'apikey', 'xapikey', 'privatekey', 'clientsecret', 'accesstoken', 'refreshtoken', 'idtoken', 'sessionid', 'session', 'sid',
  'csrftoken', 'xsrftoken', 'xcsrftoken', 'otp', 'totp', 'mfacode', 'pin', 'cvv', 'cvc', 'creditcard', 'cardnumber', 'ccnumber',
  'ssn', 'iban', 'credentials', 'credential', 'signature', 'xhubsignature', 'webhooksecret', 'dsn', 'connectionstring',
]);
const SECRET_PARTS = ['password', 'passwd', 'secret', 'token', 'apikey', 'privatekey', 'credential', 'authorization', 'cookie'];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/**
 * A deep copy of `value` in which the values of secret-named keys (password, token,
 * secret, authorization, cookie, set-cookie, api_key, private_key, session id, card
 * number, … and any key containing password/secret/token/apikey) are replaced by
 * `'[REDACTED]'` at any depth of objects, arrays and Maps. Cycles become `'[Circular]'`;
 * the input is never mutated.
 *
 * @example
 * redactKeys({ user: 'ann', auth: { Password: 'x', tokens: [{ access_token: 't' }] } });
 * // → { user: 'ann', auth: { Password: '[REDACTED]', tokens: '[REDACTED]' } }
 */
export function redactKeys<T>(value: T, options: RedactKeysOptions = {}): T {
  const extra = new Set((options.keys ?? []).map(normaliseKey));
  const mask = options.mask ?? '[REDACTED]';
  const maxDepth = options.maxDepth ?? 32;
  const piiOptions = options.pii === true ? {} : options.pii === false || options.pii === undefined ? undefined : options.pii;
  const secret = (key: string) => {
    const k = normaliseKey(key);
    return SECRET_KEYS.has(k) || extra.has(k) || SECRET_PARTS.some((p) => k.includes(p));
  };
  const stack = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return piiOptions === undefined ? v : redactPii(v, piiOptions);
    if (v === null || typeof v !== 'object') return v;
    if (stack.has(v)) return '[Circular]';
    if (depth >= maxDepth) return '[Too deep]';
    if (v instanceof Date || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    stack.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      if (v instanceof Map) {
        const out = new Map();
        for (const [k, item] of v) out.set(k, typeof k === 'string' && secret(k) ? mask : walk(item, depth + 1));
        return out;
      }
      if (v instanceof Error) return { name: v.name, message: walk(v.message, depth + 1) };
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = secret(k) ? mask : walk(item, depth + 1);
      return out;
    } finally {
      stack.delete(v);
    }
  };
  return walk(value, 0) as T;
}

/** A content classifier's verdict. */
export interface ModerationResult {
  /** True when the content should not be accepted as is. */
  flagged: boolean;
  /** Category names (`'pii'`, `'harassment'`, `'spam'`, …). */
  categories: string[];
  /** Optional confidence/severity from the classifier, 0–1. */
  score?: number;
}

/** A pluggable content classifier (an OpenAI/Perspective call, a local model, a word list…). */
export type Moderator = (text: string) => ModerationResult | Promise<ModerationResult>;

/** Options for {@link moderate}. */
export interface ModerateOptions {
  /** Classifiers to run; all must pass. Default: {@link piiModerator} only. */
  moderators?: readonly Moderator[];
  /** Seconds to wait for the classifiers. Default 5. */
  timeout?: number;
  /** What a failing or timed-out classifier means. Default `'flag'` (fail closed). */
  onError?: 'flag' | 'allow';
}

/** Built-in moderator: flags text containing PII (categories `pii:<type>`). */
export const piiModerator: Moderator = (text) => {
  const types = [...new Set(findPii(text).map((m) => `pii:${m.type}`))];
  return { flagged: types.length > 0, categories: types };
};

/**
 * Run content through pluggable classifiers and merge their verdicts. A classifier that
 * throws or exceeds `timeout` flags the content (`moderation_error`) unless `onError:
 * 'allow'`.
 *
 * @example
 * const verdict = await moderate(comment, { moderators: [piiModerator, openAiModerator] });
 * if (verdict.flagged) return reply.code(422).send({ categories: verdict.categories });
 */
export async function moderate(text: string, options: ModerateOptions = {}): Promise<ModerationResult> {
  const moderators = options.moderators ?? [piiModerator];
  const timeoutMs = (options.timeout ?? 5) * 1000;
  const failClosed = (options.onError ?? 'flag') === 'flag';
  const results = await Promise.all(
    moderators.map(async (m): Promise<ModerationResult> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const verdict = await Promise.race([
          Promise.resolve().then(() => m(text)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('moderation timed out')), timeoutMs);
          }),
        ]);
        if (verdict === null || typeof verdict !== 'object' || typeof verdict.flagged !== 'boolean') throw new Error('invalid moderation result');
        return verdict;
      } catch {
        return failClosed ? { flagged: true, categories: ['moderation_error'] } : { flagged: false, categories: [] };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const scores = results.map((r) => r.score).filter((s): s is number => typeof s === 'number');
  const merged: ModerationResult = {
    flagged: results.some((r) => r.flagged),
    categories: [...new Set(results.flatMap((r) => (Array.isArray(r.categories) ? r.categories : [])))],
  };
  if (scores.length > 0) merged.score = Math.max(...scores);
  return merged;
}

/**
 * Wrap an event sink (a SecurityLog, or any `{ emit(record) }`) so every event's `detail`
 * and `path` have PII redacted before they are stored — the SecurityLog detail filter.
 *
 * @example
 * const shield = stack([inputGuard()], { events: redactingSink(securityLog) });
 */
export function redactingSink(sink: EventSink, options: RedactPiiOptions = {}): EventSink {
  if (sink === null || typeof sink !== 'object' || typeof sink.emit !== 'function') throw configError('redactingSink: pass an event sink (an object with emit(record)), e.g. a SecurityLog.');
  return {
    emit(record: SecurityEventRecord): void {
      let out = record;
      try {
        const detail = record.detail === undefined ? undefined : redactPii(record.detail, options);
        const path = record.path === undefined ? undefined : redactPii(record.path, options);
        if (detail !== record.detail || path !== record.path) out = { ...record, detail, path };
      } catch {
        out = { ...record, detail: '[detail withheld: redaction failed]' };
      }
      sink.emit(out);
    },
  };
}
