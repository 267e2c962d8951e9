import { builtin } from '../core/builtin.ts';
import type { BodyEncoder, HeadHook, Reply, ResponseControl, ResponseHead } from '../core/types.ts';
import { RequestViewBase, type ViewContext } from '../core/view.ts';
import { RampartError } from '../errors.ts';
import { hasToken } from './node-head-list.ts';
import { NodeRequestHeaders } from './web-node-headers.ts';
import { type HeaderRecord, recordFromTemplate, rememberTemplate, varyUnion } from './web-record-template.ts';
import { bindView } from '../core/registry.ts';
import { linkPass } from '../core/passes.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { failureReply } from '../stack/run.ts';
import { requireClientAddress } from '../client-ip/address.ts';
import { CONSUMED_BODY_FIX, consumedBodyError } from '../core/consumed-body.ts';
import { handlerFailureReply } from './handler-failure.ts';
import { lowerName } from './header-name.ts';
import { type RoutedReading, routedReading, routesAsSent } from './routed-path.ts';

/** Bodies up to this size are buffered and encoded in one step; larger ones stream. */
const SYNC_ENCODE_LIMIT = 1 << 20;
/** Bodies of unknown length are read up to this many bytes before deciding how to encode them. */
const PEEK_LIMIT = 64 * 1024;

/** The node request a fetch runtime on node passes along (@hono/node-server's `incoming`), as rampart reads it. */
export interface RuntimeIncoming {
  /** The request target as the client sent it. */
  url: string;
  httpVersionMajor?: unknown;
}

/**
 * The node request behind a fetch Request when the runtime passes it (@hono/node-server
 * passes `{ incoming }` as the second argument): its target as sent and HTTP version.
 * Undefined elsewhere (the URL is used).
 */
export function runtimeIncoming(rest: readonly unknown[]): RuntimeIncoming | undefined {
  return runtimeIncomingIn(rest[0]);
}

/** {@link runtimeIncoming} given the runtime's second argument itself (no array per request). */
export function runtimeIncomingIn(runtime: unknown): RuntimeIncoming | undefined {
  const second = runtime as { incoming?: unknown } | null | undefined;
  if (second === undefined || second === null || typeof second !== 'object') return undefined;
  try {
    const incoming = second.incoming as { url?: unknown } | null | undefined;
    return typeof incoming?.url === 'string' ? (incoming as RuntimeIncoming) : undefined;
  } catch {
    return undefined;
  }
}

/** What fetch runtimes pass after the request, read defensively (Deno info, Bun server, @hono/node-server env). */
interface RuntimeArgument {
  requestIP?: (request: Request) => { address?: string } | null | undefined;
  remoteAddr?: { hostname?: unknown };
  incoming?: { socket?: { remoteAddress?: unknown }; url?: unknown };
}

/** Peer address from the second argument fetch runtimes pass (Deno info, Bun server, node-server env); '' when none. */
export function runtimeAddressIn(request: Request, runtime: unknown): string {
  const second = runtime as RuntimeArgument | null | undefined;
  if (second === undefined || second === null || typeof second !== 'object') return '';
  try {
    if (typeof second.requestIP === 'function') return second.requestIP(request)?.address ?? '';
    if (second.remoteAddr?.hostname !== undefined) return String(second.remoteAddr.hostname);
    if (second.incoming?.socket?.remoteAddress !== undefined) return String(second.incoming.socket.remoteAddress);
  } catch {
    // An exotic runtime object: fall through to "unknown".
  }
  return '';
}

const loweredTemplates = new WeakMap<readonly string[], readonly string[]>();

/** A `[name, value, …]` template with its names lower-cased, computed once per template. */
function loweredTemplate(pairs: readonly string[]): readonly string[] {
  let lowered = loweredTemplates.get(pairs);
  if (lowered === undefined) {
    lowered = pairs.map((text, i) => (i % 2 === 0 ? text.toLowerCase() : text));
    loweredTemplates.set(pairs, lowered);
  }
  return lowered;
}

/**
 * Request view and response control over a fetch `Request` (Hono, Bun, Deno, Workers).
 * Response headers are collected and merged into the application's Response afterwards.
 */
