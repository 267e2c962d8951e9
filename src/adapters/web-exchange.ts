import { builtin } from '../core/builtin.ts';
import type { HeadHook, Reply, ResponseControl, ResponseHead } from '../core/types.ts';
import { RequestViewBase, type ViewContext } from '../core/view.ts';
import { RampartError } from '../errors.ts';
import { hasToken } from './node-head-list.ts';
import { bindView } from '../core/registry.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { failureReply } from '../stack/run.ts';
import { requireClientAddress } from '../client-ip/address.ts';

/** Bodies up to this size are buffered and encoded in one step; larger ones stream. */
const SYNC_ENCODE_LIMIT = 1 << 20;
/** Bodies of unknown length are read up to this many bytes before deciding how to encode them. */
const PEEK_LIMIT = 64 * 1024;

/**
 * Request view and response control over a fetch `Request` (Hono, Bun, Deno, Workers).
 * Response headers are collected and merged into the application's Response afterwards.
 */
export class WebExchange extends RequestViewBase implements ResponseControl {
  request: Request;
  readonly raw: Request;
  readonly method: string;
  readonly remoteAddress: string;
  /** Collected response headers, in order. */
  readonly out: Array<[string, string]> = [];
  hooks: HeadHook[] | undefined;
  bodyExceeded: (() => Reply) | undefined;
  #body: Promise<Uint8Array> | undefined;

  /** The request target as the client sent it, when the runtime exposes it (@hono/node-server's `incoming.url`). */
  readonly #rawTarget: string | undefined;

  constructor(context: ViewContext, request: Request, remoteAddress: string, rawTarget?: string) {
    super(context);
    this.request = request;
    this.raw = request;
    this.method = request.method;
    this.remoteAddress = remoteAddress;
    this.#rawTarget = rawTarget === '' ? undefined : rawTarget;
  }

  header(name: string): string | undefined {
    return this.request.headers.get(name) ?? undefined;
  }

  /**
   * The target as sent when the runtime kept it (so `/x/%2e%2e/y` is judged as sent, not
   * after URL parsing), else the absolute URL the runtime built: its authority is checked
   * against Host like an absolute-form target.
   */
  protected target(): string {
    return this.#rawTarget ?? this.request.url;
  }

  /** With an origin-form raw target, the authority is the host of the URL the runtime built. */
  protected override impliedAuthority(): string | undefined {
    if (this.#rawTarget === undefined) return undefined;
    const url = this.request.url;
    const start = url.indexOf('//');
    if (start === -1) return undefined;
    const end = url.indexOf('/', start + 2);
    return url.slice(start + 2, end === -1 ? url.length : end);
  }

  protected encrypted(): boolean {
    return this.request.url.startsWith('https:');
  }

  set(name: string, value: string): void {
    const lower = name.toLowerCase();
    for (let i = this.out.length - 1; i >= 0; i--) if (this.out[i]![0] === lower) this.out.splice(i, 1);
    this.out.push([lower, value]);
  }

  append(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (lower !== 'set-cookie') {
      const existing = this.out.find((pair) => pair[0] === lower);
      if (existing !== undefined) {
        if (!hasToken(existing[1], value)) existing[1] = `${existing[1]}, ${value}`;
        return;
      }
    }
    this.out.push([lower, value]);
  }

  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    const values = this.out.filter((pair) => pair[0] === lower).map((pair) => pair[1]);
    return values.length === 0 ? undefined : values.join(', ');
  }

  onHead(hook: HeadHook): void {
    (this.hooks ??= []).push(hook);
  }

  readBody(limit: number): Promise<Uint8Array> {
    this.#body ??= readWebBody(this.request, limit);
    return this.#body;
  }

  limitBody(limit: number, onExceed: () => Reply): void {
    const body = this.request.body;
    if (body === null) return;
    let seen = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        seen += chunk.byteLength;
        if (seen > limit) {
          this.bodyExceeded = onExceed;
          controller.error(new RampartError('ERR_RAMPART_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`));
          return;
        }
        controller.enqueue(chunk);
      },
    });
    this.request = new Request(this.request, { body: body.pipeThrough(counter), duplex: 'half' } as RequestInit);
  }
}

