import type { RequestView } from '../core/types.ts';
import { isSensitivePath } from './rules.ts';

/** Rounds of percent-decoding for detection (`%25252e` is three). */
const DECODE_ROUNDS = 4;
/** Raw paths that the canonical path may not show as a scanner meant them. */
const NEEDS_VIEW = /[%;~:\\#\s\x00-\x1f\x7f-\uffff]|\.(?:\/|$)/;
const PERCENT = /%([0-9a-fA-F]{2})/g;
const TAIL_CHAR = /[.~\s\x00-\x1f]/;
const SEGMENT_HEAD = /^[\s\x00-\x1f]+/;

/**
 * What servers drop from the end of a (lower-cased) segment: Windows trailing dots and spaces,
 * editor backups (`~`), control characters and NTFS streams (`:$data`, `::$data`). A backwards
 * loop, linear in the segment (the equivalent RegExp is quadratic).
 */
function trimSegmentTail(segment: string): string {
  let end = segment.length;
  for (;;) {
    while (end > 0 && TAIL_CHAR.test(segment[end - 1]!)) end--;
    let name = end;
    while (name > 0 && /[a-z_]/.test(segment[name - 1]!)) name--;
    if (name < 2 || segment[name - 1] !== '$' || segment[name - 2] !== ':') break;
    end = segment[name - 3] === ':' ? name - 3 : name - 2;
  }
  return segment.slice(0, end);
}

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // malformed escapes or invalid UTF-8: decode each byte on its own (enough to see ASCII names)
    const bytes = text.replace(PERCENT, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    // overlong UTF-8 forms of '.' and '/' (old IIS and Tomcat decoded them)
    return bytes.replace(/\xc0\xae|\xe0\x80\xae/g, '.').replace(/\xc0\xaf|\xe0\x80\xaf/g, '/');
  }
}

/**
 * The path as a server might end up reading it, for detection only (never for decisions):
 * the fragment cut, percent-decoding repeated (up to 4 rounds), `\` read as `/`, Unicode
 * compatibility forms and ideographic full stops folded (`．`, `。` → `.`), overlong UTF-8 dots, path parameters (`;…`) dropped, trailing dots,
 * spaces, control characters, `~` and NTFS streams (`::$DATA`) trimmed from each segment,
 * empty, `.` and `..` segments dropped, lower-cased.
 */
export function detectionView(raw: string): string {
  let text = raw;
  const hash = text.indexOf('#');
  if (hash !== -1) text = text.slice(0, hash);
  for (let round = 0; round < DECODE_ROUNDS && text.includes('%'); round++) {
    const next = decodeOnce(text);
    if (next === text) break;
    text = next;
  }
  if (/[^\x00-\x7f]/.test(text)) text = text.normalize('NFKC').replace(/[\u3002\uff61]/g, '.');
  const segments: string[] = [];
  for (let segment of text.toLowerCase().split(/[/\\]/)) {
    const semicolon = segment.indexOf(';');
    if (semicolon !== -1) segment = segment.slice(0, semicolon);
    segment = trimSegmentTail(segment).replace(SEGMENT_HEAD, '');
    if (segment !== '') segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * True when the raw request path names a sensitive path ({@link isSensitivePath}) once read
 * as {@link detectionView}: `/.env;x`, `/.env%20`, `/.env.`, `/%252eenv`, `/.env::$DATA` and
 * `/.git%2fconfig` all name `/.env` or `/.git`; `/.environment` and `/envelope` do not.
 */
export function isSensitiveTarget(raw: string, prefixes: readonly string[]): boolean {
  return isSensitivePath(detectionView(raw), prefixes);
}

/**
 * The monitor's check for one request: the canonical path first (the common case, no extra
 * work), then the raw path read as {@link detectionView} when it holds anything the canonical
 * path could hide, or when the stack refuses the target (canonical path '').
 */
export function isSensitiveRequest(req: RequestView, prefixes: readonly string[]): boolean {
  const canonical = req.canonicalPath;
  if (canonical !== '' && isSensitivePath(canonical, prefixes)) return true;
  return (canonical === '' || NEEDS_VIEW.test(req.path)) && isSensitiveTarget(req.path, prefixes);
}
