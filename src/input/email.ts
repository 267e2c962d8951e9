import { domainToASCII } from 'node:url';
import { checkKeys, optionsObject, boolOption } from '../core/options.ts';

/** Options for {@link checkEmail}. */
export interface EmailOptions {
  /** Accept a non-ASCII local part (SMTPUTF8, RFC 6531). Default false. */
  allowUnicodeLocal?: boolean;
  /** Accept an address literal domain (`user@[192.0.2.1]`). Default false. */
  allowIpLiteral?: boolean;
  /** Accept reserved or internal TLDs (`.test`, `.example`, `.invalid`, `.localhost`, `.local`, `.internal`). Default false. */
  allowReservedTld?: boolean;
}

/** Result of {@link checkEmail}. */
export type EmailCheck = { ok: true; address: string; local: string; domain: string; asciiDomain: string } | { ok: false; reason: string };

const EMAIL_KEYS = ['allowUnicodeLocal', 'allowIpLiteral', 'allowReservedTld'];
// RFC 5321 limits, in octets.
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 254; // forward-path 256 minus the angle brackets
const MAX_LABEL = 63;
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const UNICODE_ATEXT = /^[\p{L}\p{N}\p{M}!#$%&'*+/=?^_`{|}~-]+$/u;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESERVED_TLDS = new Set(['test', 'example', 'invalid', 'localhost', 'local', 'internal', 'localdomain', 'home', 'corp', 'lan']);

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Check an email address against RFC 5321/5322 syntax without any DNS lookup: dot-atom
 * local part (quoted local parts are refused: they are legal but almost always abuse),
 * RFC 5321 length limits (64-octet local part, 63-octet labels, 255-octet domain, 254
 * octets overall), an internationalised domain converted to punycode (IDNA/UTS 46), at
 * least two labels, a non-numeric TLD, and reserved TLDs refused unless allowed.
 *
 * @example
 * checkEmail('josé@bücher.example', { allowUnicodeLocal: true, allowReservedTld: true });
 * // → { ok: true, asciiDomain: 'xn--bcher-kva.example', … }
 */
export function checkEmail(value: unknown, options: EmailOptions = {}): EmailCheck {
  const opts = optionsObject(options, 'checkEmail');
  checkKeys(opts, EMAIL_KEYS, 'checkEmail');
  const allowUnicodeLocal = opts.allowUnicodeLocal === undefined ? false : boolOption(opts.allowUnicodeLocal, 'checkEmail.allowUnicodeLocal');
  const allowIpLiteral = opts.allowIpLiteral === undefined ? false : boolOption(opts.allowIpLiteral, 'checkEmail.allowIpLiteral');
  const allowReserved = opts.allowReservedTld === undefined ? false : boolOption(opts.allowReservedTld, 'checkEmail.allowReservedTld');

  if (typeof value !== 'string') return { ok: false, reason: 'not a string' };
  if (value.length > 1024) return { ok: false, reason: 'too long' };
  const address = value.normalize('NFC');
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { ok: false, reason: 'missing local part or domain' };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);

  if (bytes(local) > MAX_LOCAL) return { ok: false, reason: 'local part longer than 64 octets' };
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return { ok: false, reason: 'misplaced dot in the local part' };
  for (const atom of local.split('.')) {
    const okAtom = ATEXT.test(atom) || (allowUnicodeLocal && UNICODE_ATEXT.test(atom));
    if (!okAtom) return { ok: false, reason: 'invalid character in the local part' };
  }

  let asciiDomain: string;
  if (domain.startsWith('[') && domain.endsWith(']')) {
    if (!allowIpLiteral) return { ok: false, reason: 'address literals are not accepted' };
    const literal = domain.slice(1, -1);
    const v4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
    if (!v4.test(literal) && !/^IPv6:[0-9a-fA-F:.]{2,45}$/.test(literal)) return { ok: false, reason: 'invalid address literal' };
    asciiDomain = domain;
  } else {
    if (/[\s\\"(),:;<>@[\]]/.test(domain)) return { ok: false, reason: 'invalid character in the domain' };
    asciiDomain = domainToASCII(domain);
    if (asciiDomain === '') return { ok: false, reason: 'the domain is not a valid (internationalised) host name' };
    if (asciiDomain.endsWith('.')) return { ok: false, reason: 'trailing dot in the domain' };
    if (bytes(asciiDomain) > MAX_DOMAIN) return { ok: false, reason: 'domain longer than 255 octets' };
    const labels = asciiDomain.split('.');
    if (labels.length < 2) return { ok: false, reason: 'the domain needs at least two labels' };
    for (const label of labels) {
      if (label.length > MAX_LABEL || !LABEL.test(label)) return { ok: false, reason: 'invalid domain label' };
    }
    const tld = labels[labels.length - 1]!;
    if (/^\d+$/.test(tld)) return { ok: false, reason: 'numeric top-level domain' };
    if (!allowReserved && RESERVED_TLDS.has(tld)) return { ok: false, reason: `reserved top-level domain .${tld}` };
  }
  if (bytes(local) + 1 + bytes(asciiDomain) > MAX_PATH) return { ok: false, reason: 'address longer than 254 octets' };
  return { ok: true, address: `${local}@${asciiDomain}`, local, domain, asciiDomain };
}

/** True when {@link checkEmail} accepts `value`. */
export function isEmail(value: unknown, options?: EmailOptions): boolean {
  return checkEmail(value, options).ok;
}
