import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { HeadHook, Reply, ResponseControl } from '../core/types.ts';
import { RequestViewBase, type ViewContext } from '../core/view.ts';
import { takeOverHead } from './node-head.ts';
import { keepVary } from './node-head-keep.ts';
import { appendInList, headerText, isSetCookie, isVary, listValue, setInList, tokenUnion, type HeadList } from './node-head-list.ts';
import { limitNodeBody, readNodeBody, watchNodeBody } from './node-body.ts';
import { appendNodeHeader, sendNodeReply } from './node-reply.ts';
import { CONSUMED_BODY_FIX } from '../core/consumed-body.ts';
import { handlerFailureReply } from './handler-failure.ts';
import { lowerName } from './header-name.ts';

/** A framework reply with its own header record (Fastify's `reply.header()` / `reply.getHeader()`). */
export interface HeaderTarget {
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
}

/**
 * The request view and response control of one node:http exchange (also used by Express
 * and Fastify, whose requests are IncomingMessages underneath). Headers are read straight
 * from `req.headers` and written straight to `res`: nothing is copied.
 */
export class NodeExchange extends RequestViewBase implements ResponseControl {
  readonly raw: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  hooks: HeadHook[] | undefined;
  /** Which adapter runs this exchange (Fastify is known by its header target): names the fix for a consumed body. */
  adapter: 'node' | 'express' = 'node';
  /** The exact body bytes once readBody() has read them. */
  bodyBytes: Uint8Array | undefined;
  #body: Promise<Uint8Array> | undefined;

  constructor(context: ViewContext, req: IncomingMessage, res: ServerResponse) {
    super(context);
    this.raw = req;
    this.res = res;
    this.method = req.method ?? 'GET';
  }

  get remoteAddress(): string {
    return this.raw.socket?.remoteAddress ?? '';
  }

  header(name: string): string | undefined {
    const headers = this.raw.headers;
    let value: unknown = headers[name];
    // node keys headers in lower case; an app's middleware may ask for 'X-Api-Key'.
    if (value === undefined) {
      const lower = name.toLowerCase();
      if (lower !== name) value = headers[lower];
    }
    if (typeof value === 'string') return value;
    // Arrays are repeated headers (Set-Cookie); anything else is Object.prototype ('constructor').
    return Array.isArray(value) ? value.join(', ') : undefined;
  }

  /**
   * The target as the client sent it. Express (and connect) strip a sub-app's mount path
   * from `req.url` and keep the whole target in `req.originalUrl`: rules, exemptions and
   * limits judge the whole path on every adapter, as Fastify prefixes and Hono mounts do.
   */
  protected target(): string {
    const original = (this.raw as { originalUrl?: unknown }).originalUrl;
    return typeof original === 'string' ? original : (this.raw.url ?? '/');
  }

  /** HTTP/2 (node:http2 compat API): the authority is the `:authority` pseudo-header. */
  protected override impliedAuthority(): string | undefined {
    const value = this.raw.headers[':authority'];
    return typeof value === 'string' ? value : undefined;
  }

  protected encrypted(): boolean {
    return (this.raw.socket as TLSSocket | undefined)?.encrypted === true;
  }