export class WebExchange extends RequestViewBase implements ResponseControl {
  request: Request;
  readonly raw: Request;
  readonly method: string;
  readonly remoteAddress: string;
  /** Collected response headers, in order, as one flat `[name, value, name, value, …]` list (names lower-cased). */
  readonly out: string[] = [];
  hooks: HeadHook[] | undefined;
  /** Set once the body failed (413 over the limit, 408 stalled): its reply replaces any other answer. */
  bodyExceeded: (() => Reply) | undefined;
  /** Which adapter runs this exchange: names the fix for a consumed body. */
  adapter: 'hono' | 'fetch' = 'fetch';
  /** The exact body bytes once readBody() has read them. */
  bodyBytes: Uint8Array | undefined;
  /**
   * Set by watchBody (bodyLimit's idleTimeout, ms): the adapter also applies it to the
   * runtime's node connection after the response (a stalled body the route never read).
   */
  bodyIdleMs: number | undefined;
  #body: Promise<Uint8Array> | undefined;

  /** The path the app's router dispatches on, when it is not Hono's default reading of the target (the app's `getPath`). */
  #routerPath: string | undefined;
  #routed: RoutedReading | undefined;

  /** The request target as the client sent it, when the runtime exposes it (@hono/node-server's `incoming.url`). */
  readonly #rawTarget: string | undefined;
  /** The node request behind it, when the runtime passes one (@hono/node-server). */
  readonly #incoming: RuntimeIncoming | undefined;
  /** Reads the request headers from that node request while the Request is @hono/node-server's own. */
  readonly #nodeHeaders: NodeRequestHeaders | undefined;

  constructor(context: ViewContext, request: Request, remoteAddress: string, incoming?: RuntimeIncoming) {
    super(context);
    this.request = request;
    this.raw = request;
    this.method = request.method;
    this.remoteAddress = remoteAddress;
    this.#incoming = incoming;
    this.#rawTarget = incoming === undefined || incoming.url === '' ? undefined : incoming.url;
    this.#nodeHeaders = incoming === undefined ? undefined : NodeRequestHeaders.for(request, incoming);
  }

  /**
   * Name the path the app's router runs (Hono's `c.req.path`), before the stack judges the
   * request, when it is another string than Hono's default reading of the target: rules match
   * either reading and exemptions do not apply ({@link routedPath}); when it reads as no path,
   * the stack answers 400.
   */
  routeBy(routerPath: string): void {
    this.#routerPath = routerPath;
    this.#routed = undefined;
  }

  /** The canonical path the app's router runs, when its string is not the target's default reading (see `RequestView.routedPath`). */
  get routedPath(): string | undefined {
    return this.#routerPath === undefined ? undefined : this.#routedReading().path;
  }

  override get targetError(): string | undefined {
    const own = super.targetError;
    return own !== undefined || this.#routerPath === undefined ? own : this.#routedReading().error;
  }

