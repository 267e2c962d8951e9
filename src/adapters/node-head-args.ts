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
