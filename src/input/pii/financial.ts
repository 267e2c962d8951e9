import { cardSpans } from '../../core/card-number.ts';
import { regexMatches, type Detector, type ScanContext } from './types.ts';

// Candidates are validated (Luhn and issuer prefix, SSN ranges, IBAN checksum) so random digit runs are not reported.
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
// Nine digits without separators are an SSN only after a label (`SSN: 536221234`, `"ssn":"…"`); bounded gaps keep it linear.
const LABELLED_SSN = /\b(?:ssn|social security(?: number| no\.?)?)(?: ?(?:#|no\.?|number))?["']?[ \t]{0,3}[:=#]?[ \t]{0,3}["']?(\d{3})(\d{2})(\d{4})(?!\d)/gi;
// Upper or lower case; single spaces anywhere (paper format groups of four, or none).
const IBAN = /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}\b/g;
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

/**
 * The IBAN at the start of `candidate`, if any: the greedy pattern also takes the words after
 * an IBAN (`de89 3704 … 00 please`), so the country's IBAN length says where it ends, and only
 * that prefix is validated (one checksum per candidate).
 */
function ibanAt(candidate: string, iban: ScanContext['peers']['iban']): string | undefined {
  const country = candidate.slice(0, 2).toUpperCase();
  const length = Object.hasOwn(iban.countrySpecs, country) ? iban.countrySpecs[country]?.chars : undefined;
  if (length === undefined || length === null) return undefined;
  let chars = 0;
  for (let i = 0; i < candidate.length; i++) {
    if (candidate.charCodeAt(i) === 0x20 || ++chars < length) continue;
    // The IBAN must end at a space or the end of the candidate, not inside a word.
    if (i + 1 < candidate.length && candidate.charCodeAt(i + 1) !== 0x20) return undefined;
    const prefix = candidate.slice(0, i + 1);
    const compact = iban.electronicFormatIBAN(prefix);
    return compact !== null && iban.isValidIBAN(compact) ? prefix : undefined;
  }
  return undefined;
}

/** IBANs with a valid checksum (ibantools), in upper or lower case. */
export const detectIbans: Detector = (ctx) => {
  for (const m of regexMatches(IBAN, ctx.text)) {
    const found = ibanAt(m[0], ctx.peers.iban);
    if (found !== undefined) {
      ctx.add('iban', m.index, found);
      IBAN.lastIndex = m.index + found.length;
    } else {
      // The candidate may have started at a word before the IBAN (`ab12 de89 3704 …`): resume at its next word.
      const space = m[0].indexOf(' ');
      if (space !== -1) IBAN.lastIndex = m.index + space + 1;
    }
  }
};

/** Luhn-valid card numbers of the major networks (13–19 digits, ASCII or fullwidth; spaces, no-break or thin spaces, dashes, or dots between groups of four). */
export const detectCards: Detector = (ctx) => {
  for (const card of cardSpans(ctx.text, false)) {
    if (CARD_PREFIX.test(card.digits)) ctx.add('credit_card', card.start, ctx.text.slice(card.start, card.end));
  }
};

/** US social security numbers with a valid area, group and serial: dashed or spaced, or nine digits after an SSN label. */
export const detectSsns: Detector = (ctx) => {
  for (const m of regexMatches(SSN, ctx.text)) if (validSsn(m[1]!, m[3]!, m[4]!)) ctx.add('ssn', m.index, m[0]);
  for (const m of regexMatches(LABELLED_SSN, ctx.text)) {
    if (validSsn(m[1]!, m[2]!, m[3]!)) ctx.add('ssn', m.index + m[0].length - 9, m[0].slice(-9));
  }
};
