import { builtin } from '../core/builtin.ts';

const isIP = (): typeof import('node:net').isIP => builtin<typeof import('node:net')>('node:net').isIP;
import { cutForScan } from '../core/text-scan.ts';
import { RampartError } from '../errors.ts';
import { detailJson, detailString } from './detail.ts';
import { redactPath, redactString } from './redact.ts';

/** Column limits (characters). The seed's: event 50, ip 45, user agent 500, path 2000. */
export const LIMITS = Object.freeze({ event: 50, userId: 255, ip: 45, userAgent: 500, path: 2000, detail: 4096 });

/** A row as it is queued and written (already validated, escaped, truncated and redacted). */
export interface PendingRow {
  event: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  path: string | null;
  detail: string | null;
  /** Milliseconds since the epoch, taken when the event was logged (not when it was written). */
  time: number;
  /** Row id given by the first write attempt; a retry skips the row when that id is stored (exactly once). */
  id?: number;
}

// C0 controls, DEL and C1 controls. NUL cannot be stored in PostgreSQL text at all; the
// others would let an attacker forge lines in exports and terminals (log injection).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

// eslint-disable-next-line no-control-regex
const CONTROL_TEST = /[\u0000-\u001f\u007f-\u009f]/;
const SURROGATE_TEST = /[\ud800-\udfff]/;

/** Replace control characters by visible `\xNN` escapes and make the string well-formed UTF-16. */
export function escapeControls(text: string): string {
  const escaped = CONTROL_TEST.test(text) ? text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : text;
  if (!SURROGATE_TEST.test(escaped)) return escaped;
  // Lone surrogates cannot be encoded as UTF-8: replace them with U+FFFD.
  return escaped.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Cut `text` to at most `max` characters, marking the cut so readers know data is missing. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return cutWith(text, max, `…[truncated ${text.length - max} chars]`);
}

// How far past maxDetail a detail is serialised: a detail that ends within it is cut with the
// exact count of characters lost, a longer one is not read further.
const DETAIL_OVERRUN = 1024;

/** The marker of a detail that was read only as far as its column holds: how much was left is not known. */
const CUT_UNREAD = '…[truncated]';

function cutWith(text: string, max: number, marker: string): string {
  const keep = Math.max(0, Math.min(text.length, max - marker.length));
  // Never split a surrogate pair.
  let cut = text.slice(0, keep);
  if (cut.length > 0 && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return (cut + marker).slice(0, max);
}

function cleanText(value: unknown, max: number, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw new RampartError('ERR_RAMPART_LOG_INPUT', `SecurityLog: ${field} must be a string (got ${typeof value}).`);
  }
  if (value === '') return null;
  // Escape before truncating so the stored text never exceeds the column limit.
  return truncate(escapeControls(value.length > max * 8 ? value.slice(0, max * 8) : value), max);
}

/**
 * A string id as it is stored: readable, unless redaction would mask part of it (a secret passed
 * as the id). A decimal id is never masked: `42` and `'42'` are one user, and a long numeric id
 * may look like a card number.
 */
function redactedId(value: string): string {
  if (/^[0-9]{1,64}$/.test(value)) return value;
  return redactString(value.length > LIMITS.userId * 8 ? value.slice(0, LIMITS.userId * 8) : value);
}

/** Normalise a user id (number or string) to text, redacted as other stored text; undefined/null → null. */
export function normalizeUserId(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RampartError('ERR_RAMPART_LOG_INPUT', `SecurityLog: userId must be an integer or a string (got ${value}).`);
    return String(value);
  }
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return truncate(escapeControls(redactedId(value)), LIMITS.userId);
  throw new RampartError('ERR_RAMPART_LOG_INPUT', `SecurityLog: userId must be an integer or a string (got ${typeof value}).`);
}

/**
 * One spelling per IPv6 address, so `countByIp` and `getForIp` count every spelling: RFC 5952
 * (lower case, no leading zeros, the longest run of two or more zero groups, the first on a
 * tie, as `::`), which is how WHATWG URL serialises an IPv6 host. IPv4-mapped addresses
 * (`::ffff:192.0.2.1`, also written in hex) become IPv4, as src/client-ip keys them.
 */
function canonicalIpv6(address: string): string {
  const text = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mapped === null) return text;
  const high = Number.parseInt(mapped[1]!, 16);
  const low = Number.parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * Normalise an IP address: a valid IPv4/IPv6 literal (IPv6 in its RFC 5952 form, IPv4-mapped
 * IPv6 reduced to IPv4, zone id dropped) or null. Returns `{ invalid }` with the escaped input when the string
 * is not an address, so the caller can keep it in `detail` instead of losing it.
 */
