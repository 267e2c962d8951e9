import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { BodyEncoder, HeadHook, ResponseHead } from '../core/types.ts';

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

/**
 * Defer a node response's head until the first body write so head hooks see the final
 * status and headers, then apply the chosen body encoder: synchronously when the whole
 * body arrives in one `end()` call, as a stream otherwise. Installed per response only
 * when a middleware registered a hook (e.g. compression for a client that accepts it).
 */
export function installHeadHooks(res: ServerResponse, method: string, hooks: readonly HeadHook[]): void {
  const originalWrite = res.write as (chunk: Chunk, encoding?: unknown, cb?: unknown) => boolean;
  const originalEnd = res.end as (chunk?: unknown, encoding?: unknown, cb?: unknown) => ServerResponse;
  const originalWriteHead = res.writeHead;
  let started = false;
  let stream: import('node:stream').Transform | undefined;

  res.writeHead = function deferredWriteHead(this: ServerResponse, status: number, ...rest: unknown[]): ServerResponse {
    this.statusCode = status;
    let headers = rest[0];
    if (typeof headers === 'string') {
      this.statusMessage = headers;
      headers = rest[1];
    }
    if (Array.isArray(headers)) {
      // Either [[name, value], …] or a flat [name, value, name, value].
      if (Array.isArray(headers[0])) for (const [n, v] of headers as Array<[string, string]>) this.setHeader(n, v);
      else for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers !== undefined && headers !== null) {
      const h = headers as OutgoingHttpHeaders;
      for (const name in h) if (h[name] !== undefined) this.setHeader(name, h[name]!);
    }
    return this;
  } as ServerResponse['writeHead'];

  const start = (bodyLength: number | undefined, streaming: boolean): BodyEncoder | undefined => {
    started = true;
    // Node's own implicit header path calls writeHead: give it the real one back. Assigned,
    // not deleted: `delete` would drop the response object into slow dictionary mode.
    res.writeHead = originalWriteHead;
    const head: ResponseHead = {
      status: res.statusCode,
      method,
      bodyLength,
      streaming,
      get(name) {
        const v = res.getHeader(name);
        return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
      },
      set: (name, value) => void res.setHeader(name, value),
      remove: (name) => res.removeHeader(name),
    };
    let encoder: BodyEncoder | undefined;
    for (const hook of hooks) {
      const chosen = hook(head);
      if (chosen !== undefined && encoder === undefined) encoder = chosen;
    }
    return encoder;
  };

  const startStream = (encoder: BodyEncoder): void => {
    res.removeHeader('content-length');
    const s = encoder.createStream();
    stream = s;
    s.on('data', (chunk: Buffer) => {
      if (!originalWrite.call(res, chunk)) s.pause();
    });
    res.on('drain', () => s.resume());
    s.on('end', () => originalEnd.call(res));
    s.on('error', () => res.destroy());
  };

  res.write = function write(this: ServerResponse, chunk: Chunk, encoding?: BufferEncoding | Callback, cb?: Callback): boolean {
    if (!started) {
      const declared = Number(res.getHeader('content-length'));
      const encoder = start(Number.isFinite(declared) && res.hasHeader('content-length') ? declared : undefined, true);
      if (encoder !== undefined) startStream(encoder);
    }
    if (stream !== undefined) return stream.write(chunk, encoding as BufferEncoding, cb);
    return originalWrite.call(res, chunk, encoding as BufferEncoding, cb);
  } as ServerResponse['write'];

  res.end = function end(this: ServerResponse, chunk?: Chunk | Callback, encoding?: BufferEncoding | Callback, cb?: Callback): ServerResponse {
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (!started) {
      const body = chunk === undefined || chunk === null ? undefined : typeof chunk === 'string' ? Buffer.from(chunk, encoding as BufferEncoding) : chunk;
      const encoder = start(body === undefined ? 0 : body.byteLength, false);
      if (encoder !== undefined && body !== undefined && method !== 'HEAD') {
        let encoded: Uint8Array | undefined;
        try {
          encoded = encoder.encodeSync(body);
        } catch {
          res.removeHeader('content-encoding'); // encoding failed: send the body as it is
        }
        if (encoded !== undefined) {
          res.setHeader('content-length', encoded.byteLength);
          return originalEnd.call(res, encoded, cb);
        }
      }
      return originalEnd.call(res, body as Buffer, cb);
    }
    if (stream !== undefined) {
      if (chunk !== undefined && chunk !== null) stream.write(chunk, encoding as BufferEncoding);
      stream.end(cb);
      return res;
    }
    return originalEnd.call(res, chunk as Chunk, encoding as BufferEncoding, cb);
  } as ServerResponse['end'];
}
