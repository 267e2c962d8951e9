/**
 * Cyrillic and Greek letters that render like a Latin letter in common fonts, mapped to that
 * letter: a short, hand-picked subset of the Unicode confusables data (UTS #39), covering the
 * letters of the Latin alphabet a look-alike variation of a common password would use. It is a
 * policy aid for the common-password check, not a full UTS #39 skeleton (no digits, symbols or
 * other scripts). Letters that look Latin only in upper case (Cyrillic В, Н, Т; Greek Η, Τ)
 * are listed in upper case only: their lower-case forms (в, н, т, η, τ) do not.
 */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Cyrillic, upper case: А В Е І Ј К М Н О Р С Т У Х Ѕ Ԛ Ԝ Ӏ
    '\u0410': 'A',
    '\u0412': 'B',
    '\u0415': 'E',
    '\u0406': 'I',
    '\u0408': 'J',
    '\u041A': 'K',
    '\u041C': 'M',
    '\u041D': 'H',
    '\u041E': 'O',
    '\u0420': 'P',
    '\u0421': 'C',
    '\u0422': 'T',
    '\u0423': 'Y',
    '\u0425': 'X',
    '\u0405': 'S',
    '\u051A': 'Q',
    '\u051C': 'W',
    '\u04C0': 'I',
    // Cyrillic, lower case: а е і ј о р с у х ѕ һ ԁ ԛ ԝ ӏ
    '\u0430': 'a',
    '\u0435': 'e',
    '\u0456': 'i',
    '\u0458': 'j',
    '\u043E': 'o',
    '\u0440': 'p',
    '\u0441': 'c',
    '\u0443': 'y',
    '\u0445': 'x',
    '\u0455': 's',
    '\u04BB': 'h',
    '\u0501': 'd',
    '\u051B': 'q',
    '\u051D': 'w',
    '\u04CF': 'l',
    // Greek, upper case: Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ
    '\u0391': 'A',
    '\u0392': 'B',
    '\u0395': 'E',
    '\u0396': 'Z',
    '\u0397': 'H',
    '\u0399': 'I',
    '\u039A': 'K',
    '\u039C': 'M',
    '\u039D': 'N',
    '\u039F': 'O',
    '\u03A1': 'P',
    '\u03A4': 'T',
    '\u03A5': 'Y',
    '\u03A7': 'X',
    // Greek, lower case: α κ ι ν ο ρ υ χ
    '\u03B1': 'a',
    '\u03BA': 'i',
    '\u03B9': 'k',
    '\u03BD': 'v',
    '\u03BF': 'o',
    '\u03C1': 'p',
    '\u03C5': 'u',
    '\u03C7': 'x',
  }),
);

/** Replace the Cyrillic and Greek look-alikes of Latin letters in `text` with those letters. */
export function latinLookAlikes(text: string): string {
  let out = '';
  for (const ch of text) out += LOOK_ALIKES.get(ch) ?? ch;
  return out;
}
