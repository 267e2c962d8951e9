/**
 * Calls `visit` with the value of every entry of a `writeHead` headers argument (an object, a
 * flat `[name, value, …]` list or a nested `[[name, value], …]` list) whose name `matches`.
 */
export function eachWrittenHeader(headers: object, matches: (name: string) => boolean, visit: (value: unknown) => void): void {
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) {
      for (const entry of headers as unknown[][]) if (typeof entry[0] === 'string' && matches(entry[0])) visit(entry[1]);
    } else for (let i = 0; i < headers.length; i += 2) if (typeof headers[i] === 'string' && matches(headers[i])) visit(headers[i + 1]);
    return;
  }
  for (const name in headers) if (matches(name)) visit((headers as Record<string, unknown>)[name]);
}

/** What an entry function of {@link copyWrittenHeaders} returns to leave the entry out. */
export const DROP: unique symbol = Symbol('drop');

/**
 * A copy of a `writeHead` headers argument (an object stays an object, a flat or nested list
 * becomes a flat list) with every entry's value replaced by what `entry` returns for it, or
 * left out for {@link DROP}. The app's own object is never changed.
 */
export function copyWrittenHeaders(headers: object, entry: (name: unknown, value: unknown) => unknown): unknown[] | Record<string, unknown> {
  if (Array.isArray(headers)) {
    const nested = Array.isArray(headers[0]);
    const out: unknown[] = [];
    for (let i = 0; i < headers.length; i += nested ? 1 : 2) {
      const name: unknown = nested ? (headers[i] as unknown[])[0] : headers[i];
      const value = entry(name, nested ? (headers[i] as unknown[])[1] : headers[i + 1]);
      if (value !== DROP) out.push(name, value);
    }
    return out;
  }
  const copy: Record<string, unknown> = {};
  for (const name in headers) {
    const value = entry(name, (headers as Record<string, unknown>)[name]);
    if (value !== DROP) copy[name] = value;
  }
  return copy;
}
