import type { ServerResponse } from 'node:http';
import { isVary, tokenUnion } from './node-head-list.ts';
import { copyWrittenHeaders, DROP, eachWrittenHeader } from './node-head-args.ts';

type WriteHead = (status: number, reason?: unknown, headers?: unknown) => ServerResponse;

const VARY = Symbol('rampart.vary');

/** Per-response state of {@link keepVary}; the wrapper itself is one shared function. */
class VaryState {
  readonly writeHead: WriteHead;
  /** rampart's Vary tokens, exactly the string rampart put on the response (compared by identity first). */
  readonly vary: string;

  constructor(writeHead: WriteHead, vary: string) {
    this.writeHead = writeHead;
    this.vary = vary;
  }
}

type Kept = ServerResponse & { [VARY]?: VaryState };

/**
 * Make sure rampart's Vary tokens (`vary`, already on the response or on Fastify's reply)
 * reach the head even when the handler replaces Vary (`res.setHeader('Vary', …)`,
 * `reply.header('vary', …)`, `res.writeHead(…, { Vary })`): the written Vary is the
 * token union. For responses with no head hooks, where this is all rampart has left to do
 * at the head; it costs one identity check when nothing replaced rampart's value.
 */
export function keepVary(res: ServerResponse, vary: string): void {
  (res as Kept)[VARY] = new VaryState(res.writeHead as WriteHead, vary);
  res.writeHead = varyWriteHead as ServerResponse['writeHead'];
}

function varyWriteHead(this: Kept, status: number, reason?: unknown, headers?: unknown): ServerResponse {
  const state = this[VARY]!;
  // Assigned, not deleted (dictionary mode); left alone when another wrapper came after.
  if (this.writeHead === (varyWriteHead as unknown)) this.writeHead = state.writeHead as ServerResponse['writeHead'];
  if (typeof reason === 'string') return state.writeHead.call(this, status, reason, withVary(this, state.vary, headers));
  return state.writeHead.call(this, status, withVary(this, state.vary, reason));
}

/** `headers` (the writeHead argument), or a copy whose Vary carries `ours`; node's own map is fixed in place. */
function withVary(res: ServerResponse, ours: string, headers: unknown): unknown {
  if (headers !== undefined && headers !== null && typeof headers === 'object') {
    // Fastify's head: rampart's value sits in its header object, usually untouched.
    if ((headers as { vary?: unknown }).vary === ours) return headers;
    const given = writtenVary(headers);
    if (given !== undefined) {
      const mine = res.getHeader('vary');
      const wanted = mine === undefined ? ours : tokenUnion(mine, ours);
      const union = tokenUnion(given, wanted);
      return union === given ? headers : replaceVary(headers, union);
    }
  }
  const current = res.getHeader('vary');
  if (current === ours) return headers;
  if (current === undefined) res.setHeader('vary', ours);
  else {
    const union = tokenUnion(current, ours);
    if (union !== current) res.setHeader('vary', union);
  }
  return headers;
}

/** Every Vary value of a writeHead headers argument (object, flat or nested list) joined, or undefined. */
function writtenVary(headers: object): string | undefined {
  let found: string | undefined;
  eachWrittenHeader(headers, isVary, (value) => {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    found = found === undefined ? text : `${found}, ${text}`;
  });
  return found;
}

/** A copy of the headers argument whose first Vary entry is `union` and has no other (rare: the handler dropped rampart's tokens). */
function replaceVary(headers: object, union: string): object {
  let seen = false;
  return copyWrittenHeaders(headers, (name, value) => {
    if (typeof name !== 'string' || !isVary(name)) return value;
    if (seen) return DROP;
    seen = true;
    return union;
  });
}
