import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { writtenValues } from './node-head-args.ts';

/**
 * A response head as one flat `[name, value, name, value, …]` list: the shape node's
 * `writeHead(status, list)` writes without building its per-header map (the fast path a
 * hand-written server uses). Names keep the case they were given and compare
 * case-insensitively; values are what node accepts (string, number or string[]).
 */
export type HeadList = unknown[];

type HeaderValue = string | number | readonly string[];

/**
 * Case-insensitive header name equality, cheap when lengths differ (the usual case). Names
 * of equal length (X-Frame-Options and Referrer-Policy) are compared in place, ASCII letters
 * folded, with no lower-cased copies: header names are tokens, so nothing else folds.
 */
export function sameName(a: unknown, b: string): boolean {
  // `a` comes from a handler's header list, which may hold a non-string that node rejects later.
  if (typeof a !== 'string' || a.length !== b.length) return false;
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const folded = x | 0x20;
    if (folded !== (y | 0x20) || folded < 0x61 /* a */ || folded > 0x7a /* z */) return false;
  }
  return true;
}

/** Index of the first entry named `name` at or after `from`, or -1. */
export function findHeader(list: HeadList, name: string, from = 0): number {
  for (let i = from; i < list.length; i += 2) if (sameName(list[i], name)) return i;
  return -1;
}

/** The value of `name` in the list as one string (repeated entries joined), or undefined. */
export function listValue(list: HeadList, name: string): string | undefined {
  let found: string | undefined;
  for (let i = findHeader(list, name); i !== -1; i = findHeader(list, name, i + 2)) {
    const v = list[i + 1] as HeaderValue;
    const text = Array.isArray(v) ? v.join(', ') : String(v);
    found = found === undefined ? text : `${found}, ${text}`;
  }
  return found;
}

/** Replace every entry named `name` with one `name: value` (appended when absent). */
export function setInList(list: HeadList, name: string, value: unknown): void {
  const i = findHeader(list, name);
  if (i === -1) {
    list.push(name, value);
    return;
  }
  list[i + 1] = value;
  removeFromList(list, name, i + 2);
}

/** Add `name: value` to the list: another Set-Cookie line, the token union (Vary) for any other name already there. */
export function appendInList(list: HeadList, name: string, value: string): void {
  const i = isSetCookie(name) ? -1 : findHeader(list, name);
  if (i === -1) list.push(name, value);
  else list[i + 1] = tokenUnion(list[i + 1], value);
}

/** A header of node's own map as one string (repeated values joined), or undefined. */
export function headerText(res: ServerResponse, name: string): string | undefined {
  const value = res.getHeader(name);
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
}

