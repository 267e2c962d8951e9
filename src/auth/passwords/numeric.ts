import { foldedForm, withoutInvisible } from './normalize.ts';

// What people put between the digits of a card, phone or date: spaces, dashes, . , / : ( ) +
const NUMBER_SEPARATORS = /[\p{Zs}\p{Pd}.,/:()+]/gu;
const NUMERALS = /^\p{N}+$/u;

/**
 * Whether a password is only numbers: digits of any script, numeral characters (Roman
 * numerals `Ⅻ`, circled `⑫`, superscripts), optionally grouped by separators
 * (`1234-5678-9012`, `+1 (555) 123-4567`). Judged on the form as seen (before NFKC turns `Ⅻ`
 * into the letters `XII`) and on the folded form.
 */
export function isEntirelyNumeric(password: string): boolean {
  return [withoutInvisible(password), foldedForm(password)].some((form) => NUMERALS.test(form.replace(NUMBER_SEPARATORS, '')));
}
