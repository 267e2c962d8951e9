import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { consumedBodyError } from '../core/consumed-body.ts';
import { sendNodeReply } from './node-reply.ts';
import { cutRequestBody, ignoreLateWrites } from './node-late-writes.ts';

function tooLarge(limit: number): RampartError {
  return new RampartError('ERR_RAMPART_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`);
}

/** True when the request announces a body (Content-Length > 0 or Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Read a node request body (≤ limit bytes) without consuming it for the application:
 * the bytes are read in paused mode and put back with `unshift()` before the stream
 * emits 'end', so body parsers and handlers that run later read exactly the same body.
 * A body something read before rampart rejects with the consumed-body error naming
 * `fix`, unless a raw parser kept the exact bytes (Express `express.raw()`: a Buffer in
 * `req.body`).
 */
export function readNodeBody(req: IncomingMessage, limit: number, fix: string): Promise<Uint8Array> {
  if (!hasBody(req)) return Promise.resolve(new Uint8Array(0));
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  if (req.readableEnded || req.readableFlowing === true) {
    const parsed = (req as IncomingMessage & { body?: unknown }).body;
    if (Buffer.isBuffer(parsed) && req.readableEnded) return parsed.length > limit ? Promise.reject(tooLarge(limit)) : Promise.resolve(parsed);
    return Promise.reject(consumedBodyError(fix));
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    // Listening for 'readable' calls read(0), which at the end of an empty body (an empty
    // chunked body) emits 'end' before the application listens: its reader would wait
    // forever. So wait until the bytes already received are parsed (the rest of the packet
    // is, before the next tick) and take an empty, complete body without listening.
    process.nextTick(() => {
      if (req.complete && req.readableLength === 0) resolve(new Uint8Array(0));
      else listen(resolve, reject);
    });
  });

  function listen(resolve: (body: Uint8Array) => void, reject: (error: unknown) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.removeListener('readable', onReadable);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new RampartError('ERR_RAMPART_BODY_READ', 'The request body could not be read.', { cause: error }));
    };
    const onClose = (): void => {
      if (!req.complete) onError(new Error('client aborted the request'));
    };
    const onReadable = (): void => {
      // read(n) of what is buffered, never read() at the end of the stream: that would emit
      // 'end' (before the application listens) when the body is empty.
      while (req.readableLength > 0) {
        const chunk = req.read(req.readableLength) as Buffer | null;
        if (chunk === null) break;
        size += chunk.length;
        if (size > limit) {
          cleanup();
          reject(tooLarge(limit));
          return;
        }
        chunks.push(chunk);
      }
      if (req.complete) {
        cleanup();
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        // Put the body back: legal until 'end' is emitted, which the pending data now prevents.
        if (body.length > 0) req.unshift(body);
        resolve(body);
      }
    };
    req.on('readable', onReadable);
    req.on('error', onError);
    req.on('close', onClose);
  }
}

/**
 * Enforce a body size limit while the application streams the body (chunked uploads
 * included), without reading it ourselves: bytes are counted as the HTTP parser pushes
 * them. Past the limit the rest is dropped, the client gets 413, and the application's
 * reader sees an error instead of a truncated body.
 */
export function limitNodeBody(req: IncomingMessage, res: ServerResponse, limit: number, onExceed: () => Reply): void {
  let seen = 0;
  let exceeded = false;
  const originalPush = req.push;
  req.push = function countingPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (exceeded) return false;
    if (chunk !== null && chunk !== undefined) {
      seen += (chunk as Buffer).length;
      if (seen > limit) {
        exceeded = true;
        if (!res.headersSent) {
          res.setHeader('connection', 'close');
          sendNodeReply(res, onExceed());
          ignoreLateWrites(res);
        }
        cutRequestBody(req, res, tooLarge(limit));
        return false;
      }
    }
    return originalPush.call(this, chunk, encoding);
  } as IncomingMessage['push'];
}

/**
 * Answer `onIdle()` (408, `Connection: close`) and drop the connection when no body byte
 * arrives for `idleMs` before the body is complete. Bytes are noticed as the HTTP parser
 * pushes them, so nothing is read here. While the application holds bytes it has not read
 * (a slow consumer, backpressure), the wait is its own and the timer starts over. The clock
 * keeps running after the response: a body the route never read that stalls would
 * otherwise hold the connection until the server's keep-alive timeout (72 s on Fastify).
 */
export function watchNodeBody(req: IncomingMessage, res: ServerResponse, idleMs: number, onIdle: () => Reply): void {
  if (req.complete || !hasBody(req)) return;
  let active = true;
  const stop = (): void => {
    active = false;
    clearTimeout(timer);
  };
  const timer = setTimeout(() => {
    if (!active || req.complete || req.destroyed) return;
    // Once the response is sent nobody will read the held bytes: the stall is the client's.
    if (req.readableLength > 0 && !res.writableFinished) {
      timer.refresh();
      return;
    }
    stop();
    if (!res.headersSent) {
      res.setHeader('connection', 'close');
      sendNodeReply(res, onIdle());
      ignoreLateWrites(res);
    }
    cutRequestBody(req, res, new RampartError('ERR_RAMPART_BODY_READ', `The request body stalled: no bytes arrived for ${idleMs / 1000} s.`));
  }, idleMs);
  timer.unref();
  const originalPush = req.push;
  req.push = function idlePush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (active) {
      if (chunk === null) stop();
      else timer.refresh();
    }
    return originalPush.call(this, chunk, encoding);
  } as IncomingMessage['push'];
  req.once('close', stop);
}

/** The node:http pair a fetch runtime on node passes after the request (@hono/node-server's `{ incoming, outgoing }`). */
interface NodeRuntimeArgument {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/**
 * On a fetch runtime that runs on node:http (@hono/node-server: its second argument holds
 * `incoming` and `outgoing`), drop the connection when, after the response, the rest of a
 * request body has not arrived `idleMs` after its last byte. The web side only watches a body
 * while someone reads it; an unread body that stalls would otherwise hold the connection
 * until the server's keep-alive timeout. Elsewhere (Bun, Deno, Workers) nothing is done.
 */
export function closeStalledRuntimeBody(runtimeArgument: unknown, idleMs: number): void {
  if (typeof runtimeArgument !== 'object' || runtimeArgument === null) return;
  const { incoming: req, outgoing: res } = runtimeArgument as NodeRuntimeArgument;
  if (typeof req?.push !== 'function' || typeof req.once !== 'function' || typeof res?.once !== 'function') return;
  if (req.complete || !hasBody(req)) return;
  let lastByte = Date.now();
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = (): void => {
    done = true;
    clearTimeout(timer);
  };
  const check = (): void => {
    if (done || req.complete || req.destroyed) return;
    const wait = lastByte + idleMs - Date.now();
    if (wait > 0) {
      timer = setTimeout(check, wait);
      timer.unref();
      return;
    }
    finish();
    req.destroy(new RampartError('ERR_RAMPART_BODY_READ', `The request body stalled: no bytes arrived for ${idleMs / 1000} s.`));
  };
  const originalPush = req.push;
  req.push = function stallPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (!done) {
      if (chunk === null) finish();
      else lastByte = Date.now();
    }
    return originalPush.call(this, chunk, encoding);
  } as IncomingMessage['push'];
  res.once('finish', check);
  req.once('close', finish);
}