/** Read a fetch Request's body (≤ limit bytes) from a clone, leaving the original for the app. */
async function readWebBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new RampartError('ERR_RAMPART_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`);
  }
  if (request.body === null) return new Uint8Array(0);
  if (request.bodyUsed) {
    throw new RampartError('ERR_RAMPART_BODY_READ', 'The request body was already consumed before rampart could read it.');
  }
  const reader = request.clone().body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        // Not awaited: cancelling one branch of a tee resolves only once the other branch
        // (the application's) is cancelled too.
        reader.cancel().catch(() => undefined);
        throw new RampartError('ERR_RAMPART_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof RampartError) throw error;
    throw new RampartError('ERR_RAMPART_BODY_READ', 'The request body could not be read.', { cause: error });
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Build the exchange for a fetch Request, bind it to the native objects and run the
 * stack. `early` is the Response when a middleware answered (or failed closed).
 */
export async function startWebExchange(
  shield: ShieldCore,
  request: Request,
  remoteAddress: string,
  native?: unknown,
  rawTarget?: string,
): Promise<{ exchange: WebExchange; early: Response | undefined }> {
  // No address while something keys by client: refuse (ERR_RAMPART_CONFIG), never share a key.
  remoteAddress = requireClientAddress(shield.middleware, remoteAddress);
  const exchange = new WebExchange(shield.context, request, remoteAddress, rawTarget);
  bindView(exchange, request, native);
  let reply;
  try {
    reply = await shield.run(exchange, exchange);
  } catch (error) {
    reply = failureReply(error);
  }
  return { exchange, early: reply === undefined ? undefined : webReply(exchange, reply) };
}

/** Build a Response for a stack reply, carrying the headers middleware already set. */
export function webReply(exchange: WebExchange, reply: Reply): Response {
  const headers = new Headers();
  for (const [name, value] of exchange.out) headers.append(name, value);
  const own = reply.headers;
  if (own !== undefined) {
    const pairs = Array.isArray(own) ? (own as ReadonlyArray<readonly [string, string]>) : Object.entries(own);
    for (const [name, value] of pairs) {
      if (name.toLowerCase() === 'set-cookie') headers.append(name, value);
      else headers.set(name, value);
    }
  }
  return new Response((reply.body ?? null) as BodyInit | null, { status: reply.status, headers });
}

/**
 * Merge rampart's headers into the application's Response (the application's own
 * values win, except Vary tokens and cookies, which accumulate) and apply head hooks.
 */
export async function finishWebResponse(exchange: WebExchange, response: Response): Promise<Response> {
  let result = response;
  try {
    mergeHeaders(result.headers, exchange.out);
  } catch {
    // Immutable headers (a Response from fetch()): copy once, then merge.
    result = new Response(result.body, result);
    mergeHeaders(result.headers, exchange.out);
  }
  if (exchange.hooks === undefined) return result;
  const headers = result.headers;
  const declared = headers.get('content-length');
  let length = result.body === null ? 0 : declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
  const contentType = headers.get('content-type') ?? '';
  const streaming = contentType.toLowerCase().startsWith('text/event-stream');
  let body: ReadableStream<Uint8Array> | null = result.body;
  let bytes: Uint8Array | undefined;
  if (length === undefined && body !== null && !streaming && exchange.method !== 'HEAD') {
    // A fetch Response does not say how long its body is: read a bounded prefix so a
    // small body is handled (and measured) whole, and a long one streams on.
    const peeked = await peek(body, PEEK_LIMIT);
    if (peeked.rest === undefined) {
      bytes = peeked.bytes;
      length = bytes.byteLength;
      body = null;
    } else body = peeked.rest;
  }
  const head: ResponseHead = {
    status: result.status,
    method: exchange.method,
    bodyLength: length,
    streaming,
    get: (name) => headers.get(name) ?? undefined,
    set: (name, value) => headers.set(name, value),
    remove: (name) => headers.delete(name),
  };
  let encoder;
  for (const hook of exchange.hooks) {
    const chosen = hook(head);
    if (chosen !== undefined && encoder === undefined) encoder = chosen;
  }
  const init = { status: result.status, statusText: result.statusText, headers };
  if (encoder === undefined || exchange.method === 'HEAD' || (bytes === undefined && body === null)) {
    if (bytes !== undefined) return new Response(bytes as Uint8Array<ArrayBuffer>, init);
    return body === result.body ? result : new Response(body, init);
  }
  if (bytes === undefined && length !== undefined && length <= SYNC_ENCODE_LIMIT) bytes = new Uint8Array(await new Response(body).arrayBuffer());
  if (bytes !== undefined) {
    try {
      const encoded = encoder.encodeSync(bytes);
      headers.set('content-length', String(encoded.byteLength));
      return new Response(encoded as Uint8Array<ArrayBuffer>, init);
    } catch {
      headers.delete('content-encoding');
      return new Response(bytes as Uint8Array<ArrayBuffer>, init);
    }
  }
  headers.delete('content-length');
  const transform = builtin<typeof import('node:stream')>('node:stream').Duplex.toWeb(encoder.createStream()) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  return new Response(body!.pipeThrough(transform), init);
}

/** Read up to `limit` bytes; `rest` is undefined when the body ended within the limit. */
async function peek(body: ReadableStream<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; rest: ReadableStream<Uint8Array> | undefined }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      const rest = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
        },
        async pull(controller) {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel: (reason) => reader.cancel(reason),
      });
      return { bytes: new Uint8Array(0), rest };
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return { bytes, rest: undefined };
}

function mergeHeaders(headers: Headers, out: ReadonlyArray<[string, string]>): void {
  for (const [name, value] of out) {
    if (name === 'set-cookie') headers.append(name, value);
    else if (name === 'vary') {
      for (const token of value.split(',')) {
        const t = token.trim();
        const current = headers.get('vary');
        if (current === null) headers.set('vary', t);
        else if (!hasToken(current, t)) headers.set('vary', `${current}, ${t}`);
      }
    } else if (!headers.has(name)) headers.set(name, value);
  }
}