  #routedReading(): RoutedReading {
    this.#routed ??= routedReading(this.#routerPath!, this.context.allowEncodedSlashes === true, 'Hono getPath');
    return this.#routed;
  }

  /** Whether the stack with this context (one shield) built this exchange. */
  builtBy(context: ViewContext): boolean {
    return this.context === context;
  }

  header(name: string): string | undefined {
    // While the Request is @hono/node-server's untouched one, read its node request (cheaper).
    if (this.#nodeHeaders !== undefined && this.request === this.raw) {
      const value = this.#nodeHeaders.get(name.toLowerCase());
      if (value !== undefined) return value ?? undefined;
    }
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

  /**
   * With an origin-form raw target, the authority is the host of the URL the runtime built
   * (from Host, or HTTP/2 `:authority`). An HTTP/1 request without Host has none: the
   * runtime built its URL from the listen hostname, which the client never named.
   */
  protected override impliedAuthority(): string | undefined {
    if (this.#rawTarget === undefined) return undefined;
    if (this.#incoming!.httpVersionMajor !== 2 && this.header('host') === undefined) return undefined;
    const url = this.request.url;
    const start = url.indexOf('//');
    if (start === -1) return undefined;
    const end = url.indexOf('/', start + 2);
    return url.slice(start + 2, end === -1 ? url.length : end);
  }

  /**
   * With the node request behind it, its connection says (the URL's scheme is the client's
   * to write there: an absolute-form `https://…` target, HTTP/2 `:scheme`); elsewhere the
   * runtime built the URL from its own listener.
   */
  protected encrypted(): boolean {
    if (this.#incoming !== undefined) return (this.#incoming as { socket?: { encrypted?: unknown } | null }).socket?.encrypted === true;
    return this.request.url.startsWith('https:');
  }

  set(name: string, value: string): void {
    const lower = lowerName(name);
    const out = this.out;
    for (let i = out.length - 2; i >= 0; i -= 2) if (out[i] === lower) out.splice(i, 2);
    out.push(lower, value);
  }

  setAll(pairs: readonly string[]): void {
    const out = this.out;
    if (out.length !== 0) {
      for (let i = 0; i < pairs.length; i += 2) this.set(pairs[i]!, pairs[i + 1]!);
      return;
    }
    const lowered = loweredTemplate(pairs);
    for (let i = 0; i < lowered.length; i++) out.push(lowered[i]!);
  }

  append(name: string, value: string): void {
    const lower = lowerName(name);
    const out = this.out;
    if (lower !== 'set-cookie') {
      for (let i = 0; i < out.length; i += 2) {
        if (out[i] !== lower) continue;
        const existing = out[i + 1]!;
        if (!hasToken(existing, value)) out[i + 1] = `${existing}, ${value}`;
        return;
      }
    }
    out.push(lower, value);
  }

  get(name: string): string | undefined {
    const lower = lowerName(name);
    const out = this.out;
    let found: string | undefined;
    for (let i = 0; i < out.length; i += 2) if (out[i] === lower) found = found === undefined ? out[i + 1] : `${found}, ${out[i + 1]}`;
    return found;
  }

  onHead(hook: HeadHook): void {
    this.hooks ??= [];
    this.hooks.push(hook);
  }

  readBody(limit: number): Promise<Uint8Array> {
    this.#body ??= readWebBody(this.request, limit, CONSUMED_BODY_FIX[this.adapter]).then((bytes) => {
      this.bodyBytes = bytes;
      return bytes;
    });
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
          this.bodyExceeded = this.#presented(onExceed);
          controller.error(new RampartError('ERR_RAMPART_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`));
          return;
        }
        controller.enqueue(chunk);
      },
    });
    this.request = new Request(this.request, { body: body.pipeThrough(counter), duplex: 'half' } as RequestInit);
  }

  /** rampart's answer for a handler that threw `error` (see handlerFailureReply), as the client prefers it (HTML page or problem+json). */
  handlerFailure(error?: unknown): Reply {
    return this.#presented(() => handlerFailureReply(error))();
  }

  /** A rejection answered while the app streams the body (413, 408), as the client prefers it (HTML page or problem+json). */
  #presented(make: () => Reply): () => Reply {
    const present = this.context.presentNow;
    return present === undefined ? make : () => present(this, make());
  }

  watchBody(idleMs: number, onIdle: () => Reply): void {
    this.bodyIdleMs = idleMs;
    const body = this.request.body;
    if (body === null) return;
    const stalled = idleBody(body, idleMs, () => {
      this.bodyExceeded ??= this.#presented(onIdle);
    });
    this.request = new Request(this.request, { body: stalled, duplex: 'half' } as RequestInit);
  }
}

/**
 * A request body that fails with ERR_RAMPART_BODY_READ when a read waits `idleMs` for the
 * next chunk; `onStall` runs first. The timer runs only while someone reads: a body nobody
 * reads (yet) is not the client's delay.
 */
function idleBody(body: ReadableStream<Uint8Array>, idleMs: number, onStall: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let stalled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const timer = setTimeout(() => {
          stalled = true;
          onStall();
          const error = new RampartError('ERR_RAMPART_BODY_READ', `The request body stalled: no bytes arrived for ${idleMs / 1000} s.`);
          controller.error(error);
          reader.cancel(error).catch(() => undefined);
        }, idleMs);
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (!stalled) controller.error(error);
          return;
        } finally {
          clearTimeout(timer);
        }
        if (stalled) return;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** Read a fetch Request's body (≤ limit bytes) from a clone, leaving the original for the app. */
