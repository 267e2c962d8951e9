/**
 * Just enough HTML reading for the grader: the `<script>` elements of a page (for SRI) and its
 * `<meta http-equiv="content-security-policy">` / `<meta name="referrer">` policies. A linear
 * tag scanner, not a DOM: it skips comments and the raw-text content of script, style,
 * textarea, title and friends, so a tag inside a string or comment is not counted.
 * @module
 */

/** A `<script>` start tag: its attributes as written (`src` and `integrity` are what SRI reads). */
export interface ScriptTag {
  readonly src: string | undefined;
  readonly integrity: string | undefined;
}

/** What the grader reads from a page. */
export interface PageFacts {
  readonly scripts: readonly ScriptTag[];
  /** `content` of every `<meta http-equiv="content-security-policy">`, in document order. */
  readonly metaCsp: readonly string[];
  /** `content` of the last `<meta name="referrer">`, if any. */
  readonly metaReferrer: string | undefined;
}

/** Elements whose content is text up to their end tag (no tags inside). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode the character references an attribute value commonly holds. */
function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/** Parse the attributes of a start tag from `html[i]` (just after the tag name) to its `>`. */
function readAttributes(html: string, start: number): { attributes: Map<string, string>; end: number } {
  const attributes = new Map<string, string>();
  let i = start;
  const n = html.length;
  while (i < n) {
    while (i < n && (isSpace(html[i]) || html[i] === '/')) i++;
    if (i >= n || html[i] === '>') break;
    let nameEnd = i;
    while (nameEnd < n && !isSpace(html[nameEnd]) && html[nameEnd] !== '=' && html[nameEnd] !== '>' && (html[nameEnd] !== '/' || nameEnd === i)) nameEnd++;
    const name = html.slice(i, nameEnd).toLowerCase();
    i = nameEnd;
    while (i < n && isSpace(html[i])) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < n && isSpace(html[i])) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        const stop = close === -1 ? n : close;
        value = html.slice(i + 1, stop);
        i = stop + 1;
      } else {
        let stop = i;
        while (stop < n && !isSpace(html[stop]) && html[stop] !== '>') stop++;
        value = html.slice(i, stop);
        i = stop;
      }
    }
    // The first occurrence of an attribute wins, as in an HTML parser.
    if (name !== '' && !attributes.has(name)) attributes.set(name, decodeEntities(value));
  }
  return { attributes, end: Math.min(i + 1, n) };
}

/** Read the scripts and meta policies of an HTML document. */
export function readPage(html: string): PageFacts {
  const scripts: ScriptTag[] = [];
  const metaCsp: string[] = [];
  let metaReferrer: string | undefined;
  const lower = html.toLowerCase();
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close === -1 ? n : close + 3;
      continue;
    }
    const first = html[lt + 1] ?? '';
    if (first === '!' || first === '?' || first === '/') {
      const close = html.indexOf('>', lt + 1);
      i = close === -1 ? n : close + 1;
      continue;
    }
    if (!/[a-z]/i.test(first)) {
      i = lt + 1;
      continue;
    }
    let nameEnd = lt + 1;
    while (nameEnd < n && !isSpace(html[nameEnd]) && html[nameEnd] !== '>' && html[nameEnd] !== '/') nameEnd++;
    const tag = lower.slice(lt + 1, nameEnd);
    const { attributes, end } = readAttributes(html, nameEnd);
    i = end;
    if (tag === 'script') {
      scripts.push({ src: attributes.get('src'), integrity: attributes.get('integrity') });
    } else if (tag === 'meta') {
      const equiv = attributes.get('http-equiv');
      const content = attributes.get('content');
      if (equiv !== undefined && content !== undefined) {
        if (content !== '' && equiv.trim().toLowerCase() === 'content-security-policy') metaCsp.push(content);
      } else if (attributes.get('name')?.trim().toLowerCase() === 'referrer' && content !== undefined && content !== '') {
        metaReferrer = content;
      }
    }
    if (RAW_TEXT.has(tag)) {
      if (tag === 'plaintext') break;
      const close = lower.indexOf(`</${tag}`, i);
      i = close === -1 ? n : close;
    }
  }
  return { scripts, metaCsp, metaReferrer };
}
