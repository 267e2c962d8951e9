// The shapes of a `writeHead` headers argument: an object, a flat `[name, value, …]` list
// or a nested `[[name, value], …]` list (any of them may name a header more than once).

/** The value of every entry of a `writeHead` headers argument whose name `matches`, in order; undefined when none does. */
export function writtenValues(headers: object, matches: (name: string) => boolean): unknown[] | undefined {
  const values: unknown[] = [];
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) {
      for (const entry of headers as unknown[][]) if (typeof entry[0] === 'string' && matches(entry[0])) values.push(entry[1]);
    } else for (let i = 0; i < headers.length; i += 2) if (typeof headers[i] === 'string' && matches(headers[i])) values.push(headers[i + 1]);
  } else for (const name in headers) if (matches(name)) values.push((headers as Record<string, unknown>)[name]);
  return values.length === 0 ? undefined : values;
}

/**
 * A copy of a `writeHead` headers argument (an object stays an object, a flat or nested list
 * becomes a flat list) whose first entry named as `matches` says has `value`, and no other
 * entry of that name. The app's own object is never changed.
 */
export function replaceWrittenHeader(headers: object, matches: (name: string) => boolean, value: unknown): unknown[] | Record<string, unknown> {
  let seen = false;
  const entry = (name: unknown, given: unknown): unknown => {
    if (typeof name !== 'string' || !matches(name)) return given;
    if (seen) return SKIP;
    seen = true;
    return value;
  };
  if (Array.isArray(headers)) {
    const nested = Array.isArray(headers[0]);
    const out: unknown[] = [];
    for (let i = 0; i < headers.length; i += nested ? 1 : 2) {
      const name: unknown = nested ? (headers[i] as unknown[])[0] : headers[i];
      const kept = entry(name, nested ? (headers[i] as unknown[])[1] : headers[i + 1]);
      if (kept !== SKIP) out.push(name, kept);
    }
    return out;
  }
  const copy: Record<string, unknown> = {};
  for (const name in headers) {
    const kept = entry(name, (headers as Record<string, unknown>)[name]);
    if (kept !== SKIP) copy[name] = kept;
  }
  return copy;
}

const SKIP: unique symbol = Symbol('skip');
