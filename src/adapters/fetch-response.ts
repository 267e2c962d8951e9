/**
 * True when `value` is a Fetch `Response` a server can send: one of this realm (`instanceof`),
 * or one of another realm or Fetch implementation (a vm context, an edge runtime's own copy,
 * a polyfill), which `instanceof` does not recognise. Those are told by the class string every
 * Fetch implementation gives its Responses (`[object Response]`, WebIDL's) together with the
 * surface rampart reads and merges into (`headers` with `get`/`set`/`append`, `body` a stream
 * or null).
 *
 * Sendable means a status a server can write: an integer from 200 to 599, or 101 (the
 * upgrade answer Deno and Bun build for WebSockets). `Response.error()` (type 'error', status
 * 0), a status such as 99 or 1000, a plain object with `status` and `headers`, a string,
 * nothing, and a value whose fields cannot be read (a Proxy around a Response, throwing
 * getters) are not: the adapter then calls the app's error path and answers rampart's 500.
 */
export function isResponse(value: unknown): value is Response {
  return unsendableReason(value) === undefined;
}

/** A status a server can write for an app's answer. */
function sendableStatus(status: unknown): boolean {
  return typeof status === 'number' && Number.isInteger(status) && ((status >= 200 && status <= 599) || status === 101);
}

/** What the app answered, in an error message. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  let name: unknown;
  try {
    name = (value as object).constructor?.name;
  } catch {
    name = undefined;
  }
  return `an object (${typeof name === 'string' ? name : 'no prototype'})`;
}

/**
 * Why `value` is not a Response a server can send (for the error the app's error path gets),
 * or undefined when it is one (see {@link isResponse}).
 */
export function unsendableReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return describeValue(value);
  try {
    if (value instanceof Response) {
      // Reading through the Response's own getters: a Proxy around one fails here.
      const status = value.status;
      if (sendableStatus(status)) return undefined;
      return value.type === 'error'
        ? "Response.error() (type 'error', status 0), which no server can send"
        : `a Response with status ${status}, which no server can send`;
    }
    if (Object.prototype.toString.call(value) !== '[object Response]') return describeValue(value);
    const { status, type, headers, body } = value as {
      status?: unknown;
      type?: unknown;
      headers?: { get?: unknown; set?: unknown; append?: unknown } | null;
      body?: { getReader?: unknown } | null;
    };
    const shaped =
      typeof headers?.get === 'function' &&
      typeof headers.set === 'function' &&
      typeof headers.append === 'function' &&
      (body === null || (typeof body === 'object' && typeof body?.getReader === 'function'));
    if (!shaped) return `${describeValue(value)} that looks like a Response but has no Fetch headers and body`;
    if (type === 'error' || !sendableStatus(status)) return `a Response with status ${String(status)}, which no server can send`;
    return undefined;
  } catch {
    return `${describeValue(value)} whose Response fields cannot be read (a Proxy or throwing getters)`;
  }
}
