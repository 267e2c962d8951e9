import { luhnValid } from '../../core/luhn.ts';
import { regexMatches, type Detector } from './types.ts';

// Candidates are validated (Luhn and issuer prefix, SSN ranges, IBAN checksum) so random digit runs are not reported.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
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

/** IBANs with a valid checksum (ibantools). */
export const detectIbans: Detector = (ctx) => {
  const { isValidIBAN, electronicFormatIBAN } = ctx.peers.iban;
  for (const m of regexMatches(IBAN, ctx.text)) {
    const compact = electronicFormatIBAN(m[0]);
    if (compact !== null && isValidIBAN(compact)) ctx.add('iban', m.index, m[0]);
  }
};

/** Luhn-valid card numbers of the major networks (13–19 digits, spaces or dashes allowed). */
export const detectCards: Detector = (ctx) => {
  for (const m of regexMatches(CARD, ctx.text)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhnValid(digits)) ctx.add('credit_card', m.index, m[0]);
  }
};

/** US social security numbers with a valid area, group and serial. */
export const detectSsns: Detector = (ctx) => {
  for (const m of regexMatches(SSN, ctx.text)) if (validSsn(m[1]!, m[3]!, m[4]!)) ctx.add('ssn', m.index, m[0]);
};
