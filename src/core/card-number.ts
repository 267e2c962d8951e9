/**
 * Card-number candidates in free text, shared by the log's `redactString` and `findPii`:
 * 13–19 digits (ASCII or fullwidth) that may be grouped by a space, no-break space, thin
 * space, dash or dot, and pass the Luhn check. Dots count only between groups of four
 * (`4111.1111.1111.1111`), so versions (`1.2.3.4`) and IP addresses are never cards.
 */
import { luhnValid } from './luhn.ts';

// One digit (ASCII or fullwidth), then 12–18 more, each maybe after one separator (space,
// no-break space, thin and narrow no-break space, dot, dash): bounded, linear.
/** Not inside a word (the log's rule: `card4111…x` is part of a name). */
const WORD_BOUNDED = /(?<![\w\uff10-\uff19])[0-9\uff10-\uff19](?:[ \u00a0\u2009\u202f.-]?[0-9\uff10-\uff19]){12,18}(?![\w\uff10-\uff19])/g;
/** Not inside a longer digit run or after a dash (findPii's rule: letters may touch it). */
const DIGIT_BOUNDED = /(?<![0-9\uff10-\uff19-])[0-9\uff10-\uff19](?:[ \u00a0\u2009\u202f.-]?[0-9\uff10-\uff19]){12,18}(?![0-9\uff10-\uff19])/g;

const FULLWIDTH_ZERO = 0xff10;

/** A found card: [start, end) in the text and its ASCII digits. */
export interface CardSpan {
  start: number;
  end: number;
  digits: string;
}

/** The ASCII digits of a candidate, or undefined when its dots do not separate groups of four (the last may be shorter). */
function candidateDigits(candidate: string): string | undefined {
  let digits = '';
  let group = 0;
  let dotted = false;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits += candidate[i];
    else if (c >= FULLWIDTH_ZERO && c <= FULLWIDTH_ZERO + 9) digits += String.fromCharCode(c - FULLWIDTH_ZERO + 0x30);
    else {
      if (c === 0x2e) dotted = true;
      if (dotted && group !== 4) return undefined;
      group = 0;
      continue;
    }
    group++;
  }
  if (dotted && (group > 4 || candidate.includes(' ') || candidate.includes('-'))) return undefined;
  return digits;
}

/**
 * Every Luhn-valid card-number candidate of 13–19 digits in `text`, in order. `wordBounded`:
 * the number must not touch a letter, digit or `_` (the log's rule); otherwise only not a
 * digit or a preceding `-`. A candidate whose dots do not group fours is dropped and the
 * search resumes after its first dot, so `1.4111 1111 1111 1111` still yields the card.
 */
export function cardSpans(text: string, wordBounded: boolean): CardSpan[] {
  const re = wordBounded ? WORD_BOUNDED : DIGIT_BOUNDED;
  const out: CardSpan[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const digits = candidateDigits(m[0]);
    if (digits === undefined) {
      re.lastIndex = m.index + m[0].indexOf('.') + 1;
      continue;
    }
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) out.push({ start: m.index, end: m.index + m[0].length, digits });
  }
  return out;
}
