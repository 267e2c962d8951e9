/**
 * W011: does a `cors.origins` RegExp accept origins an attacker can own? Origins have a
 * fixed shape (`scheme://host[:port]`, no path, no user info), so a pattern is safe when
 * every string it matches is `scheme://<something>.<a registrable domain you chose>[:port]`
 * or an exact origin: anchored at both ends, and whatever varies in the host sits in front
 * of a fixed, escaped suffix that is not a public suffix (`.example.com`, not `.com`).
 */
import { isPublicSuffix } from '../core/public-suffix.ts';

// One position of a linearised pattern: a fixed character, a part that varies (digits only
// or anything), or an anchor.
type Element = { kind: 'lit'; ch: string } | { kind: 'var'; digits: boolean } | { kind: 'start' } | { kind: 'end' };
type Variants = Element[][];

const MAX_VARIANTS = 512;

class TooComplex extends Error {}

const ANY: Element = { kind: 'var', digits: false };
const DIGITS: Element = { kind: 'var', digits: true };

function product(left: Variants, right: Variants): Variants {
  if (left.length * right.length > MAX_VARIANTS) throw new TooComplex();
  return left.flatMap((a) => right.map((b) => [...a, ...b]));
}

/** A linear reader over the pattern source (the subset of RegExp syntax origin patterns use). */
class Reader {
  i = 0;
  readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  /** Alternatives until `)` or the end. */
  alternation(): Variants {
    const out: Variants = [];
    let branch: Variants = [[]];
    while (this.i < this.src.length && this.src[this.i] !== ')') {
      if (this.src[this.i] === '|') {
        this.i++;
        out.push(...branch);
        branch = [[]];
        continue;
      }
      branch = product(branch, this.quantified(this.atom()));
    }
    out.push(...branch);
    if (out.length > MAX_VARIANTS) throw new TooComplex();
    return out;
  }

  private atom(): Variants {
    const c = this.src[this.i++]!;
    if (c === '^') return [[{ kind: 'start' }]];
    if (c === '$') return [[{ kind: 'end' }]];
    if (c === '.') return [[ANY]];
    if (c === '[') return [[this.characterClass()]];
    if (c === '\\') return [[this.escape()]];
    if (c === '(') {
      let lookaround = false;
      if (this.src[this.i] === '?') {
        const head = this.src.slice(this.i, this.i + 3);
        if (head.startsWith('?:')) this.i += 2;
        else if (head.startsWith('?=') || head.startsWith('?!') || head === '?<=' || head === '?<!') {
          lookaround = true;
          this.i += head.startsWith('?<') ? 3 : 2;
        } else if (head.startsWith('?<')) this.i = this.src.indexOf('>', this.i) + 1;
        else throw new TooComplex();
      }
      const inner = this.alternation();
      if (this.src[this.i++] !== ')') throw new TooComplex();
      // A lookaround only narrows what matches; judging without it is conservative.
      return lookaround ? [[]] : inner;
    }
    return [[{ kind: 'lit', ch: c }]];
  }

  private escape(): Element {
    const c = this.src[this.i++] ?? '';
    if (c === 'd') return DIGITS;
    if (/^[0-9A-Za-z]$/.test(c)) {
      const hex = c === 'x' ? /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i)) : c === 'u' ? /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i)) : null;
      if (hex !== null) {
        this.i += hex[0].length;
        return { kind: 'lit', ch: String.fromCharCode(Number.parseInt(hex[0], 16)) };
      }
      return ANY; // \w, \s, \S, \p{…}, back references …: not a fixed character
    }
    return { kind: 'lit', ch: c };
  }

  private characterClass(): Element {
    const start = this.i;
    if (this.src[this.i] === '^') this.i++;
    if (this.src[this.i] === ']') this.i++;
    while (this.i < this.src.length && this.src[this.i] !== ']') this.i += this.src[this.i] === '\\' ? 2 : 1;
    const body = this.src.slice(start, this.i);
    this.i++;
    return /^(?:\\d|[0-9](?:-[0-9])?)+$/.test(body) ? DIGITS : ANY;
  }

  private quantified(atom: Variants): Variants {
    const rest = this.src.slice(this.i);
    const q = /^(?:[?*+]|\{(\d+)(,(\d*))?\})\??/.exec(rest);
    if (q === null) return atom;
    this.i += q[0].length;
    const [token] = q[0];
    const min = token === '{' ? Number(q[1]) : token === '+' ? 1 : 0;
    const max = token === '{' ? (q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3])) : token === '?' ? 1 : Infinity;
    if (max <= 1) return max === 0 ? [[]] : min === 0 ? [[], ...atom] : atom;
    if (max <= 4 && atom.every((v) => v.every((e) => e.kind === 'lit'))) {
      // Fixed repetitions of fixed text (`(ab){2}`) stay fixed text.
      let out: Variants = min === 0 ? [[]] : [];
      for (let n = Math.max(min, 1); n <= max; n++) {
        let run: Variants = [[]];
        for (let k = 0; k < n; k++) run = product(run, atom);
        out = [...out, ...run];
      }
      return out;
    }
    // A repeated part varies (digits-only when every alternative is), but fixed text that
    // starts or ends every alternative still starts or ends the run: ([a-z]+\.)* ends in '.'.
    const digits = atom.every((v) => v.every(isDigits));
    const varies = atom.every((v) => v.some((e) => e.kind === 'var'));
    const run = varies ? [...commonEdge(atom, 'start'), digits ? DIGITS : ANY, ...commonEdge(atom, 'end')] : [digits ? DIGITS : ANY];
    return min === 0 ? [[], run] : [run];
  }
}

