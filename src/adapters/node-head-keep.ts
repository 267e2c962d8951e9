import type { ServerResponse } from 'node:http';
import { isSetCookie, isVary, tokenUnion } from './node-head-list.ts';
import { replaceWrittenHeader, writtenValues } from './node-head-args.ts';

type WriteHead = (status: number, reason?: unknown, headers?: unknown) => ServerResponse;

/**
 * How one of rampart's headers survives the app's head: `ours` is what rampart put on the
 * response. The app may replace the header in node's map (`setHeader`, `removeHeader`) or
 * name it in its `writeHead` argument, which then replaces node's map entry (node's rule).
 */
interface KeepRule<T> {
  /** The header's name as node keys it (lower case). */
  readonly key: string;
  matches(name: string): boolean;
  /** The argument names the header with `given` (every entry's value): the value to write instead, or undefined when `given` already holds ours. */
  merged(res: ServerResponse, ours: T, given: readonly unknown[]): unknown;
  /** The argument does not name it: complete node's own map in place. */
  completeMap(res: ServerResponse, ours: T): void;
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function lines(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Vary: the written value is the token union of the app's and rampart's (node's map joins in when the argument replaces it). */
const VARY: KeepRule<string> = {
  key: 'vary',
  matches: isVary,
  merged(res, ours, given) {
    const written = given.length === 1 ? text(given[0]) : given.map(text).join(', ');
    const mine = res.getHeader('vary');
    const union = tokenUnion(written, mine === undefined ? ours : tokenUnion(mine, ours));
    return union === written ? undefined : union;
  },
  completeMap(res, ours) {
    const current = res.getHeader('vary');
    if (current === ours) return;
    if (current === undefined) res.setHeader('vary', ours);
    else {
      const union = tokenUnion(current, ours);
      if (union !== current) res.setHeader('vary', union);
    }
  },
};

/** Set-Cookie: rampart's lines the app's head lacks are added before the app's own, each line once. */
const SET_COOKIE: KeepRule<readonly string[]> = {
  key: 'set-cookie',
  matches: isSetCookie,
  merged(_res, ours, given) {
    const written: string[] = [];
    for (const value of given) written.push(...lines(value));
    const missing = ours.filter((line) => !written.includes(line));
    return missing.length === 0 ? undefined : [...missing, ...written];
  },
  completeMap(res, ours) {
    const current = res.getHeader('set-cookie');
    const written = current === undefined ? [] : lines(current);
    const missing = ours.filter((line) => !written.includes(line));
    if (missing.length > 0) res.setHeader('set-cookie', [...missing, ...written]);
  },
};

/** `headers` (a writeHead argument), or a copy carrying `ours` by `rule`; node's own map is completed in place when the argument does not name the header. */
function keepIn<T>(res: ServerResponse, headers: unknown, rule: KeepRule<T>, ours: T): unknown {
  if (headers !== undefined && headers !== null && typeof headers === 'object') {
    // Fastify's head is its header object, where rampart's value usually sits untouched.
    if ((headers as Record<string, unknown>)[rule.key] === ours) return headers;
    const given = writtenValues(headers, rule.matches);
    if (given !== undefined) {
      const value = rule.merged(res, ours, given);
      return value === undefined ? headers : replaceWrittenHeader(headers, rule.matches, value);
    }
  }
  rule.completeMap(res, ours);
  return headers;
}

const KEPT = Symbol('rampart.kept');

/** What rampart keeps on one response; the wrapper itself is one shared function. */
class KeptHeaders {
  readonly writeHead: WriteHead;
  /** rampart's Vary tokens, exactly the string rampart put on the response (compared by identity first). */
  vary: string | undefined = undefined;
  /** The Set-Cookie lines rampart put on the response (session `sid`, `csrf_token`, …). */
  cookies: string[] | undefined = undefined;

  constructor(writeHead: WriteHead) {
    this.writeHead = writeHead;
  }
}

type Kept = ServerResponse & { [KEPT]?: KeptHeaders };

/** The response's kept headers, with the writeHead wrapper installed on first use. */
function kept(res: ServerResponse): KeptHeaders {
  let state = (res as Kept)[KEPT];
  if (state === undefined) {
    state = new KeptHeaders(res.writeHead as WriteHead);
    (res as Kept)[KEPT] = state;
    res.writeHead = keptWriteHead as ServerResponse['writeHead'];
  }
  return state;
}

/**
 * Make sure rampart's Vary tokens (`vary`, already on the response or on Fastify's reply)
 * reach the head even when the handler replaces Vary (`res.setHeader('Vary', …)`,
 * `reply.header('vary', …)`, `res.writeHead(…, { Vary })`): the written Vary is the token
 * union. For responses with no head hooks, where this is all rampart has left to do at the
 * head; it costs one identity check when nothing replaced rampart's value.
 */
export function keepVary(res: ServerResponse, vary: string): void {
  const state = kept(res);
  state.vary = state.vary === undefined ? vary : tokenUnion(state.vary, vary);
}

/**
 * Make sure a Set-Cookie line rampart put on node's header map (`cookie`) reaches the head
 * even when the app replaces Set-Cookie afterwards: `res.setHeader('set-cookie', …)`,
 * `res.writeHead(…, { 'set-cookie': … })`, Fastify's `reply.header()` / `reply.headers()` /
 * onSend hooks (its head is one `writeHead(status, record)`) or `reply.raw.setHeader()`.
 * The head then carries rampart's lines and the app's, each once. Installed only on a
 * response rampart sets a cookie on; a response without one costs nothing.
 */
export function keepCookie(res: ServerResponse, cookie: string): void {
  const state = kept(res);
  if (state.cookies === undefined) state.cookies = [cookie];
  else state.cookies.push(cookie);
}

// Left in place once called: a head-deferring wrapper below may see writeHead twice (the
// handler's call, then the final one), and each must keep rampart's headers.
function keptWriteHead(this: Kept, status: number, reason?: unknown, headers?: unknown): ServerResponse {
  const state = this[KEPT]!;
  if (this.headersSent) return state.writeHead.call(this, status, reason, headers);
  const withReason = typeof reason === 'string';
  let written = withReason ? headers : (headers ?? reason); // node's own reading of its arguments
  if (state.cookies !== undefined) written = keepIn(this, written, SET_COOKIE, state.cookies);
  if (state.vary !== undefined) written = keepIn(this, written, VARY, state.vary);
  return withReason ? state.writeHead.call(this, status, reason, written) : state.writeHead.call(this, status, written);
}
