import type { ServerResponse } from 'node:http';

// node's `setHeader` checks the name (token rule) and the value (no control characters) on
// every call, then stores `[name, value]` in the response's header map under the lower-cased
// name. rampart sets the same ~20 names, mostly with the same values, on every response:
// here each distinct name and value is checked once, by node's own (strict) rules, and
// remembered. Known text is stored the way setHeader stores it; anything else (unknown or
// invalid text, a non-string value, a head already sent, a response without that map such
// as HTTP/2's) goes through setHeader, which validates, throws or accepts as it always did.

/** node's rule for header names (`checkIsHttpToken`). */
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/** node's strict rule for header values (`checkInvalidHeaderChar`). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Bound of each cache: values that change per request (counters) must not grow it without end. */
const CACHE_LIMIT = 1024;

/** Names found valid → their lower-cased form. */
const names = new Map<string, string>();
/** Values found valid. */
const values = new Set<string>();
/** The symbol under which node keeps a response's header map; null when this node has none. */
let mapSymbol: symbol | null | undefined;

type HeaderMap = Record<string, [string, unknown]>;

function findMapSymbol(res: ServerResponse): symbol | null {
  for (const s of Object.getOwnPropertySymbols(res)) {
    if (s.description !== 'kOutHeaders') continue;
    const map = (res as unknown as Record<symbol, unknown>)[s];
    if (map === null || (typeof map === 'object' && Object.getPrototypeOf(map) === null)) return s;
  }
  return null;
}

function lowerName(name: string): string | undefined {
  const known = names.get(name);
  if (known !== undefined || !TOKEN.test(name)) return known;
  if (names.size >= CACHE_LIMIT) names.clear();
  const lower = name.toLowerCase();
  names.set(name, lower);
  return lower;
}

function validValue(value: string): boolean {
  if (values.has(value)) return true;
  if (INVALID_VALUE.test(value)) return false;
  if (values.size >= CACHE_LIMIT) values.clear();
  values.add(value);
  return true;
}

/** `res.setHeader(name, value)` without node validating text it has already accepted. */
export function storeHeader(res: ServerResponse, name: string, value: string): void {
  mapSymbol ??= findMapSymbol(res);
  const map = mapSymbol === null || res.headersSent ? undefined : (res as unknown as Record<symbol, HeaderMap | null | undefined>)[mapSymbol];
  const lower = map === undefined || typeof value !== 'string' ? undefined : lowerName(name);
  if (lower === undefined || !validValue(value)) {
    res.setHeader(name, value);
    return;
  }
  if (map === null) {
    const fresh = Object.create(null) as HeaderMap;
    (res as unknown as Record<symbol, HeaderMap>)[mapSymbol as symbol] = fresh;
    fresh[lower] = [name, value];
  } else (map as HeaderMap)[lower] = [name, value];
}
