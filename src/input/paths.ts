import type { Stats } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { RampartError } from '../errors.ts';

/** Longest user path accepted (characters, before decoding). */
const MAX_USER_PATH = 4096;
/** Percent-decoding rounds before a still-encoded path is refused (double/triple encoding). */
const MAX_DECODE_ROUNDS = 3;

function refuse(reason: string): never {
  throw new RampartError('ERR_RAMPART_PATH_TRAVERSAL', `safeJoin: ${reason}`);
}

// Fullwidth and other look-alike dots and slashes that NFKC folds into `.` `/` `\`.
const LOOKALIKE = /[\u2024\u2025\u2026\uFE52\uFF0E\u2215\u2044\uFF0F\uFE68\uFF3C\u29F5\u29F8\u29F9]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Decode percent-encoding until the string is stable. Double encoding (`%252e`) is
 * decoded too; invalid UTF-8 sequences (overlong `%c0%ae`, lone `%ff`) are refused
 * rather than passed through.
 */
function decodeFully(input: string): string {
  let current = input;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    if (!current.includes('%')) return current;
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      refuse('the path contains an invalid percent-encoding (overlong or malformed UTF-8)');
    }
    if (next === current) return current;
    current = next;
  }
  refuse(`the path is percent-encoded more than ${MAX_DECODE_ROUNDS} times`);
}

/** Validate the user part and return its segments (no `.`/`..`, no separators inside). */
function userSegments(userPath: unknown): string[] {
  if (typeof userPath !== 'string') refuse('the user path must be a string');
  if (userPath.length > MAX_USER_PATH) refuse(`the user path is longer than ${MAX_USER_PATH} characters`);
  const decoded = decodeFully(userPath);
  if (decoded.includes('\0')) refuse('the path contains a NUL byte');
  if (CONTROL.test(decoded)) refuse('the path contains control characters');
  if (LOOKALIKE.test(decoded)) refuse('the path contains look-alike dot or slash characters');
  const unified = decoded.replaceAll('\\', '/');
  if (unified.startsWith('/')) refuse('absolute paths are not accepted');
  if (/^[a-zA-Z]:/.test(unified)) refuse('drive-letter paths are not accepted');
  const segments: string[] = [];
  for (const segment of unified.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') refuse('`..` segments are not accepted');
    // Windows treats trailing dots and spaces as absent ("..." / ".. " behave like ".."
    // on some stacks); alternate data streams use ':'.
    if (/^\.+\s*$/.test(segment) || /[.\s]$/.test(segment) || segment.includes(':')) {
      refuse(`the segment ${JSON.stringify(segment.slice(0, 40))} is not accepted (trailing dot/space or ':')`);
    }
    segments.push(segment);
  }
  return segments;
}

function resolvedRoot(root: unknown): string {
  if (typeof root !== 'string' || root === '') {
    throw new RampartError('ERR_RAMPART_CONFIG', 'safeJoin: root must be a non-empty directory path.');
  }
  return path.resolve(root);
}

function inside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

/**
 * Join a user-supplied relative path onto `root`, refusing anything that could leave it:
 * `..` segments, absolute and drive-letter paths, backslashes used as separators,
 * percent-encoded (also double-encoded and overlong UTF-8) dots and slashes, NUL bytes,
 * control characters and look-alike Unicode dots/slashes. Returns the absolute path.
 * Symlinks are not followed here: use {@link safeJoinReal} before opening the file when
 * the tree may contain links.
 *
 * @throws RampartError ERR_RAMPART_PATH_TRAVERSAL (status 400) for a refused path.
 * @example
 * const file = safeJoin('/srv/uploads', req.params.name); // '/srv/uploads/a/b.png'
 */
export function safeJoin(root: string, userPath: string): string {
  const base = resolvedRoot(root);
  const joined = path.resolve(base, ...userSegments(userPath));
  if (!inside(base, joined)) refuse('the path resolves outside the root');
  return joined;
}

/** Symbolic links followed while resolving one path before it is refused (Linux's limit is 40). */
const MAX_LINKS = 40;

/**
 * Where `segments`, taken from `start` (a real directory), lead once every symbolic link
 * on the way is followed — also links whose target does not exist yet, since opening or
 * creating the path would follow them too. Every component is looked up (also after one
 * that does not exist: a link target's `..` can climb back to existing directories).
 */
async function resolveLinks(start: string, segments: string[]): Promise<string> {
  let current = start;
  const queue = [...segments];
  let links = 0;
  while (queue.length > 0) {
    const segment = queue.shift()!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      current = path.dirname(current);
      continue;
    }
    const candidate = path.join(current, segment);
    let stats: Stats;
    try {
      stats = await lstat(candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      current = candidate;
      continue;
    }
    if (!stats.isSymbolicLink()) {
      current = candidate;
      continue;
    }
    if (++links > MAX_LINKS) refuse(`more than ${MAX_LINKS} symbolic links (a loop?)`);
    const target = await readlink(candidate);
    if (path.isAbsolute(target)) current = path.parse(target).root;
    // A backslash separates only on Windows; elsewhere it is part of a name.
    queue.unshift(...target.split(path.sep === '\\' ? /[\\/]/ : '/'));
  }
  return current;
}

/**
 * {@link safeJoin}, then follow every symbolic link on the path — including dangling
 * links and links below which the rest of the path does not exist yet — and check that
 * the real location is still inside the real root (the root itself may be a link).
 * Link chains are followed up to 40 links; loops are refused. Returns the real path, the
 * one to open or create. Check right before use: a link swapped in afterwards is not seen.
 *
 * @throws RampartError ERR_RAMPART_PATH_TRAVERSAL when a link (existing target or not) leads outside the root.
 */
export async function safeJoinReal(root: string, userPath: string): Promise<string> {
  const base = resolvedRoot(root);
  const joined = safeJoin(root, userPath);
  const realRoot = await realpath(base);
  const segments = path.relative(base, joined).split(path.sep);
  const real = await resolveLinks(realRoot, segments);
  if (!inside(realRoot, real)) refuse('a symbolic link leads outside the root');
  return real;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

const DOT_OR_SPACE = /[.\s]/;

/**
 * A safe file name from an untrusted one (an upload's filename): keeps the last path
 * component, NFC-normalises, drops control, separator and shell/HTML-special characters,
 * leading dots and trailing dots/spaces, avoids Windows device names, and caps the
 * length at 200 bytes keeping the extension. Returns `fallback` when nothing is left.
 */
export function safeFilename(name: unknown, fallback = 'file'): string {
  if (typeof name !== 'string') return fallback;
  let base = name.slice(0, 1024).normalize('NFC');
  base = base.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  base = base.replace(/[\u0000-\u001f\u007f<>:"|?*;`$&'{}\u202a-\u202e\u2066-\u2069]/g, '_');
  base = base.replace(/^[.\s]+/, '');
  // Trailing dots and spaces: a loop (a `[.\s]+$` regex is quadratic on a long run of them).
  let end = base.length;
  while (end > 0 && DOT_OR_SPACE.test(base[end - 1]!)) end--;
  base = base.slice(0, end);
  if (WINDOWS_RESERVED.test(base)) base = `_${base}`;
  if (Buffer.byteLength(base) > 200) {
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : '';
    let stem = base.slice(0, base.length - ext.length);
    while (Buffer.byteLength(stem + ext) > 200) stem = Array.from(stem).slice(0, -1).join('');
    base = stem + ext;
  }
  return base === '' ? fallback : base;
}
