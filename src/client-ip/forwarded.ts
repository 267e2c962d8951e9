/**
 * RFC 7239 `Forwarded`, read from the right. A proxy appends its element to what it
 * received (`<client's value>, for=<peer>`), so the elements that can be trusted are the
 * rightmost ones, and they must be read without first making sense of anything to their
 * left: a client's value may hold an unbalanced or escaped quote (`x="\""`, `x="`) that a
 * left-to-right split would carry over the proxy's element. Each element is parsed from its
 * end; parsing stops at the first element that is not well-formed, and that element and
 * everything left of it count as one malformed entry.
 */

/** One parsed element: parameter names (lower case) to values (quotes and escapes removed). */
export type ForwardedElement = ReadonlyMap<string, string>;

/** The elements, left to right; `malformed` when an element left of them could not be parsed. */
export interface ForwardedElements {
  readonly elements: readonly ForwardedElement[];
  readonly malformed: boolean;
}

const isSpace = (c: number): boolean => c === 32 || c === 9;
/** An unquoted value or a name: anything but separators, quotes, backslashes, controls and whitespace. */
const isBare = (c: number): boolean => c > 32 && c < 127 && c !== 34 && c !== 44 && c !== 59 && c !== 61 && c !== 92;

let parses = 0;

/** How many headers {@link parseForwarded} has parsed in this process (tests check one parse per request). */
export function forwardedParseCount(): number {
  return parses;
}

/**
 * Parse `header` from the right. At most `limit` elements are returned (the rightmost);
 * a header longer than 4096 characters is malformed.
 */
export function parseForwarded(header: string, limit = 64): ForwardedElements {
  parses++;
  if (header.length > 4096) return { elements: [], malformed: true };
  const elements: ForwardedElement[] = [];
  let i = header.length;
  while (elements.length < limit) {
    const pairs = new Map<string, string>();
    // One element: pairs separated by ';', read right to left.
    for (;;) {
      while (i > 0 && isSpace(header.charCodeAt(i - 1))) i--;
      let value: string;
      if (i > 0 && header.charCodeAt(i - 1) === 34 /* " */) {
        // A quoted-string, unless this quote is itself escaped (then the string never closes).
        if (backslashesBefore(header, i - 1) % 2 === 1) return { elements: elements.reverse(), malformed: true };
        // Its opening quote: the nearest quote to the left not escaped by an odd run of backslashes.
        let open = i - 2;
        for (; open >= 0; open--) {
          if (header.charCodeAt(open) === 34 && backslashesBefore(header, open) % 2 === 0) break;
        }
        if (open < 0) return { elements: elements.reverse(), malformed: true };
        const text = quotedText(header.slice(open + 1, i - 1));
        if (text === undefined) return { elements: elements.reverse(), malformed: true };
        value = text;
        i = open;
      } else {
        const end = i;
        while (i > 0 && isBare(header.charCodeAt(i - 1))) i--;
        value = header.slice(i, end);
      }
      if (i === 0 || header.charCodeAt(i - 1) !== 61 /* = */) return { elements: elements.reverse(), malformed: true };
      i--;
      const nameEnd = i;
      while (i > 0 && isBare(header.charCodeAt(i - 1))) i--;
      if (i === nameEnd) return { elements: elements.reverse(), malformed: true };
      const name = header.slice(i, nameEnd).toLowerCase();
      // RFC 7239 §4: a parameter must not occur more than once per element.
      if (pairs.has(name)) return { elements: elements.reverse(), malformed: true };
      pairs.set(name, value);
      while (i > 0 && isSpace(header.charCodeAt(i - 1))) i--;
      if (i === 0) {
        elements.push(pairs);
        return { elements: elements.reverse(), malformed: false };
      }
      const sep = header.charCodeAt(i - 1);
      i--;
      if (sep === 59 /* ; */) continue;
      if (sep === 44 /* , */) break;
      return { elements: elements.reverse(), malformed: true };
    }
    elements.push(pairs);
    // Empty list members (", ,") are allowed by the list syntax.
    while (i > 0 && (isSpace(header.charCodeAt(i - 1)) || header.charCodeAt(i - 1) === 44)) i--;
    if (i === 0) return { elements: elements.reverse(), malformed: false };
  }
  return { elements: elements.reverse(), malformed: true };
}

function backslashesBefore(text: string, at: number): number {
  let n = 0;
  while (at - 1 - n >= 0 && text.charCodeAt(at - 1 - n) === 92) n++;
  return n;
}

/** The text of a quoted-string's content: `\x` stands for `x`; undefined when a lone quote or a trailing backslash remains. */
function quotedText(content: string): string | undefined {
  if (content.indexOf('\\') === -1) return content.indexOf('"') === -1 ? content : undefined;
  let out = '';
  for (let j = 0; j < content.length; j++) {
    const c = content.charCodeAt(j);
    if (c === 92) {
      if (j + 1 >= content.length) return undefined;
      out += content[++j];
    } else if (c === 34) {
      return undefined;
    } else {
      out += content[j];
    }
  }
  return out;
}
