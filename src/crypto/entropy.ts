// The entropy estimate behind checkSecret/requireSecret. A value is first scored by the
// smallest usual alphabet that contains it (hex 4 bits a character, base64 6, printable
// ASCII 6.6, bytes 8): what a CSPRNG encoded that way carries. A few descriptions of
// structure then compete with that: a repeated unit, an adaptive model of the characters and
// of the steps between neighbours (skewed or sequential values), and a parse into common
// words, keyboard walks, dates, well-known example values and copies of an earlier stretch.
// Each description is (close to) a prefix code, so a uniformly random value is described t
// bits shorter with probability at most 2^-t: structure is only believed when it saves
// STRUCTURE_MIN_SAVING bits, which keeps random values at the documented minimum length (16
// hex characters = 64 bits) from being refused by chance while hand-made values fall far
// below. Linear in the length.
import { COMMON_WORDS, KEYBOARD_WALKS, WELL_KNOWN_VALUES } from './weak-patterns.ts';

/** Bits a description must save over the alphabet's own score to be believed (chance: ≤ 2^-30). */
const STRUCTURE_MIN_SAVING = 30;

/** What an estimate found, for a message that says why a value is weak. */
export type EntropyPattern = 'common words' | 'a keyboard walk' | 'a date' | 'a well-known example value' | 'repeated parts';

/** The estimate of one value. */
export interface EntropyVerdict {
  /** Estimated bits. */
  bits: number;
  /** Set when the value uses implausibly few distinct symbols for its alphabet: their number. */
  fewSymbols?: number;
  /** The patterns of the parse that explained the value, when one did. */
  patterns: readonly EntropyPattern[];
}

const SORTED_ALPHABETS = {
  hexLower: '0123456789abcdef',
  hexUpper: '0123456789ABCDEF',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lowerDigits: '0123456789abcdefghijklmnopqrstuvwxyz',
  upperDigits: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  alnum: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  base64: '+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  base64url: '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz',
} as const;
type AlphabetName = keyof typeof SORTED_ALPHABETS;

const PRINTABLE = 95;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BYTES = 256;

/**
 * Entropy estimate of a string in bits (see the file comment): the alphabet score, or a
 * shorter description of its structure when that saves enough to rule out chance.
 */
export function estimateEntropyBits(text: string): number {
  return estimateSecret(text).bits;
}

/** The estimate of a string or of raw bytes (bytes that are all printable ASCII are read as text). */
export function estimateSecret(value: string | Uint8Array): EntropyVerdict {
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('latin1');
  // A UUID is scored as its 32 hex digits: the dashes carry nothing.
  if (UUID_SHAPE.test(text)) return estimateSecret(text.replaceAll('-', ''));
  const chars = [...text];
  if (chars.length === 0) return { bits: 0, patterns: [] };
  const period = smallestPeriod(chars);
  if (period < chars.length) return estimateSecret(chars.slice(0, period).join(''));
  const alphabet = alphabetOf(chars, value instanceof Uint8Array);
  const n = alphabet.symbols.length;
  const k = alphabet.size;
  const uniform = n * Math.log2(k);
  let bits = uniform;
  let patterns: readonly EntropyPattern[] = [];
  const modelled = Math.min(adaptiveBits(alphabet.symbols, k), Math.log2(k) + adaptiveBits(steps(alphabet.symbols, k), k));
  if (uniform - modelled >= STRUCTURE_MIN_SAVING) bits = modelled;
  if (alphabet.ascii) {
    const parse = parseBits(chars, Math.log2(k));
    if (uniform - parse.bits >= STRUCTURE_MIN_SAVING && parse.bits < bits) {
      bits = parse.bits;
      patterns = parse.patterns;
    }
  }
  const distinct = new Set(alphabet.symbols).size;
  // How likely a uniformly random value of this alphabet uses this few symbols (union bound).
  const log2Chance = log2Choose(k, distinct) + n * Math.log2(distinct / k);
  if (log2Chance < -STRUCTURE_MIN_SAVING) {
    return { bits: Math.min(bits, n * Math.log2(distinct)), fewSymbols: distinct, patterns };
  }
  return { bits, patterns };
}

interface Alphabet {
  size: number;
  /** Each character's index in the sorted alphabet. */
  symbols: number[];
  /** Printable ASCII, where the word and date parse applies. */
  ascii: boolean;
}