  /** node:http keeps one line of some headers (Authorization, …) in `headers`; rawHeaders has them all. */
  headerLines(name: string): number {
    const lower = name.toLowerCase();
    const raw = this.raw.rawHeaders;
    let lines = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const line = raw[i]!;
      if (line.length === lower.length && line.toLowerCase() === lower) lines++;
    }
    return lines;
  }

  /** node:http keeps the first of several Host lines in `headers.host`; rawHeaders has them all. */
  protected override repeatedHost(): boolean {
    const raw = this.raw.rawHeaders;
    let seen = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) {
        if (seen) return true;
        seen = true;
      }
    }
    return false;
  }

  /**
   * rampart's response headers, kept as a flat list until the response is handed on:
   * written to node's header map before Express/Fastify middleware and rampart's own
   * replies, or merged into the handler's single `writeHead` on plain node:http.
   */
  #pending: HeadList = [];

  /** True once rampart's headers go straight to the response (after commit, or once the head is sent). */
  #direct = false;

  /**
   * Fastify: the reply whose own header record takes rampart's headers at commit (plain
   * property writes, validated once when Fastify writes the head), instead of one validated
   * `setHeader` per header on the raw response. Set-Cookie stays on the raw response.
   */
  #target: HeaderTarget | undefined;
  /** Names rampart wrote to the target (copied to the raw response for a reply rampart sends itself, the 413). */
  #targetNames: string[] | undefined;
  /** Puts the whole pending list into the target's record in one copy when it can (Fastify). */
  #seed: ((target: HeaderTarget, list: HeadList) => boolean) | undefined;
  /** The list the seed put into the target's record (its names, for the 413). */
  #seeded: HeadList | undefined;

  /**
   * Write rampart's headers into `target`'s own header record from the commit on (Fastify's
   * reply); `seed`, when given, may take the whole list at once (see fastify-record.ts).
   */
  useHeaderTarget(target: HeaderTarget, seed?: (target: HeaderTarget, list: HeadList) => boolean): void {
    this.#target = target;
    this.#seed = seed;
  }

  set(name: string, value: string): void {
    name = lowerName(name);
    if (this.#direct || this.res.headersSent) {
      if (this.#target !== undefined && !this.res.headersSent) this.#toTarget(name, value, false);
      else this.res.setHeader(name, value);
    } else setInList(this.#pending, name, value);
  }

  setAll(pairs: readonly string[]): void {
    const pending = this.#pending;
    if (pending.length === 0 && !this.#direct && !this.res.headersSent) {
      for (let i = 0; i < pairs.length; i++) pending.push(pairs[i]);
    } else for (let i = 0; i < pairs.length; i += 2) this.set(pairs[i]!, pairs[i + 1]!);
  }

  append(name: string, value: string): void {
    name = lowerName(name);
    if (this.#direct || this.res.headersSent) {
      if (this.#target !== undefined && !this.res.headersSent && !isSetCookie(name)) this.#toTarget(name, value, true);
      else appendNodeHeader(this.res, name, value);
      return;
    }
    appendInList(this.#pending, name, value);
  }

  get(name: string): string | undefined {
    if (this.#direct && this.#target !== undefined) {
      const value = this.#target.getHeader(name);
      return value === undefined || value === null ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
    }
    const pending = this.#direct ? undefined : listValue(this.#pending, name);
    return pending ?? headerText(this.res, name);
  }

  #toTarget(name: string, value: string, append: boolean): void {
    const target = this.#target!;
    if (append) {
      const current = target.getHeader(name);
      target.header(name, current === undefined || current === null ? value : tokenUnion(current, value));
    } else target.header(name, value);
    if (this.#targetNames === undefined) this.#targetNames = [];
    this.#targetNames.push(name);
  }

  onHead(hook: HeadHook): void {
    this.hooks ??= [];
    this.hooks.push(hook);
  }

  /**
   * Hand the response to a plain node:http handler: rampart's headers are merged into
   * the handler's head when it is written (the handler wins, Vary and Set-Cookie combine).
   */
  handOver(): void {
    if (this.#pending.length > 0 || this.hooks !== undefined) takeOverHead(this.res, this.method, this.#pending, this.hooks);
    else this.#direct = true; // nothing to merge: later headers go straight to the response
  }

  /**
   * Put rampart's headers on the response now, for code that reads them back (Express
   * and Fastify middleware, rampart's own replies); head hooks still run at the head.
   */
  commit(): void {
    const pending = this.#pending;
    const res = this.res;
    // rampart's Vary stays pending as well: the handler may replace the response's Vary
    // (`res.setHeader('Vary', 'Cookie')`, `reply.header('vary', …)`), and the head is then
    // written with the union (mergeHead with head hooks, keepVary without).
    let vary: string | undefined;
    if (this.#target !== undefined && !res.headersSent && this.#seed?.(this.#target, pending)) {
      // The target's record now holds the whole list (never with Set-Cookie); only Vary is watched at the head.
      for (let i = 0; i < pending.length; i += 2) if (isVary(pending[i] as string)) vary = pending[i + 1] as string;
      this.#seeded = pending;
      this.#direct = true;
      if (this.hooks !== undefined) {
        const rest: HeadList = vary === undefined ? [] : ['vary', vary];
        this.#pending = rest;
        takeOverHead(res, this.method, rest, this.hooks);
      } else if (vary !== undefined) keepVary(res, vary);
      return;
    } else if (this.#target !== undefined && !res.headersSent) {
      for (let i = 0; i < pending.length; i += 2) {
        const name = pending[i] as string;
        if (isSetCookie(name)) appendNodeHeader(res, name, pending[i + 1] as string);
        else if (isVary(name)) {
          vary = pending[i + 1] as string;
          this.#toTarget(name, vary, true);
        } else this.#toTarget(name, pending[i + 1] as string, false);
      }
    } else {
      for (let i = 0; i < pending.length; i += 2) {
        const name = pending[i] as string;
        // rampart's value replaces an earlier middleware's, except Vary and Set-Cookie, which combine.
        if (isSetCookie(name)) appendNodeHeader(res, name, pending[i + 1] as string);
        else if (isVary(name)) {
          vary = pending[i + 1] as string;
          appendNodeHeader(res, name, vary);
        } else res.setHeader(name, pending[i + 1] as string);
      }
    }
    pending.length = 0;
    this.#direct = true;
    if (this.hooks !== undefined) {
      if (vary !== undefined && !res.headersSent) pending.push('vary', vary);
      takeOverHead(res, this.method, pending, this.hooks);
    } else if (vary !== undefined && !res.headersSent) {
      // Only Vary is left to fix at the head: a small check instead of the full merge.
      keepVary(res, vary);
    }
  }

  /** Commit rampart's headers, then hand on to the next Express/Fastify step. */
  commitThen<T>(next: () => T): T {
    this.commit();
    return next();
  }

  /** Send a stack reply on the response, rampart's headers included. */
  answer(reply: Reply): void {
    this.commit();
    sendNodeReply(this.res, reply);
  }

  /**
   * The handler this exchange was handed over to threw: answer rampart's 500, or the status
   * and headers of a RampartError that carries them (see handlerFailureReply; as the client
   * prefers it; rampart's headers merge into its head like into any other), or cut a
   * response already under way. Nothing when the handler had finished its response.
   */
  answerHandlerFailure(error?: unknown): void {
    const res = this.res;
    if (res.writableEnded) return;
    if (!res.headersSent) {
      // What the handler set about a body it never sent would mislabel the 500's (as Express's final handler drops them).
      res.removeHeader('content-encoding');
      res.removeHeader('content-language');
      res.removeHeader('content-range');
    }
    sendNodeReply(res, this.#presented(() => handlerFailureReply(error))());
  }

  readBody(limit: number): Promise<Uint8Array> {
    this.#body ??= readNodeBody(this.raw, limit, CONSUMED_BODY_FIX[this.#target !== undefined ? 'fastify' : this.adapter]).then((bytes) => {
      this.bodyBytes = bytes;
      return bytes;
    });
    return this.#body;
  }

  limitBody(limit: number, onExceed: () => Reply): void {
    const answer = this.#presented(onExceed);
    limitNodeBody(this.raw, this.res, limit, this.#target === undefined ? answer : () => this.#targetToRaw(answer));
  }

  watchBody(idleMs: number, onIdle: () => Reply): void {
    const answer = this.#presented(onIdle);
    watchNodeBody(this.raw, this.res, idleMs, this.#target === undefined ? answer : () => this.#targetToRaw(answer));
  }

  /** A rejection answered while the app streams the body (413, 408), as the client prefers it (HTML page or problem+json). */
  #presented(make: () => Reply): () => Reply {
    const present = this.context.presentNow;
    return present === undefined ? make : () => present(this, make());
  }

  /** Before rampart answers on the raw response itself (413, 408): rampart's headers from the target go onto it. */
  #targetToRaw(onExceed: () => Reply): Reply {
    const target = this.#target!;
    const seeded = this.#seeded;
    if (seeded !== undefined) for (let i = 0; i < seeded.length; i += 2) this.#copyToRaw(target, seeded[i] as string);
    for (const name of this.#targetNames ?? []) this.#copyToRaw(target, name);
    return onExceed();
  }

  #copyToRaw(target: HeaderTarget, name: string): void {
    const value = target.getHeader(name);
    if (value !== undefined && value !== null && !this.res.headersSent) this.res.setHeader(name, value as string | number | readonly string[]);
  }
}
