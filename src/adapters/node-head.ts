import type { ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import type { BodyEncoder, HeadHook, ResponseHead } from '../core/types.ts';
import { appendInList, findHeader, headerText, listValue, mergeHead, removeFromList, setInList, type HeadList } from './node-head-list.ts';

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;
type Write = (chunk: Chunk, encoding?: unknown, cb?: unknown) => boolean;
type End = (chunk?: unknown, encoding?: unknown, cb?: unknown) => ServerResponse;
type WriteHead = (status: number, reason?: unknown, headers?: unknown) => ServerResponse;

const STATE = Symbol('rampart.head');

/** Per-response state; the replacement methods themselves are shared by every response. */
interface HeadState {
  readonly method: string;
  /** rampart's headers not yet on the response (flat list), merged in when the head is written. */
  readonly pending: HeadList;
  readonly hooks: readonly HeadHook[] | undefined;
  readonly writeHead: WriteHead;
  readonly write: Write;
  readonly end: End;
  /** The handler's `writeHead` headers, held until the first body write (hooked responses). */
  written: unknown;
  started: boolean;
  stream: Transform | undefined;
}

type Hooked = ServerResponse & { [STATE]?: HeadState };

/**
 * Take over writing a node response's head: rampart's pending headers and the
 * handler's are merged into one flat list and written with a single `writeHead` (node's
 * fast path). With head hooks (compression, header overrides) the head is also deferred
 * to the first body write, so hooks see the final status and headers and can pick a body
 * encoder: applied synchronously when the whole body arrives in one `end()`, as a stream
 * otherwise.
 *
 * The replacement methods are module-level functions shared by every response (state
 * lives under a symbol): no closure per response, and V8 sees one call target.
 */
export function takeOverHead(res: ServerResponse, method: string, pending: HeadList, hooks: readonly HeadHook[] | undefined): void {
  (res as Hooked)[STATE] = {
    method,
    pending,
    hooks,
    writeHead: res.writeHead as WriteHead,
    write: res.write as Write,
    end: res.end as End,
    written: undefined,
    started: false,
    stream: undefined,
  };
  if (hooks === undefined) {
    res.writeHead = mergingWriteHead as ServerResponse['writeHead'];
    return;
  }
  res.writeHead = deferredWriteHead as ServerResponse['writeHead'];
  res.write = hookedWrite as ServerResponse['write'];
  res.end = hookedEnd as ServerResponse['end'];
}

/**
 * Forget the head the handler wrote but that is not on the wire yet, so a reply rampart
 * sends instead (413 from the body limit) is not mixed with it.
 */
export function dropWrittenHead(res: ServerResponse): void {
  const state = (res as Hooked)[STATE];
  if (state !== undefined) state.written = undefined;
}

function mergingWriteHead(this: Hooked, status: number, reason?: unknown, headers?: unknown): ServerResponse {
  const state = this[STATE]!;
  // Assigned, not deleted: `delete` would drop the response object into dictionary mode.
  this.writeHead = state.writeHead as ServerResponse['writeHead'];
  if (typeof reason === 'string') return state.writeHead.call(this, status, reason, mergeHead(this, state.pending, headers));
  return state.writeHead.call(this, status, mergeHead(this, state.pending, reason));
}

function deferredWriteHead(this: Hooked, status: number, reason?: unknown, headers?: unknown): ServerResponse {
  const state = this[STATE]!;
  // Reached through another library's wrapper once the head is being written (see writeFinalHead).
  if (state.started) return typeof reason === 'string' ? state.writeHead.call(this, status, reason, headers) : state.writeHead.call(this, status, reason);
  this.statusCode = status;
  if (typeof reason === 'string') this.statusMessage = reason;
  else headers = reason;
  if (state.written === undefined || state.written === null) state.written = headers;
  else if (headers !== undefined && headers !== null) {
    // writeHead twice before any body: keep both, the later winning (as setHeader would).
    const list = toList(state.written);
    const merged = toList(headers);
    for (let i = 0; i < merged.length; i += 2) setInList(list, merged[i] as string, merged[i + 1]);
    state.written = list;
  }
  return this;
}

function toList(headers: unknown): HeadList {
  const list: HeadList = [];
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) for (const [n, v] of headers as Array<[string, unknown]>) list.push(n, v);
    else list.push(...headers);
  } else if (headers !== undefined && headers !== null) {
    for (const [n, v] of Object.entries(headers as object)) list.push(n, v);
  }
  return list;
}

/** The head as hooks see it: the merged list first, then what node's own header map holds. */
class NodeResponseHead implements ResponseHead {
  readonly status: number;
  readonly method: string;
  readonly bodyLength: number | undefined;
  readonly streaming: boolean;
  readonly #res: ServerResponse;
  readonly #list: HeadList;

  constructor(res: ServerResponse, list: HeadList, method: string, bodyLength: number | undefined, streaming: boolean) {
    this.#res = res;
    this.#list = list;
    this.status = res.statusCode;
    this.method = method;
    this.bodyLength = bodyLength;
    this.streaming = streaming;
  }