/** Remove entries named `name` at or after `from`; returns how many were removed. */
export function removeFromList(list: HeadList, name: string, from = 0, to = list.length): number {
  let removed = 0;
  for (let i = from; i < to - removed * 2; ) {
    if (sameName(list[i], name)) {
      list.splice(i, 2);
      removed++;
    } else i += 2;
  }
  return removed;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** True when a comma-separated header already lists `token` (case-insensitive), or is `*`. */
export function hasToken(list: string, token: string): boolean {
  const wanted = token.trim();
  const n = wanted.length;
  for (let from = 0; from <= list.length; ) {
    let end = list.indexOf(',', from);
    if (end === -1) end = list.length;
    let a = from;
    let b = end;
    while (a < b && isBlank(list.charCodeAt(a))) a++;
    while (b > a && isBlank(list.charCodeAt(b - 1))) b--;
    if (b - a === 1 && list.charCodeAt(a) === 42 /* * */) return true;
    if (b - a === n && n > 0) {
      const part = list.slice(a, b);
      if (part === wanted || part.toLowerCase() === wanted.toLowerCase()) return true;
    }
    from = end + 1;
  }
  return false;
}

/** The union of two comma-separated token lists (Vary): every token of both, once; `*` absorbs the rest. */
export function tokenUnion(current: unknown, added: unknown): string {
  const a = Array.isArray(current) ? current.join(', ') : String(current);
  const b = Array.isArray(added) ? added.join(', ') : String(added);
  if (a.trim() === '*' || b.trim() === '*') return '*';
  if (a.trim() === '') return b;
  let out = a;
  if (b.indexOf(',') === -1) return b.trim() === '' || hasToken(out, b) ? out : `${out}, ${b.trim()}`;
  for (const token of b.split(',')) {
    const t = token.trim();
    if (t !== '' && !hasToken(out, t)) out = `${out}, ${t}`;
  }
  return out;
}

export function isVary(name: string): boolean {
  return name.length === 4 && name.toLowerCase() === 'vary';
}

export function isSetCookie(name: string): boolean {
  return name.length === 10 && name.toLowerCase() === 'set-cookie';
}

/**
 * Merge rampart's pending headers with what the handler wrote, into the list to hand
 * to node's `writeHead`. The handler wins for a header both set, except `Vary` (the
 * token union, so a handler's `Vary: Cookie` cannot drop rampart's `Origin`) and
 * `Set-Cookie` (both kept). Headers the handler set with `setHeader` stay in node's map;
 * rampart's entries of the same name are folded into it the same way.
 *
 * `pending` is consumed (it becomes the result). `written` is the handler's
 * `writeHead` headers argument, in any form node accepts.
 */
export function mergeHead(res: ServerResponse, pending: HeadList, written: unknown): HeadList {
  const list = pending;
  let ours = list.length; // entries before this index are rampart's
  if (ours > 0) {
    const names = res.getHeaderNames();
    for (let n = 0; n < names.length && ours > 0; n++) {
      const name = names[n]!;
      const i = findHeader(list, name);
      if (i === -1 || i >= ours) continue;
      if (isSetCookie(name)) {
        // A Set-Cookie in the written head replaces node's map (node's rule): rampart's lines stay in the list then.
        if (writesCookie(written)) continue;
        for (let j = i; j !== -1 && j < ours; j = findHeader(list, name, j)) {
          res.appendHeader(name, list[j + 1] as string);
          list.splice(j, 2);
          ours -= 2;
        }
        continue;
      }
      if (isVary(name)) {
        // The union moves into the list, so a Vary the handler passes to writeHead joins it too.
        list[i + 1] = tokenUnion(list[i + 1], res.getHeader(name));
        res.removeHeader(name);
        continue;
      }
      ours -= 2 * removeFromList(list, name, 0, ours);
    }
  }
  if (written === undefined || written === null) return list;
  if (Array.isArray(written)) {
    if (Array.isArray(written[0])) {
      for (const entry of written as Array<[string, HeaderValue]>) ours = mergeOne(list, ours, entry[0], entry[1]);
    } else for (let i = 0; i < written.length; i += 2) ours = mergeOne(list, ours, written[i] as string, written[i + 1] as HeaderValue);
    return list;
  }
  const h = written as OutgoingHttpHeaders;
  for (const name in h) ours = mergeOne(list, ours, name, h[name] as HeaderValue);
  return list;
}

/** True when a writeHead headers argument (object, flat or nested list) names Set-Cookie. */
function writesCookie(written: unknown): boolean {
  return written !== undefined && written !== null && typeof written === 'object' && writtenValues(written, isSetCookie) !== undefined;
}

function mergeOne(list: HeadList, ours: number, name: string, value: HeaderValue): number {
  if (typeof name !== 'string' || name === '') {
    list.push(name, value); // let node reject it exactly as it would without rampart
    return ours;
  }
  const i = findHeader(list, name);
  if (i !== -1 && i < ours) {
    if (isSetCookie(name)) {
      list.push(name, value);
      return ours;
    }
    if (isVary(name)) {
      list[i + 1] = tokenUnion(list[i + 1], value);
      return ours;
    }
    ours -= 2 * removeFromList(list, name, 0, ours);
  }
  list.push(name, value);
  return ours;
}