async function readWebBody(request: Request, limit: number, fix: string): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new RampartError('ERR_RAMPART_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`);
  }
  if (request.body === null) return new Uint8Array(0);
  if (request.bodyUsed) {
    throw consumedBodyError(fix);
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
 * `earlierPass`: the exchange of the same client request's earlier pass (Hono re-dispatch).
 * `routerPath`: the path the app's router runs when it may differ from the URL's (Hono's `c.req.path`).
 */
export function startWebExchange(
  shield: ShieldCore,
  request: Request,
  remoteAddress: string,
  native?: unknown,
  incoming?: RuntimeIncoming,
  earlierPass?: WebExchange,
  routerPath?: string,
): WebStart | Promise<WebStart> {
  // No address while something keys by client: refuse (ERR_RAMPART_CONFIG), never share a key.
  // The last address found valid is remembered: one client's requests do not parse it again.
  if (remoteAddress !== lastValidAddress || remoteAddress === '') {
    remoteAddress = requireClientAddress(shield.middleware, remoteAddress);
    if (remoteAddress !== '') lastValidAddress = remoteAddress;
  }
  const exchange = new WebExchange(shield.context, request, remoteAddress, incoming);
  if (native !== undefined) exchange.adapter = 'hono';
  // The router runs the path as sent only when its string is exactly the target's path or Hono's
  // default getPath of this request (`//x`, `/./x`, `/X` route apart from `/x`): else a second
  // reading (routed-path.ts).
  if (routerPath !== undefined && routerPath !== exchange.path && !routesAsSent(routerPath, request.url)) exchange.routeBy(routerPath);
  // The same client request sent through the app again: the rate limiter counts it once per policy.
  if (earlierPass !== undefined) linkPass(exchange, earlierPass);
  bindView(exchange, request, native);
  let reply: Reply | undefined | Promise<Reply | undefined>;
  try {
    reply = shield.run(exchange, exchange);
  } catch (error) {
    reply = failureReply(error);
  }
  if (reply === undefined) return { exchange, early: undefined };
  if (typeof (reply as Promise<unknown>).then !== 'function') return { exchange, early: webReply(exchange, reply as Reply) };
  return (reply as Promise<Reply | undefined>).then(
    // A body that failed while a middleware read it (stalled: 408) answers instead of that middleware's verdict.
    (resolved) => ({ exchange, early: resolved === undefined ? undefined : webReply(exchange, exchange.bodyExceeded?.() ?? resolved) }),
    (error: unknown) => ({ exchange, early: webReply(exchange, exchange.bodyExceeded?.() ?? failureReply(error)) }),
  );
}

/** The exchange of a request and, when a middleware answered (or failed closed), the Response to send instead. */
export interface WebStart {
  readonly exchange: WebExchange;
  readonly early: Response | undefined;
}

/** The peer address most recently found to be an IP (parsing it is pure, so equal text needs no second parse). */
let lastValidAddress = '';

/** Build a Response for a stack reply, carrying the headers middleware already set. */
export function webReply(exchange: WebExchange, reply: Reply): Response {
  const headers = new Headers();
  const out = exchange.out;
  for (let i = 0; i < out.length; i += 2) headers.append(out[i]!, out[i + 1]!);
  const own = reply.headers;
  if (own !== undefined) {
    const pairs = Array.isArray(own) ? (own as ReadonlyArray<readonly [string, string]>) : Object.entries(own);
    for (const [name, value] of pairs) {
      if (name.toLowerCase() === 'set-cookie') headers.append(name, value);
      else headers.set(name, value);
    }
  }
  if (exchange.hooks === undefined) return new Response((reply.body ?? null) as BodyInit | null, { status: reply.status, headers });
  // Head hooks see rampart's own answers too, as on node (the monitor counts them).
  let bytes: Uint8Array | null = reply.body === undefined ? null : typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  const encoder = runHeadHooks(exchange.hooks, headers, reply.status, exchange.method, bytes?.byteLength ?? 0, false);
  if (encoder !== undefined && exchange.method !== 'HEAD' && bytes !== null) {
    try {
      bytes = encoder.encodeSync(bytes);
      headers.set('content-length', String(bytes.byteLength));
    } catch {
      headers.delete('content-encoding');
    }
  }
  return new Response(bytes as Uint8Array<ArrayBuffer> | null, { status: reply.status, headers });
}

/**
 * Merge rampart's headers into the application's Response (the application's own
 * values win, except Vary tokens and cookies, which accumulate) and apply head hooks.
 */
export function finishWebResponse(exchange: WebExchange, response: Response): Response | Promise<Response> {
  return finishLightResponse(exchange, response) ?? finishWithHeaders(exchange, response);
}

async function finishWithHeaders(exchange: WebExchange, response: Response): Promise<Response> {
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
  const encoder = runHeadHooks(exchange.hooks, headers, result.status, exchange.method, length, streaming);
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
  const transform = builtin<typeof import('node:stream')>('node:stream').Duplex.toWeb(encoder.createStream()) as unknown as ReadableWritablePair<
    Uint8Array,
    Uint8Array
  >;
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

function mergeHeaders(headers: Headers, out: readonly string[]): void {
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i]!;
    const value = out[i + 1]!;
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

// ---------------------------------------------------------------- @hono/node-server's lightweight Response

/**
 * @hono/node-server replaces the global Response with a lightweight one that keeps
 * `[status, body, headersInit]` under a private symbol (described `cache`) and writes a
 * plain header record straight to node's `writeHead`, without ever building a Headers
 * object. Touching `response.headers` builds one (every name and value validated, then
 * sorted and re-serialised for node): for a small JSON answer that costs more than the
 * route itself. So for such a response rampart reads the record, merges its headers into
 * a new record and answers a new lightweight Response with it. Anything else (a real
 * Response, a stream or Blob body, a shape this code does not know) takes the Headers path.
 */
const CACHE_SYMBOLS = new WeakMap<object, symbol | null>();
/** Constructors already scanned without finding the symbol, and how often (a response whose cache was consumed has none). */
const CACHE_MISSES = new WeakMap<object, number>();
const DEFAULT_CONTENT_TYPE = 'text/plain; charset=UTF-8';
/** The last constructor found to have the symbol (one WeakMap lookup less per response). */
let lastCtor: unknown;
let lastSymbol: symbol | undefined;

function lightCache(response: Response): unknown[] | undefined {
  const ctor = (response as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return undefined;
  let symbol = ctor === lastCtor ? lastSymbol : CACHE_SYMBOLS.get(ctor);
  if (symbol === undefined) {
    symbol = null;
    for (const s of Object.getOwnPropertySymbols(response)) if (s.description === 'cache') symbol = s;
    if (symbol !== null) CACHE_SYMBOLS.set(ctor, symbol);
    else {
      const misses = (CACHE_MISSES.get(ctor) ?? 0) + 1;
      CACHE_MISSES.set(ctor, misses);
      if (misses >= 8) CACHE_SYMBOLS.set(ctor, null); // a runtime without the lightweight Response
      return undefined;
    }
  }
  if (symbol === null) return undefined;
  lastCtor = ctor;
  lastSymbol = symbol;
  const cache = (response as unknown as Record<symbol, unknown>)[symbol];
  return Array.isArray(cache) && cache.length === 3 && typeof cache[0] === 'number' ? cache : undefined;
}

/**
 * Header records are objects of this constructor: ordinary fast-mode objects (the same
 * names added in the same order follow one hidden-class chain, and for…in reads them from
 * its enumeration cache) over a prototype that has no properties at all, so names are data
 * (`__proto__`, `constructor` and `toString` included). A record is enumerated three times
 * per response (here, by @hono/node-server, by node's writeHead); as a dictionary
 * (`Object.create(null)`) it cost ~34,000 instructions more per request (bench/instructions.ts).
 */
const HeaderRecordObject = function HeaderRecordObject(): void {} as unknown as new () => HeaderRecord;
HeaderRecordObject.prototype = Object.create(null) as HeaderRecord;

/** The application's header init as a lower-cased record, or undefined when its shape is not a plain one. */
function recordOf(init: unknown, hasBody: boolean): HeaderRecord | undefined {
  const record = new HeaderRecordObject();
  if (init === undefined || init === null) {
    if (hasBody) record['content-type'] = DEFAULT_CONTENT_TYPE; // what @hono/node-server sends without headers
    return record;
  }
  if (init instanceof Headers) {
    for (const [name, value] of init) if (name !== 'set-cookie') record[name] = value;
    const cookies = init.getSetCookie();
    if (cookies.length > 0) record['set-cookie'] = cookies;
  } else if (Object.getPrototypeOf(init) === Object.prototype) {
    for (const key in init as object) {
      const value = (init as Record<string, unknown>)[key];
      const name = key.toLowerCase();
      // A name given twice in different case, or a value that is not a string: let Headers decide.
      if (record[name] !== undefined || typeof value !== 'string') return undefined;
      record[name] = value;
    }
  } else return undefined;
  if (hasBody && record['content-type'] === undefined) record['content-type'] = DEFAULT_CONTENT_TYPE;
  return record;
}

function recordText(value: string | string[] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : value.join(', ');
}

/** Head hooks' view of a header record (names lower-cased). */
class RecordHead implements ResponseHead {
  readonly status: number;
  readonly method: string;
  readonly bodyLength: number | undefined;
  readonly streaming: boolean;
  readonly record: HeaderRecord;

  constructor(record: HeaderRecord, status: number, method: string, bodyLength: number, streaming: boolean) {
    this.record = record;
    this.status = status;
    this.method = method;
    this.bodyLength = bodyLength;
    this.streaming = streaming;
  }

  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    // A record copied from a template has Object.prototype: its members are not headers.
    return Object.hasOwn(this.record, lower) ? recordText(this.record[lower]) : undefined;
  }

  set(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (lower === '__proto__') Object.defineProperty(this.record, lower, { value, writable: true, enumerable: true, configurable: true });
    else this.record[lower] = value;
  }

  append(name: string, value: string): void {
    const lower = name.toLowerCase();
    const current = Object.hasOwn(this.record, lower) ? this.record[lower] : undefined;
    if (current === undefined) this.set(name, value);
    else if (lower === 'set-cookie') this.record[lower] = Array.isArray(current) ? [...current, value] : [current, value];
    else this.record[lower] = `${recordText(current)}, ${value}`;
  }

  remove(name: string): void {
    delete this.record[name.toLowerCase()];
  }
}

/** The lightweight-Response path (see {@link lightCache}); undefined when the response is not one. */
function finishLightResponse(exchange: WebExchange, response: Response): Response | undefined {
  const cache = lightCache(response);
  if (cache === undefined) return undefined;
  const status = cache[0] as number;
  const body = cache[1];
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return undefined;
  const init = cache[2];
  const out = exchange.out;
  // A plain init (or none) of a shape seen before: a copy of that merge (web-record-template.ts).
  const plain = init === undefined || init === null || Object.getPrototypeOf(init) === Object.prototype;
  let record = plain ? recordFromTemplate(init, out, body !== null) : undefined;
  if (record === undefined) {
    record = recordOf(init, body !== null);
    if (record === undefined) return undefined;
    // rampart's headers: the application's value wins, Vary tokens combine, Set-Cookie lines add up.
    for (let i = 0; i < out.length; i += 2) {
      const name = out[i]!;
      const value = out[i + 1]!;
      const current = record[name];
      if (current === undefined) record[name] = name === 'set-cookie' ? [value] : value;
      else if (name === 'set-cookie') record[name] = typeof current === 'string' ? [current, value] : [...current, value];
      else if (name === 'vary') record[name] = varyUnion(recordText(current)!, value);
    }
    if (plain) rememberTemplate(init, out, body !== null, record);
  }
  let bytes: Uint8Array | null = body === null ? null : typeof body === 'string' ? Buffer.from(body) : body;
  if (exchange.hooks !== undefined) {
    const declared = recordText(record['content-length']);
    const length = bytes === null ? 0 : declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : bytes.byteLength;
    const streaming = (recordText(record['content-type']) ?? '').toLowerCase().startsWith('text/event-stream');
    const head = new RecordHead(record, status, exchange.method, length, streaming);
    let encoder: BodyEncoder | undefined;
    for (const hook of exchange.hooks) {
      const chosen = hook(head);
      if (chosen !== undefined && encoder === undefined) encoder = chosen;
    }
    if (encoder !== undefined && exchange.method !== 'HEAD' && bytes !== null) {
      try {
        bytes = encoder.encodeSync(bytes);
        record['content-length'] = String(bytes.byteLength);
      } catch {
        delete record['content-encoding']; // encoding failed: send the body as it is
      }
    }
  }
  const cookies = record['set-cookie'];
  // Several Set-Cookie lines: name/value pairs (a record would join them into one line if read back as Headers).
  let headers: HeadersInit = record as Record<string, string>;
  if (cookies !== undefined && typeof cookies !== 'string') {
    const pairs: Array<[string, string]> = [];
    for (const name in record) {
      const value = record[name]!;
      if (typeof value === 'string') pairs.push([name, value]);
      else for (const v of value) pairs.push([name, v]);
    }
    headers = pairs;
  }
  const Light = (response as unknown as { constructor: new (body: BodyInit | null, init: ResponseInit) => Response }).constructor;
  return new Light(bytes as BodyInit | null, { status, headers });
}

/** Run the head hooks over an outgoing Headers; the first body encoder a hook chooses (compression) wins. */
function runHeadHooks(
  hooks: readonly HeadHook[],
  headers: Headers,
  status: number,
  method: string,
  bodyLength: number | undefined,
  streaming: boolean,
): BodyEncoder | undefined {
  const head: ResponseHead = {
    status,
    method,
    bodyLength,
    streaming,
    get: (name) => headers.get(name) ?? undefined,
    set: (name, value) => headers.set(name, value),
    append: (name, value) => headers.append(name, value),
    remove: (name) => headers.delete(name),
  };
  let encoder: BodyEncoder | undefined;
  for (const hook of hooks) {
    const chosen = hook(head);
    if (chosen !== undefined && encoder === undefined) encoder = chosen;
  }
  return encoder;
}