export function normalizeIp(value: unknown): { ip: string | null; invalid?: string } {
  if (value === undefined || value === null || value === '') return { ip: null };
  if (typeof value !== 'string') {
    // An object's String() runs the caller's code and may be of any size: only its type is kept.
    const primitive = typeof value !== 'object' && typeof value !== 'function';
    return { ip: null, invalid: primitive ? quoteInvalidIp(String(value)) : `[${typeof value}]` };
  }
  let v = value.trim();
  const zone = v.indexOf('%');
  if (zone > 0 && v.includes(':')) v = v.slice(0, zone);
  if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
  const kind = isIP()(v);
  if (kind === 4) return { ip: v };
  if (kind === 6) return { ip: canonicalIpv6(v) };
  return { ip: null, invalid: quoteInvalidIp(value) };
}

// Longest invalid ip stored (in detail), and how much of it is scanned for secrets first.
const INVALID_IP_STORED = 100;
const INVALID_IP_SCANNED = 1024;

/** A non-address `ip` as it is kept in detail: bounded, redacted like every stored text (it may be any header value), escaped. */
function quoteInvalidIp(value: string): string {
  return truncate(escapeControls(redactString(cutForScan(value, INVALID_IP_SCANNED))), INVALID_IP_STORED);
}

/**
 * Turn `detail` (string or object) into redacted, escaped, bounded text. The work is bounded by
 * `maxDetail`, not by the value: an object is serialised (and a string scanned) only to 1,024
 * characters past the column's size, and a detail cut there ends with `…[truncated]`.
 */
export function normalizeDetail(value: unknown, maxDetail: number): string | null {
  if (value === undefined || value === null) return null;
  let text: string;
  let complete = true;
  const budget = maxDetail + DETAIL_OVERRUN;
  if (typeof value === 'string') ({ text, complete } = detailString(value, budget));
  else if (typeof value === 'object') {
    try {
      ({ text, complete } = detailJson(value, budget));
    } catch {
      text = '[unserialisable detail]';
    }
  } else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else throw new RampartError('ERR_RAMPART_LOG_INPUT', `SecurityLog: detail must be a string or an object (got ${typeof value}).`);
  if (complete) return cleanText(text, maxDetail, 'detail');
  return cutWith(escapeControls(text.length > budget ? text.slice(0, budget) : text), maxDetail, CUT_UNREAD);
}

/** What callers pass to `log()`. */
export interface LogFields {
  /** User id (number or string; stored as text). */
  userId?: string | number | bigint | null | undefined;
  /** Client IP address; a non-address string is stored as null and quoted in `detail`. */
  ip?: string | null | undefined;
  /** User-Agent header (truncated to 500 characters). */
  userAgent?: string | null | undefined;
  /** Request path, optionally with its query (secrets masked by `redactPath`, truncated to 2000 characters). */
  path?: string | null | undefined;
  /** Free text or a structured object (redacted, JSON-encoded, bounded). */
  detail?: string | Record<string, unknown> | null | undefined;
}

/** Validate and normalise one event into a row (throws RampartError ERR_RAMPART_LOG_INPUT). */
export function toRow(event: string, fields: LogFields, maxDetail: number, time = Date.now()): PendingRow {
  const ip = normalizeIp(fields.ip);
  let detail = normalizeDetail(fields.detail, maxDetail);
  if (ip.invalid !== undefined) {
    const note = `[invalid ip: ${JSON.stringify(ip.invalid)}]`;
    // Keep the note whole: cut the detail to make room for it.
    detail = detail === null ? note : `${truncate(detail, Math.max(0, maxDetail - note.length - 1))} ${note}`;
  }
  return {
    event,
    userId: normalizeUserId(fields.userId),
    ip: ip.ip,
    // A client chooses its User-Agent: it may carry a secret like any other free text.
    userAgent: cleanText(
      typeof fields.userAgent === 'string' ? redactString(fields.userAgent.slice(0, LIMITS.userAgent * 8)) : fields.userAgent,
      LIMITS.userAgent,
      'userAgent',
    ),
    // Reset links, API keys and magic-link tokens travel in paths: masked before storing (redactPath).
    path: cleanText(typeof fields.path === 'string' ? redactPath(fields.path) : fields.path, LIMITS.path, 'path'),
    detail,
    time,
  };
}

let warm = false;

/**
 * Run the field cleaning once on a synthetic event (once per process): compiling the
 * redaction and escaping expressions costs a few milliseconds the first time, which
 * sinks pay at construction instead of on the request that raises the first event.
 */
export function warmFields(): void {
  if (warm) return;
  warm = true;
  try {
    toRow('CONFIG_WARNING', { ip: '::ffff:127.0.0.1', userId: 1, path: '/\u202e', userAgent: 'warm-up', detail: 'token=warm-up-0123456789abcdef' }, 1024);
  } catch {
    // nothing to warm
  }
}
