/**
 * Validation messages written where a secret's value would stand (`password: too short`,
 * `token: invalid signature`, `pin: 4 digits required`, `password 8 characters minimum`):
 * `redactString` leaves them readable. A message starts with a word of {@link MESSAGE_WORDS}
 * (any case), or is a number followed by a unit (`4 digits`, `2 of 3`). Anything else after a
 * secret's name is masked, plain words included (`password: correct horse battery staple`).
 */

// First words of a message about a value, never of the value itself.
const MESSAGE_WORDS = new Set([
  'too',
  'must',
  'should',
  'cannot',
  'can',
  'invalid',
  'not',
  'no',
  'missing',
  'required',
  'expired',
  'is',
  'was',
  'are',
  'has',
  'had',
  'does',
  'did',
  'needs',
  'empty',
  'incorrect',
  'wrong',
  'mismatch',
  'rejected',
  'failed',
  'revoked',
  'malformed',
  'unknown',
  'undefined',
  'null',
  'none',
  'blank',
  'weak',
  'changed',
  'reset',
  'updated',
  'at',
  'mismatched',
]);

// Words after a number that make it a count, not a value (`4 digits`, `2 of 3`).
const UNIT_WORDS = new Set([
  'digit',
  'digits',
  'character',
  'characters',
  'chars',
  'char',
  'letters',
  'letter',
  'symbols',
  'words',
  'of',
  'attempts',
  'tries',
  'times',
  'or',
]);

const MAX_WORD = 16;

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The letters at `at` in lower case when a space or the end follows them and they are at most MAX_WORD long; else ''. */
function wordAt(text: string, at: number): string {
  let i = at;
  while (i < text.length && i - at <= MAX_WORD && isLetter(text.charCodeAt(i))) i++;
  if (i === at || i - at > MAX_WORD) return '';
  const c = text.charCodeAt(i);
  if (i < text.length && c !== 0x20 && c !== 0x2e && c !== 0x2c && c !== 0x3b && c !== 0x0a) return '';
  return text.slice(at, i).toLowerCase();
}

/**
 * True when the value starting at `at` is a message (`too short`, `Must contain a digit`,
 * `4 digits required`): it starts with a message word, or with a number of at most three
 * digits, one space and a unit word. Reads at most ~40 characters.
 */
export function isMessageValue(text: string, at: number): boolean {
  const first = text.charCodeAt(at);
  if (isLetter(first)) return MESSAGE_WORDS.has(wordAt(text, at));
  if (!isDigit(first)) return false;
  let i = at;
  while (i < text.length && i - at < 4 && isDigit(text.charCodeAt(i))) i++;
  if (i - at > 3 || text.charCodeAt(i) !== 0x20) return false;
  return UNIT_WORDS.has(wordAt(text, i + 1));
}
