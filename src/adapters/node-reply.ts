import type { ServerResponse } from 'node:http';
import type { Reply } from '../core/types.ts';
import { dropWrittenHead } from './node-head.ts';
import { isSetCookie, tokenUnion } from './node-head-list.ts';
import { keepCookie } from './node-head-keep.ts';

// Writing to a node response, shared by the exchange (its headers and replies) and the body
// limiter (its 413): a leaf below both, so neither imports the other.

/** Append to a node response header: a new Set-Cookie line (kept through the app's own, see keepCookie), or the token union elsewhere (Vary). */
export function appendNodeHeader(res: ServerResponse, name: string, value: string): void {
  const current = res.getHeader(name);
  if (isSetCookie(name)) {
    res.setHeader(name, current === undefined ? [value] : Array.isArray(current) ? [...current, value] : [String(current), value]);
    keepCookie(res, value); // the app may replace Set-Cookie after rampart; its head still carries this line
    return;
  }
  res.setHeader(name, current === undefined ? value : tokenUnion(current, value));
}

/** Write a stack reply on a node response (headers rampart already set stay). */
export function sendNodeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  dropWrittenHead(res);
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
