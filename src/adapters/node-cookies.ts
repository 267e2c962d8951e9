import type { ServerResponse } from 'node:http';
import { isSetCookie } from './node-head-list.ts';
import { copyWrittenHeaders, DROP, eachWrittenHeader } from './node-head-args.ts';

type WriteHead = (status: number, reason?: unknown, headers?: unknown) => ServerResponse;

const COOKIES = Symbol('rampart.cookies');

/** Per-response state of {@link keepCookie}; the wrapper itself is one shared function. */
class CookieState {
  readonly writeHead: WriteHead;
  /** The Set-Cookie lines rampart put on the response (session `sid`, `csrf_token`, …). */
  readonly cookies: string[];

  constructor(writeHead: WriteHead, cookie: string) {
    this.writeHead = writeHead;
    this.cookies = [cookie];
  }
}

type Kept = ServerResponse & { [COOKIES]?: CookieState };

/**
 * Make sure a Set-Cookie line rampart put on node's header map (`cookie`) reaches the head
 * even when the app replaces Set-Cookie afterwards: `res.setHeader('set-cookie', …)`,
 * `res.writeHead(…, { 'set-cookie': … })`, Fastify's `reply.header()` / `reply.headers()` /
 * onSend hooks (its head is one `writeHead(status, record)`) or `reply.raw.setHeader()`.
 * The head then carries rampart's lines and the app's, each once. Installed only on a
 * response rampart sets a cookie on; a response without one costs nothing.
 */
export function keepCookie(res: ServerResponse, cookie: string): void {
  const state = (res as Kept)[COOKIES];
  if (state !== undefined) {
    state.cookies.push(cookie);
    return;
  }
  (res as Kept)[COOKIES] = new CookieState(res.writeHead as WriteHead, cookie);
  res.writeHead = cookieWriteHead as ServerResponse['writeHead'];
}

// Left in place once called (unlike keepVary's): a head-deferring wrapper below may see
// writeHead twice (the handler's call, then the final one), and each must keep the cookies.
function cookieWriteHead(this: Kept, status: number, reason?: unknown, headers?: unknown): ServerResponse {
  const state = this[COOKIES]!;
  if (this.headersSent) return state.writeHead.call(this, status, reason, headers);
  if (typeof reason === 'string') return state.writeHead.call(this, status, reason, withCookies(this, state.cookies, headers));
  return state.writeHead.call(this, status, withCookies(this, state.cookies, headers ?? reason));
}

/**
 * `headers` (the writeHead argument) or a copy whose Set-Cookie also carries rampart's
 * lines; without a Set-Cookie there, node's own map is completed in place instead (node
 * writes the map's Set-Cookie unless the argument names one, which then replaces it).
 */
function withCookies(res: ServerResponse, ours: readonly string[], headers: unknown): unknown {
  const given = headers !== undefined && headers !== null && typeof headers === 'object' ? writtenCookies(headers) : undefined;
  if (given === undefined) {
    const current = res.getHeader('set-cookie');
    const lines = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
    const missing = ours.filter((line) => !lines.includes(line));
    if (missing.length > 0) res.setHeader('set-cookie', [...missing, ...lines]);
    return headers;
  }
  const missing = ours.filter((line) => !given.includes(line));
  return missing.length === 0 ? headers : replaceCookies(headers as object, [...missing, ...given]);
}

/** Every Set-Cookie line of a writeHead headers argument (object, flat or nested list), or undefined when it has none. */
function writtenCookies(headers: object): string[] | undefined {
  let found = false;
  const lines: string[] = [];
  eachWrittenHeader(headers, isSetCookie, (value) => {
    found = true;
    if (Array.isArray(value)) for (const line of value) lines.push(String(line));
    else lines.push(String(value));
  });
  return found ? lines : undefined;
}

/** A copy of the headers argument whose Set-Cookie entries are replaced by one entry of `lines` (the app's object is not changed). */
function replaceCookies(headers: object, lines: string[]): object {
  const copy = copyWrittenHeaders(headers, (name, value) => (typeof name === 'string' && isSetCookie(name) ? DROP : value));
  if (Array.isArray(copy)) copy.push('set-cookie', lines);
  else copy['set-cookie'] = lines;
  return copy;
}
