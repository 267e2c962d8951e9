/** Headers as a fetch `Headers`, a plain record (any case) or a lookup function. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined> | ((name: string) => string | undefined);

/** Read one header (lower-case name) from any header source. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers === 'function') return headers(name);
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    for (const key of Object.keys(record)) if (key.toLowerCase() === name) value = record[key];
  }
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Bytes of a body given as a string or bytes. */
export function bodyBytes(body: string | Uint8Array | undefined | null): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('body must be a string or bytes (the exact raw body as received)');
}