function alphabetOf(chars: readonly string[], fromBytes: boolean): Alphabet {
  let digit = false;
  let hexLower = false;
  let hexUpper = false;
  let lower = false;
  let upper = false;
  let b64 = false;
  let b64url = false;
  let other = false;
  let ascii = true;
  for (const c of chars) {
    const code = c.codePointAt(0) ?? 0;
    if (code >= 48 && code <= 57) digit = true;
    else if (code >= 97 && code <= 102) hexLower = true;
    else if (code >= 103 && code <= 122) lower = true;
    else if (code >= 65 && code <= 70) hexUpper = true;
    else if (code >= 71 && code <= 90) upper = true;
    else if (c === '+' || c === '/') b64 = true;
    else if (c === '-' || c === '_') b64url = true;
    else if (code >= 32 && code < 127) other = true;
    else ascii = false;
  }
  if (!ascii) {
    const size = fromBytes ? BYTES : PRINTABLE;
    return { size, symbols: chars.map((c) => (c.codePointAt(0) ?? 0) % size), ascii: false };
  }
  const isLower = hexLower || lower;
  const isUpper = hexUpper || upper;
  let name: AlphabetName | undefined;
  if (!other && !b64 && !b64url) {
    // Digits alone are scored as hex: a hex encoding that happens to hold no letter is common.
    if (!lower && !isUpper) name = 'hexLower';
    else if (!upper && !isLower) name = 'hexUpper';
    else if (!isUpper) name = digit ? 'lowerDigits' : 'lower';
    else if (!isLower) name = digit ? 'upperDigits' : 'upper';
    else name = digit ? 'alnum' : 'letters';
  } else if (!other && b64 && !b64url) name = 'base64';
  else if (!other && b64url && !b64) name = 'base64url';
  if (name === undefined) {
    return { size: PRINTABLE, symbols: chars.map((c) => (c.codePointAt(0) ?? 32) - 32), ascii: true };
  }
  const sorted = SORTED_ALPHABETS[name];
  return { size: sorted.length, symbols: chars.map((c) => sorted.indexOf(c)), ascii: true };
}

/** Cost in bits of coding `symbols` with an adaptive order-0 model (PPM escape method C, a novel symbol uniform among the unseen). */
function adaptiveBits(symbols: readonly number[], k: number): number {
  const counts = new Map<number, number>();
  let seen = 0;
  let bits = 0;
  for (const [i, s] of symbols.entries()) {
    const count = counts.get(s);
    if (count !== undefined) {
      bits += Math.log2((i + counts.size) / count);
      counts.set(s, count + 1);
    } else {
      if (i > 0) bits += Math.log2((i + counts.size) / counts.size);
      bits += Math.log2(k - seen);
      seen++;
      counts.set(s, 1);
    }
  }
  return bits;
}

/** Differences between neighbouring symbols, modulo the alphabet size ("abcd" and "aabb" are cheap). */
function steps(symbols: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < symbols.length; i++) out.push(((((symbols[i] ?? 0) - (symbols[i - 1] ?? 0)) % k) + k) % k);
  return out;
}

function log2Choose(k: number, d: number): number {
  let bits = 0;
  for (let i = 0; i < d; i++) bits += Math.log2((k - i) / (i + 1));
  return bits;
}

// Token costs of the parse, in bits: which list entry, plus a few bits for the token's kind and case.
const KIND_BITS = 4;
const WORD_BITS = Math.log2(COMMON_WORDS.length) + KIND_BITS;
const KNOWN_BITS = Math.log2(WELL_KNOWN_VALUES.length) + KIND_BITS;
const WALK_BITS = Math.log2(2 * KEYBOARD_WALKS.join('').length) + KIND_BITS;
const YEAR_BITS = Math.log2(200) + KIND_BITS;
const DATE_BITS = Math.log2(200 * 366) + 2 + KIND_BITS;
const TIME_BITS = Math.log2(86_400) + 2 + KIND_BITS;
const DIGIT_BITS = Math.log2(10);
// Bounds that keep the copy search linear: the longest copy and the earlier places tried.
const MAX_COPY = 64;
const MAX_COPY_SOURCES = 4;
const SHORT_COPY = 8;
// A literal character pays a fraction of a bit for not being a token.
const LITERAL_KIND_BITS = 0.1;

const YEAR = /(?:19|20)\d\d/y;
const DATE = /(?:19|20)\d\d([-/.]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|[12]\d|3[01])\2(?:19|20)?\d\d/y;
const TIME = /[T ]?(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?/y;

/** The entries of a list (three characters or more) indexed by their first two characters, for the parse's lookups. */
function byFirstTwo(list: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const entry of list) {
    const key = entry.slice(0, 2);
    const entries = map.get(key);
    if (entries === undefined) map.set(key, [entry]);
    else entries.push(entry);
  }
  return map;
}

interface Lookups {
  readonly words: Map<string, string[]>;
  readonly known: Map<string, string[]>;
  /** Every place a walk goes from one character to the next, by those two characters. */
  readonly walkSteps: Map<string, Array<[walk: string, at: number]>>;
}

// Built by the first estimate, not at import: the main entry loads this module, and the loops
// that build the tables made V8 compile them while `import('rampart')` ran (about 1 MB of RSS).
let lookups: Lookups | undefined;
function parseLookups(): Lookups {
  if (lookups !== undefined) return lookups;
  const walkSteps = new Map<string, Array<[walk: string, at: number]>>();
  for (const walk of [...KEYBOARD_WALKS, ...KEYBOARD_WALKS.map((w) => [...w].reverse().join(''))]) {
    for (let at = 0; at + 1 < walk.length; at++) {
      const step = walk.slice(at, at + 2);
      const places = walkSteps.get(step);
      if (places === undefined) walkSteps.set(step, [[walk, at]]);
      else places.push([walk, at]);
    }
  }
  lookups = {
    words: byFirstTwo(COMMON_WORDS.filter((w) => w.length >= 3)),
    // UUIDs are parsed without their dashes (see estimateSecret).
    known: byFirstTwo(WELL_KNOWN_VALUES.map((v) => (UUID_SHAPE.test(v) ? v.replaceAll('-', '') : v))),
    walkSteps,
  };
  return lookups;
}