/** The fixed characters every alternative starts (or ends) with. */
function commonEdge(alternatives: Variants, edge: 'start' | 'end'): Element[] {
  const runs = alternatives.map((v) => {
    const ordered = edge === 'start' ? v : [...v].reverse();
    const stop = ordered.findIndex((e) => e.kind !== 'lit');
    return (stop === -1 ? ordered : ordered.slice(0, stop)).map((e) => (e as { ch: string }).ch);
  });
  const common: string[] = [];
  for (let i = 0; runs.every((r) => i < r.length && r[i] === runs[0]![i]); i++) common.push(runs[0]![i]!);
  const chars = edge === 'start' ? common : common.reverse();
  return chars.map((ch) => ({ kind: 'lit', ch }));
}

function isDigits(e: Element): boolean {
  return e.kind === 'var' ? e.digits : e.kind === 'lit' && e.ch >= '0' && e.ch <= '9';
}

function literal(elements: readonly Element[]): string {
  return elements.map((e) => (e.kind === 'lit' ? e.ch : '')).join('');
}

/** Why one alternative of the pattern accepts foreign origins, or undefined when it cannot. */
function judgeVariant(variant: readonly Element[]): string | undefined {
  if (variant[0]?.kind !== 'start' || variant.at(-1)?.kind !== 'end') return 'it is not anchored with ^…$ (a look-alike origin that contains yours matches)';
  const body = variant.slice(1, -1).filter((e) => e.kind === 'lit' || e.kind === 'var');
  let hostStart = 0;
  for (let i = 0; i + 2 < body.length; i++) {
    if (literal(body.slice(i, i + 3)) === '://' && body.slice(i, i + 3).every((e) => e.kind === 'lit')) {
      hostStart = i + 3;
      break;
    }
  }
  // A trailing :<digits> is the port.
  let end = body.length;
  while (end > hostStart && isDigits(body[end - 1]!)) end--;
  const colon = body[end - 1];
  if (end < body.length && colon?.kind === 'lit' && colon.ch === ':') end--;
  else end = body.length;
  const host = body.slice(hostStart, end);
  const lastVariable = host.findLastIndex((e) => e.kind === 'var');
  if (lastVariable === -1) return undefined;
  const suffix = literal(host.slice(lastVariable + 1));
  const domain = suffix.slice(1).toLowerCase();
  if (suffix === '') return "the host ends in a pattern part (an unescaped '.', .*, .+ or a class such as [^/]*), so any domain matches (yours.evil.com)";
  if (!suffix.startsWith('.'))
    return `what varies in the host is glued to ${JSON.stringify(suffix)} without an escaped dot (an unescaped '.' matches any character; [a-z]+example\\.com matches evilexample.com)`;
  if (!domain.includes('.') || isPublicSuffix(domain))
    return `the fixed host suffix ${JSON.stringify(suffix)} is a public suffix: anyone can register a domain there`;
  return undefined;
}

/**
 * Why `re`, used as `cors.origins`, accepts origins the app does not own (a sentence for the
 * W011 message), or undefined when every origin it matches is one of yours.
 *
 * @example
 * broadOriginRegExp(/^https:\/\/[a-z0-9.-]+\.example\.com$/); // undefined
 * broadOriginRegExp(/^https:\/\/app\.example\.com/);          // 'it is not anchored …'
 */
export function broadOriginRegExp(re: RegExp): string | undefined {
  let variants: Variants;
  try {
    const reader = new Reader(re.source);
    variants = reader.alternation();
    if (reader.i < re.source.length) throw new TooComplex();
  } catch (err) {
    if (err instanceof TooComplex) return 'it is too complex to judge (list the origins, or use one anchored pattern per domain)';
    throw err;
  }
  for (const variant of variants) {
    const reason = judgeVariant(variant);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
