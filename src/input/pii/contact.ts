import { checkEmail } from '../email.ts';
import { regexMatches, type Detector } from './types.ts';

// The local-part characters people actually use (RFC 5322 allows more, such as `/` and `=`,
// which in free text are far more often a path or a key=value separator than part of an address).
const ATEXT = /[A-Za-z0-9._%+'-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){1,8}/y;
// Up to 41 digits: a phone number with white-space-separated numbers beside it (a TSV row)
// is one candidate, and its windows are tried (see detectPhones), instead of being cut at
// 15 digits in the middle of the number.
const PHONE_CANDIDATE = /(?<![\w+])(?:\+|\(\+?)?\d(?:[\s().\-/]{0,3}\d){6,40}(?!\d)/g;
// Each distinct candidate costs one libphonenumber parse (~0.07 ms): at most this many per
// call. Candidates past the budget are reported without validation (over-redaction of a
// digit-dense text, never a phone number left in because validating it was too costly).
const PHONE_PARSE_BUDGET = 200;

// Dates a national-number candidate can hold (`2024-01-15 10`, `01/15/2024`): never phone numbers.
const DATE_INSIDE =
  /(?:^|\D)(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d\d)(?!\d)/;

/** Where digit groups end, counted in digits from the end (`415 555-2671` → {4, 7}); separators are any non-digits. */
function groupEnds(text: string): { ends: Set<number>; digits: number } {
  const ends = new Set<number>();
  let digits = 0;
  let inGap = false;
  for (let i = text.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      if (inGap && digits > 0) ends.add(digits);
      inGap = false;
      digits++;
    } else inGap = true;
  }
  return { ends, digits };
}

/**
 * True when a national number is written with the country's grouping, or a coarser or finer
 * one (`415 5552671`, `030 123 456 78`), but not one that cuts across it: `2024-000123` is
 * not the US number `(202) 400-0123`. Group ends are compared from the end, so a written
 * trunk or country prefix (`1 415 …`) does not matter.
 */
function groupingFits(candidate: string, national: string): boolean {
  const written = groupEnds(candidate);
  const formatted = groupEnds(national);
  const inside = Math.min(written.digits, formatted.digits);
  let extraWritten = false;
  let missingFormatted = false;
  for (const end of written.ends) if (end < inside && !formatted.ends.has(end)) extraWritten = true;
  for (const end of formatted.ends) if (end < inside && !written.ends.has(end)) missingFormatted = true;
  return !(extraWritten && missingFormatted);
}

/** The phone candidate without trailing separators (`-`, `.`, `(`, spaces). */
function trimPhoneTail(candidate: string): string {
  let end = candidate.length;
  while (end > 0 && /[\s.(-]/.test(candidate[end - 1]!)) end--;
  return candidate.slice(0, end);
}

/** E-mail addresses that pass checkEmail (reserved TLDs allowed, ASCII local parts). */
export const detectEmails: Detector = (ctx) => {
  const text = ctx.text;
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
    if (checkEmail(candidate, { allowReservedTld: true, allowUnicodeLocal: false }).ok) ctx.add('email', start, candidate);
  }
};

/** [start, end) of the parts of `candidate` between runs of white space. */
function spaceSeparatedParts(candidate: string): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= candidate.length; i++) {
    const space = i === candidate.length || /\s/.test(candidate[i]!);
    if (space && start !== -1) {
      parts.push([start, i]);
      start = -1;
    } else if (!space && start === -1) start = i;
  }
  return parts;
}

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) n++;
  return n;
}

/** Phone numbers libphonenumber-js accepts: international `+…` ones, or national ones with `defaultCountry`. */
export const detectPhones: Detector = (ctx) => {
  if (!/\d/.test(ctx.text)) return;
  const { defaultCountry } = ctx;
  // libphonenumber's own text search costs ~50 µs per character on digit-dense input;
  // find short phone-shaped candidates first and parse only those (bounded count).
  let parses = 0;
  const verdicts = new Map<string, boolean>();
  /** True for a phone number; also for an unjudged candidate once the parse budget is spent. */
  const isPhone = (candidate: string): boolean => {
    const national = !candidate.startsWith('+');
    if (national && (defaultCountry === undefined || DATE_INSIDE.test(candidate))) return false;
    let valid = verdicts.get(candidate);
    if (valid === undefined) {
      if (parses >= PHONE_PARSE_BUDGET) return true;
      parses++;
      const parsed = ctx.peers.phone.parsePhoneNumberFromString(candidate, defaultCountry === undefined ? undefined : { defaultCountry });
      valid = parsed?.isValid() === true && (!national || groupingFits(candidate, parsed.formatNational()));
      verdicts.set(candidate, valid);
    }
    return valid;
  };
  for (const m of regexMatches(PHONE_CANDIDATE, ctx.text)) {
    const candidate = trimPhoneTail(m[0]);
    if (isPhone(candidate)) {
      ctx.add('phone', m.index, candidate);
      continue;
    }
    // Numbers next to the phone number with only white space between (`id 12 415-555-2671`,
    // a TSV row with a date) made one longer candidate: try its space-separated windows,
    // longest first from the left, so `1 415 555 2671` stays whole.
    const parts = spaceSeparatedParts(candidate);
    // digitsBefore[k]: digits in parts[0..k): a window's digit count without slicing it.
    const digitsBefore = [0];
    for (const [start, end] of parts) digitsBefore.push(digitsBefore.at(-1)! + digitCount(candidate.slice(start, end)));
    for (let i = 0; i < parts.length; ) {
      let found = -1;
      for (let j = parts.length - 1; j >= i && found === -1; j--) {
        const digits = digitsBefore[j + 1]! - digitsBefore[i]!;
        // E.164 numbers have at most 15 digits; the whole candidate was judged above.
        if (digits < 7 || digits > 15 || (i === 0 && j === parts.length - 1)) continue;
        const window = candidate.slice(parts[i]![0], parts[j]![1]);
        if (isPhone(window)) {
          ctx.add('phone', m.index + parts[i]![0], window);
          found = j;
        }
      }
      i = found === -1 ? i + 1 : found + 1;
    }
  }
};
