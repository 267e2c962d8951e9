/**
 * Reading a response body for the grader: every content coding the server lists is undone (in
 * reverse order, so `gzip, gzip` is gunzipped twice), and the read bound applies to the
 * decoded bytes. A body is "cut" when its decoded form passes the bound, when the connection
 * or a decoder fails before the end, or when a coding is one the scan cannot decode: the
 * grade then fails closed on what it did not read.
 * @module
 */
import type http from 'node:http';
import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';

/** A decoded body, at most the bound, and whether it is the whole answer. */
export interface DecodedBody {
  readonly body: Buffer;
  /** True when `body` is not the whole decoded answer (cut at the bound, failed, or not decodable). */
  readonly truncated: boolean;
}

/** More codings than this on one body is not a page a browser shows: not decoded, cut. */
const MAX_CODINGS = 4;

const createZstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;

function decoderFor(coding: string): Transform | null {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd':
      return typeof createZstd === 'function' ? createZstd() : null;
    default:
      return null;
  }
}

/**
 * The decoders for a Content-Encoding header, in the order the bytes go through them (the last
 * coding applied is undone first), or null when one of them cannot be decoded.
 */
export function decodersFor(header: string | string[] | undefined): Transform[] | null {
  const listed = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (listed.length > MAX_CODINGS) return null;
  const decoders: Transform[] = [];
  for (const coding of listed.reverse()) {
    const decoder = decoderFor(coding);
    if (decoder === null) return null;
    decoders.push(decoder);
  }
  return decoders;
}

/** Read `res` through its codings, keeping at most `limit` decoded bytes. Never rejects. */
export function readDecodedBody(res: http.IncomingMessage, limit: number): Promise<DecodedBody> {
  return new Promise((resolve) => {
    const decoders = decodersFor(res.headers['content-encoding']);
    if (decoders === null) {
      res.destroy();
      resolve({ body: Buffer.alloc(0), truncated: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (complete: boolean): void => {
      if (settled) return;
      settled = true;
      // Stops the download and any decoder still inflating (a small body can decode to gigabytes).
      for (const decoder of decoders) decoder.destroy();
      if (!complete) res.destroy();
      resolve({ body: Buffer.concat(chunks, size), truncated: !complete });
    };
    let out: Readable = res;
    for (const decoder of decoders) {
      out = out.pipe(decoder);
      decoder.on('error', () => finish(false));
    }
    out.on('data', (chunk: Buffer) => {
      if (settled) return;
      const room = limit - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = limit;
        finish(false);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    out.on('end', () => finish(true));
    res.on('error', () => finish(false));
    // A connection that ends before the body does (no 'end', and not always an 'error').
    res.on('close', () => {
      if (!res.complete) finish(false);
    });
  });
}
