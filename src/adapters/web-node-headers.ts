/**
 * Request headers of @hono/node-server's lightweight Request, read from the node request
 * behind it. Its `request.headers` is a lazy Headers whose every `get` validates the name
 * and walks several lookups; rampart asks for about ten headers per request, most of them
 * absent. While that Headers has not been built (so nobody can have changed it), the node
 * request's own header object and raw lines are the same data: this module answers from
 * them exactly as @hono/node-server's `get` would (duplicates joined with ", ", Cookie with
 * "; ", the headers node keeps only once read from the raw lines). Anything else — another
 * Request, HTTP/2, a value @hono/node-server would refuse — is left to `request.headers`.
 */

/** The node request as read here (@hono/node-server's `incoming`). */
interface NodeIncoming {
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly rawHeaders?: readonly string[];
  readonly httpVersionMajor?: unknown;
}

/** Where @hono/node-server's Request keeps its node request and, once built, its Headers. */
interface LightRequestSlots {
  readonly incoming: symbol;
  readonly headers: symbol;
}

/** Headers node:http keeps once (a repeat is dropped from `incoming.headers`): read from the raw lines, as @hono/node-server does. */
const RAW_ONLY = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
  'set-cookie',
  '__proto__',
]);

/** A value @hono/node-server refuses to answer from the node request. */
const FORBIDDEN_VALUE = /[\0\r\n]/;

/** Slots found per Request prototype (null: not @hono/node-server's lightweight Request). */
const SLOTS = new WeakMap<object, LightRequestSlots | null>();
let lastPrototype: object | undefined;
let lastSlots: LightRequestSlots | null = null;

function slotsOf(request: Request): LightRequestSlots | null {
  const prototype = Object.getPrototypeOf(request) as object | null;
  if (prototype === null) return null;
  if (prototype === lastPrototype) return lastSlots;
  let slots = SLOTS.get(prototype);
  if (slots === undefined) {
    slots = findSlots(request);
    SLOTS.set(prototype, slots);
  }
  lastPrototype = prototype;
  lastSlots = slots;
  return slots;
}

/**
 * Find the two slots on a first Request of its kind. The Headers slot appears only once
 * the Headers is built, so this one Request builds it (`request.headers`), and the slot is
 * the symbol that appeared.
 */
function findSlots(request: Request): LightRequestSlots | null {
  const described = (description: string): symbol | undefined => Object.getOwnPropertySymbols(request).find((s) => s.description === description);
  const incoming = described('incomingKey');
  if (incoming === undefined) return null;
  try {
    void request.headers;
  } catch {
    return null;
  }
  const headers = described('headersKey');
  return headers === undefined ? null : { incoming, headers };
}

function isWhitespace(code: number): boolean {
  return code === 9 || code === 10 || code === 13 || code === 32;
}

function trimmed(value: string): string {
  if (value === '' || (!isWhitespace(value.charCodeAt(0)) && !isWhitespace(value.charCodeAt(value.length - 1)))) return value;
  let start = 0;
  let end = value.length;
  while (start < end && isWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isWhitespace(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/**
 * A reader of one @hono/node-server Request's headers from its node request, or undefined
 * when `request` is not such a Request for `incoming` (then use `request.headers`).
 */
export class NodeRequestHeaders {
  readonly #request: Request;
  readonly #incoming: NodeIncoming;
  readonly #headersSlot: symbol;

  private constructor(request: Request, incoming: NodeIncoming, headersSlot: symbol) {
    this.#request = request;
    this.#incoming = incoming;
    this.#headersSlot = headersSlot;
  }

  /** The reader for `request` when it is @hono/node-server's lightweight Request over this HTTP/1 `incoming`. */
  static for(request: Request, incoming: unknown): NodeRequestHeaders | undefined {
    if (incoming === undefined || incoming === null) return undefined;
    const node = incoming as NodeIncoming;
    if (node.httpVersionMajor !== 1 || typeof node.headers !== 'object' || node.headers === null || !Array.isArray(node.rawHeaders)) return undefined;
    const slots = slotsOf(request);
    if (slots === null || (request as unknown as Record<symbol, unknown>)[slots.incoming] !== incoming) return undefined;
    return new NodeRequestHeaders(request, node, slots.headers);
  }

  /**
   * The value of header `lower` (a lower-case name): null when absent, undefined when this
   * reader cannot answer (the Request's Headers exist now, or @hono/node-server would
   * refuse the value) and `request.headers` must.
   */
  get(lower: string): string | null | undefined {
    if ((this.#request as unknown as Record<symbol, unknown>)[this.#headersSlot] !== undefined) return undefined;
    if (!RAW_ONLY.has(lower)) {
      const headers = this.#incoming.headers!;
      if (!Object.hasOwn(headers, lower)) return null;
      const value = headers[lower];
      if (typeof value !== 'string') return undefined;
      const text = trimmed(value);
      return FORBIDDEN_VALUE.test(text) ? undefined : text;
    }
    const raw = this.#incoming.rawHeaders!;
    let found: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length !== lower.length || name.toLowerCase() !== lower) continue;
      const text = trimmed(raw[i + 1]!);
      if (FORBIDDEN_VALUE.test(text)) return undefined;
      found = found === null ? text : `${found}, ${text}`;
    }
    return found;
  }
}
