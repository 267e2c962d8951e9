import type { ServerResponse } from 'node:http';
import { OutgoingMessage } from 'node:http';
import { isCheckedHeader } from '../core/checked-headers.ts';

// node validates every header on every response (two regular expressions per header, about
// a thousand instructions). A pair rampart validated at construction goes straight into
// node's own header record, the entry `setHeader` would make; anything else, a response
// whose setHeader someone wrapped, or a node whose record looks different, takes setHeader.

type Record_ = Record<string, [string, unknown]>;

/** node's header record symbol (undefined: not looked up yet; null: not usable here). */
let record: symbol | null | undefined;
let verified = false;

function recordSymbol(res: ServerResponse): symbol | null {
  const found = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders');
  if (found === undefined) return null;
  const current = (res as unknown as Record<symbol, unknown>)[found];
  return current === null || typeof current === 'object' ? found : null;
}

/** `res.setHeader(name, value)`, without node's per-request validation for a pair checked at construction. */
export function setCheckedHeader(res: ServerResponse, name: string, value: string): void {
  if (record === null || res.setHeader !== OutgoingMessage.prototype.setHeader || res.headersSent || !isCheckedHeader(name, value)) {
    res.setHeader(name, value);
    return;
  }
  if (record === undefined) record = recordSymbol(res);
  const key = record;
  if (key === null) {
    res.setHeader(name, value);
    return;
  }
  const target = res as unknown as Record<symbol, Record_ | null>;
  let headers = target[key];
  if (headers === null || headers === undefined) target[key] = headers = { __proto__: null } as unknown as Record_;
  headers[name.toLowerCase()] = [name, value];
  // The first write is checked against node's reader; a record node no longer reads this way turns the shortcut off.
  if (!verified) {
    if (res.getHeader(name) === value && res.getHeaderNames().includes(name.toLowerCase())) verified = true;
    else {
      record = null;
      res.setHeader(name, value);
    }
  }
}