  get(name: string): string | undefined {
    return listValue(this.#list, name) ?? headerText(this.#res, name);
  }

  set(name: string, value: string): void {
    // The list is written over node's map, so the value goes there and nowhere else.
    if (this.#res.hasHeader(name)) this.#res.removeHeader(name);
    setInList(this.#list, name, value);
  }

  append(name: string, value: string): void {
    // A name in the list replaces node's map when the head is written: lines the map holds join the list first.
    if (findHeader(this.#list, name) === -1 && this.#res.hasHeader(name)) {
      const held = this.#res.getHeader(name)!;
      this.#res.removeHeader(name);
      this.#list.push(name, Array.isArray(held) ? [...held] : String(held));
    }
    appendInList(this.#list, name, value);
  }

  remove(name: string): void {
    removeFromList(this.#list, name);
    this.#res.removeHeader(name);
  }
}

/** Run the hooks once, on the final head; returns the encoder chosen, the head and its list. */
function start(
  res: Hooked,
  state: HeadState,
  bodyLength: number | undefined,
  streaming: boolean,
): { encoder: BodyEncoder | undefined; head: NodeResponseHead; list: HeadList } {
  state.started = true;
  const list = mergeHead(res, state.pending, state.written);
  state.written = undefined;
  if (bodyLength === undefined) {
    const i = findHeader(list, 'content-length');
    const declared = Number(i === -1 ? res.getHeader('content-length') : list[i + 1]);
    if ((i !== -1 || res.hasHeader('content-length')) && Number.isFinite(declared)) bodyLength = declared;
  }
  const head = new NodeResponseHead(res, list, state.method, bodyLength, streaming);
  let encoder: BodyEncoder | undefined;
  for (const hook of state.hooks!) {
    const chosen = hook(head);
    if (chosen !== undefined && encoder === undefined) encoder = chosen;
  }
  if (encoder !== undefined && streaming) head.remove('content-length');
  return { encoder, head, list };
}

/**
 * Write the head once the hooks have run. Usually straight to node's writeHead with the
 * flat list. When another library wrapped writeHead after rampart (on-headers, used by
 * express-session, morgan, response-time…), go through its wrapper so its hook runs, with
 * the list applied to node's header map first (wrappers do not all read flat lists).
 */
function writeFinalHead(res: Hooked, state: HeadState, list: HeadList): void {
  if (res.writeHead === (deferredWriteHead as unknown)) {
    res.writeHead = state.writeHead as ServerResponse['writeHead']; // assigned, not deleted (see mergingWriteHead)
    state.writeHead.call(res, res.statusCode, list);
    return;
  }
  for (let i = 0; i < list.length; i += 2) res.removeHeader(list[i] as string);
  for (let i = 0; i < list.length; i += 2) res.appendHeader(list[i] as string, list[i + 1] as string | readonly string[]);
  res.writeHead(res.statusCode);
}

function startStream(res: Hooked, state: HeadState, encoder: BodyEncoder): void {
  const s = encoder.createStream();
  state.stream = s;
  s.on('data', (chunk: Buffer) => {
    if (!state.write.call(res, chunk)) s.pause();
  });
  res.on('drain', () => s.resume());
  s.on('end', () => state.end.call(res));
  s.on('error', () => res.destroy());
}

function hookedWrite(this: Hooked, chunk: Chunk, encoding?: BufferEncoding | Callback, cb?: Callback): boolean {
  const state = this[STATE]!;
  if (!state.started) {
    const { encoder, list } = start(this, state, undefined, true);
    writeFinalHead(this, state, list);
    if (encoder !== undefined) startStream(this, state, encoder);
  }
  if (state.stream !== undefined) return state.stream.write(chunk, encoding as BufferEncoding, cb);
  return state.write.call(this, chunk, encoding, cb);
}

function hookedEnd(this: Hooked, chunk?: Chunk | Callback, encoding?: BufferEncoding | Callback, cb?: Callback): ServerResponse {
  const state = this[STATE]!;
  if (typeof chunk === 'function') {
    cb = chunk;
    chunk = undefined;
  } else if (typeof encoding === 'function') {
    cb = encoding;
    encoding = undefined;
  }
  if (!state.started) {
    const body =
      chunk === undefined || chunk === null ? undefined : typeof chunk === 'string' ? Buffer.from(chunk, encoding as BufferEncoding | undefined) : chunk;
    const { encoder, head, list } = start(this, state, body === undefined ? 0 : body.byteLength, false);
    let out: Uint8Array | undefined = body;
    if (encoder !== undefined && state.method !== 'HEAD') {
      try {
        out = encoder.encodeSync(body ?? new Uint8Array(0));
        head.set('content-length', String(out.byteLength));
      } catch {
        head.remove('content-encoding'); // encoding failed: send the body as it is
      }
    }
    writeFinalHead(this, state, list);
    return state.end.call(this, out, cb);
  }
  if (state.stream !== undefined) {
    if (chunk !== undefined && chunk !== null) state.stream.write(chunk, encoding as BufferEncoding);
    state.stream.end(cb);
    return this;
  }
  return state.end.call(this, chunk, encoding, cb);
}
