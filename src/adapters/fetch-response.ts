/**
 * True when `value` is a Fetch `Response`: one of this realm (`instanceof`), or one of another
 * realm or Fetch implementation (a vm context, an edge runtime's own copy, a polyfill), which
 * `instanceof` does not recognise. Those are told by the class string every Fetch
 * implementation gives its Responses (`[object Response]`, WebIDL's) together with the
 * surface rampart reads and merges into (numeric `status`, `headers` with `get`/`set`/`append`,
 * `body` a stream or null). A plain object with `status` and `headers`, a string or nothing
 * is not a Response; a value whose getters throw is not one either (fail closed: the 500).
 */
export function isResponse(value: unknown): value is Response {
  if (value instanceof Response) return true;
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (Object.prototype.toString.call(value) !== '[object Response]') return false;
    const { status, headers, body } = value as { status?: unknown; headers?: { get?: unknown; set?: unknown; append?: unknown } | null; body?: unknown };
    return (
      typeof status === 'number' &&
      typeof headers?.get === 'function' &&
      typeof headers.set === 'function' &&
      typeof headers.append === 'function' &&
      (body === null || typeof body === 'object')
    );
  } catch {
    return false;
  }
}