/** Bits to say how a token's letters are cased: all lower or upper or Capitalised is cheap, anything else a bit a letter. */
function caseBits(token: string): number {
  const lowered = token.toLowerCase();
  if (token === lowered || token === token.toUpperCase()) return 1;
  if (token[0] === token[0]?.toUpperCase() && token.slice(1) === lowered.slice(1)) return 1;
  return 1 + token.length;
}

interface Parse {
  bits: number;
  patterns: EntropyPattern[];
}

/** The cheapest split of an ASCII value into literal characters, common words, walks, dates and example values. */
function parseBits(chars: readonly string[], literalBits: number): Parse {
  const { words, known: knownValues, walkSteps } = parseLookups();
  const text = chars.join('');
  const lowered = text.toLowerCase();
  const n = text.length;
  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const via: Array<EntropyPattern | undefined> = new Array(n + 1);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  // Where each three-character stretch was seen before (the last few places).
  const seen = new Map<string, number[]>();
  // `cased`: the token's letters pay for their case (computed only when the token could win).
  const relax = (start: number, end: number, cost: number, pattern: EntropyPattern | undefined, cased = false): void => {
    let total = (best[start] ?? 0) + cost;
    if (total >= (best[end] ?? Number.POSITIVE_INFINITY)) return;
    if (cased) total += caseBits(text.slice(start, end));
    if (total < (best[end] ?? Number.POSITIVE_INFINITY)) {
      best[end] = total;
      from[end] = start;
      via[end] = pattern;
    }
  };
  for (let i = 0; i < n; i++) {
    relax(i, i + 1, literalBits + LITERAL_KIND_BITS, undefined);
    const first = lowered[i] ?? '';
    const prefix = lowered.slice(i, i + 2);
    for (const word of words.get(prefix) ?? []) {
      if (lowered.startsWith(word, i)) relax(i, i + word.length, WORD_BITS, 'common words', true);
    }
    for (const known of knownValues.get(prefix) ?? []) {
      if (lowered.startsWith(known, i)) relax(i, i + known.length, KNOWN_BITS, 'a well-known example value', true);
    }
    for (const [walk, at] of walkSteps.get(prefix) ?? []) {
      let length = 2;
      while (i + length < n && lowered[i + length] === walk[at + length]) length++;
      for (let l = 3; l <= length; l++) relax(i, i + l, WALK_BITS + Math.log2(l), 'a keyboard walk', true);
    }
    if (first >= '0' && first <= '9') {
      for (const [pattern, bits] of [
        [YEAR, YEAR_BITS],
        [DATE, DATE_BITS],
      ] as const) {
        pattern.lastIndex = i;
        const match = pattern.exec(text);
        if (match !== null) relax(i, i + match[0].length, bits, 'a date');
      }
    }
    if ((first >= '0' && first <= '2') || first === 't' || first === ' ') {
      TIME.lastIndex = i;
      const match = TIME.exec(text);
      if (match !== null) relax(i, i + match[0].length, TIME_BITS + ((match[1]?.length ?? 1) - 1) * DIGIT_BITS, 'a date');
    }
    // A copy of an earlier stretch ("Summer2024Summer2024!", "abcdefabcdef"): where it starts and how long it is.
    const trigram = lowered.slice(i, i + 3);
    const earlier = trigram.length === 3 ? seen.get(trigram) : undefined;
    for (const start of earlier ?? []) {
      let length = 3;
      while (length < MAX_COPY && i + length < n && lowered[start + length] === lowered[i + length]) length++;
      // The whole copy, and short ones that may let a word or walk take over after them.
      for (let l = 3; l <= length; l = l < SHORT_COPY || l === length ? l + 1 : length)
        relax(i, i + l, KIND_BITS + Math.log2(i) + Math.log2(l), 'repeated parts', true);
    }
    if (earlier === undefined) {
      if (trigram.length === 3) seen.set(trigram, [i]);
    } else if (earlier.push(i) > MAX_COPY_SOURCES) earlier.shift();
  }
  const patterns = new Set<EntropyPattern>();
  for (let end = n; end > 0; end = from[end] ?? 0) {
    const pattern = via[end];
    if (pattern !== undefined) patterns.add(pattern);
  }
  return { bits: best[n] ?? Number.POSITIVE_INFINITY, patterns: [...patterns] };
}

/** Length of the shortest unit whose repetition (possibly cut short) spells `chars` (KMP failure function). */
function smallestPeriod(chars: readonly string[]): number {
  const fail = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = fail[k - 1] ?? 0;
    if (chars[i] === chars[k]) k++;
    fail[i] = k;
  }
  const period = chars.length - (fail[chars.length - 1] ?? 0);
  // Only a unit repeated at least twice counts as repetition.
  return period * 2 <= chars.length ? period : chars.length;
}
