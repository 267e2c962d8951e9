/**
 * Just enough form parsing to find one field: `application/x-www-form-urlencoded` and
 * `multipart/form-data` (RFC 7578). Nothing else is interpreted; files are skipped.
 */

/** The kind of form body a Content-Type announces, or undefined for anything else (JSON, text …). */
export type FormKind = { kind: 'urlencoded' } | { kind: 'multipart'; boundary: string };

/** Parse a Content-Type header (media type case-insensitive, parameters allowed). */
export function formKind(contentType: string | undefined): FormKind | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return { kind: 'urlencoded' };
  if (type !== 'multipart/form-data' || semi === -1) return undefined;
  const boundary = parameter(contentType.slice(semi + 1), 'boundary');
  // RFC 2046 §5.1.1: 1 to 70 characters.
  if (boundary === undefined || boundary.length === 0 || boundary.length > 70) return undefined;
  return { kind: 'multipart', boundary };
}

/** One parameter of a `; name=value; name="quoted"` list (names case-insensitive). */
function parameter(params: string, wanted: string): string | undefined {
  let rest = params;
  while (rest.length > 0) {
    const eq = rest.indexOf('=');
    if (eq === -1) return undefined;
    const name = rest.slice(0, eq).trim().toLowerCase();
    rest = rest.slice(eq + 1).trimStart();
    let value: string;
    if (rest.startsWith('"')) {
      let i = 1;
      value = '';
      while (i < rest.length && rest[i] !== '"') {
        if (rest[i] === '\\' && i + 1 < rest.length) i++;
        value += rest[i];
        i++;
      }
      rest = rest.slice(i + 1);
      const semi = rest.indexOf(';');
      rest = semi === -1 ? '' : rest.slice(semi + 1);
    } else {
      const semi = rest.indexOf(';');
      value = (semi === -1 ? rest : rest.slice(0, semi)).trim();
      rest = semi === -1 ? '' : rest.slice(semi + 1);
    }
    if (name === wanted) return value;
  }
  return undefined;
}

/** The first value of `field` in a urlencoded body, undefined when absent or badly encoded. */
export function urlencodedField(body: Uint8Array, field: string): string | undefined {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', start);
    const nameEnd = eq === -1 || eq > end ? end : eq;
    const name = decodeFormComponent(text.slice(start, nameEnd));
    if (name === field) {
      return eq === -1 || eq > end ? '' : decodeFormComponent(text.slice(eq + 1, end));
    }
    start = end + 1;
  }
  return undefined;
}

function decodeFormComponent(text: string): string | undefined {
  const plus = text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  if (plus.indexOf('%') === -1) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return undefined;
  }
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * The first non-file value of `field` in a multipart/form-data body, undefined when the
 * field is absent or the body is malformed. Part headers are limited to 8 KiB.
 */
export function multipartField(body: Uint8Array, boundary: string, field: string): string | undefined {
  const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // The first delimiter may be preceded by a preamble.
  let at = data.indexOf(delimiter);
  if (at === -1) return undefined;
  at += delimiter.length;
  for (;;) {
    // After a delimiter: `--` closes the body, otherwise optional whitespace then CRLF.
    if (data[at] === 45 && data[at + 1] === 45) return undefined;
    while (data[at] === 32 || data[at] === 9) at++;
    if (data[at] !== 13 || data[at + 1] !== 10) return undefined;
    at += 2;
    const headersEnd = data.indexOf(CRLF_CRLF, at);
    // A part with no headers starts directly with CRLF.
    const noHeaders = data[at] === 13 && data[at + 1] === 10;
    const headerStop = noHeaders ? at : headersEnd;
    if (headerStop === -1 || headerStop - at > 8192) return undefined;
    const headers = data.toString('latin1', at, headerStop);
    const valueStart = noHeaders ? at + 2 : headersEnd + 4;
    const end = data.indexOf(nextDelimiter, valueStart);
    if (end === -1) return undefined;
    const disposition = dispositionOf(headers);
    if (disposition !== undefined && disposition.name === field && !disposition.file) {
      return data.toString('utf8', valueStart, end);
    }
    at = end + nextDelimiter.length;
  }
}

function dispositionOf(headers: string): { name: string | undefined; file: boolean } | undefined {
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const value = line.slice(colon + 1);
    const semi = value.indexOf(';');
    if (semi === -1 || value.slice(0, semi).trim().toLowerCase() !== 'form-data') return undefined;
    const params = value.slice(semi + 1);
    return { name: parameter(params, 'name'), file: parameter(params, 'filename') !== undefined || parameter(params, 'filename*') !== undefined };
  }
  return undefined;
}
