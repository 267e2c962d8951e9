import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { HeadHook, Reply, ResponseControl } from '../core/types.ts';
import { RequestViewBase, type ViewContext } from '../core/view.ts';
import { installHeadHooks } from './node-head.ts';
import { limitNodeBody, readNodeBody } from './node-body.ts';

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
    const value = this.raw.headers[name];
    return value === undefined || typeof value === 'string' ? value : value.join(', ');
  }

  protected target(): string {
    return this.raw.url ?? '/';
  }

  protected encrypted(): boolean {
    return (this.raw.socket as TLSSocket | undefined)?.encrypted === true;
  }

  set(name: string, value: string): void {
    this.res.setHeader(name, value);
  }

  append(name: string, value: string): void {
    appendNodeHeader(this.res, name, value);
  }

  get(name: string): string | undefined {
    const value = this.res.getHeader(name);
    return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
  }

  onHead(hook: HeadHook): void {
    if (this.hooks === undefined) {
      this.hooks = [hook];
      installHeadHooks(this.res, this.method, this.hooks);
    } else this.hooks.push(hook);
  }

  readBody(limit: number): Promise<Uint8Array> {
    this.#body ??= readNodeBody(this.raw, limit);
    return this.#body;
  }

  limitBody(limit: number, onExceed: () => Reply): void {
    limitNodeBody(this.raw, this.res, limit, onExceed);
  }
}

/** Append to a node response header: a new Set-Cookie line, or a comma token (no duplicates) elsewhere. */
export function appendNodeHeader(res: ServerResponse, name: string, value: string): void {
  const current = res.getHeader(name);
  if (current === undefined) {
    res.setHeader(name, name.toLowerCase() === 'set-cookie' ? [value] : value);
    return;
  }
  if (name.toLowerCase() === 'set-cookie') {
    res.setHeader(name, Array.isArray(current) ? [...current, value] : [String(current), value]);
    return;
  }
  const text = Array.isArray(current) ? current.join(', ') : String(current);
  if (!hasToken(text, value)) res.setHeader(name, `${text}, ${value}`);
}

/** True when a comma-separated header already lists `token` (case-insensitive), or is `*`. */
export function hasToken(list: string, token: string): boolean {
  const wanted = token.toLowerCase();
  for (const part of list.split(',')) {
    const t = part.trim().toLowerCase();
    if (t === wanted || t === '*') return true;
  }
  return false;
}

/** Write a stack reply on a node response (headers rampart already set stay). */
export function sendNodeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = reply.headers;
  if (headers !== undefined) {
    if (Array.isArray(headers)) {
      for (const [name, value] of headers as ReadonlyArray<readonly [string, string]>) appendNodeHeader(res, name, value);
    } else {
      for (const name in headers) res.setHeader(name, (headers as Record<string, string>)[name]!);
    }
  }
  res.statusCode = reply.status;
  const body = reply.body;
  if (body === undefined) res.end();
  else {
    res.setHeader('content-length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    res.end(body);
  }
}
