import { warnConfig } from '../core/events.ts';
import { configError, numberOption } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';

/** Options of {@link bodyLimit}: the maximum request body in bytes and how long it may stall. */
export interface BodyLimitOptions {
  /** Maximum body size in bytes. Default 1 MiB. */
  maxBytes?: number;
  /**
   * Seconds a request body may stay silent before it is complete (a client that sends the
   * headers, then stalls the body): 408, the connection closed, a BODY_TIMEOUT event. A body
   * the route never reads is cut too: after the response its connection is closed.
   * Default 10; `false` turns it off (announced).
   */
  idleTimeout?: number | false;
}

const DIGITS = /^\d+$/;

/**
 * Cap request bodies: Content-Length over the limit → 413 before the handler runs;
 * chunked bodies are counted while the application streams them and cut with 413;
 * Content-Length together with Transfer-Encoding (request smuggling) or a malformed
 * Content-Length → 400. A body that stalls (no byte for `idleTimeout` seconds, default 10)
 * → 408 and the connection closed.
 *
 * @example
 * bodyLimit({ maxBytes: 1_048_576, idleTimeout: 10 })   // or bodyLimit(1_048_576)
 */
export function bodyLimit(options: BodyLimitOptions | number = {}): Middleware {
  if (typeof options !== 'number' && (typeof options !== 'object' || options === null)) {
    throw configError('bodyLimit takes a byte count or { maxBytes, idleTimeout }.');
  }
  const raw = typeof options === 'number' ? options : (options.maxBytes ?? 1_048_576);
  if (typeof options === 'object') {
    for (const key of Object.keys(options))
      if (key !== 'maxBytes' && key !== 'idleTimeout')
        throw configError(`bodyLimit: unknown option ${JSON.stringify(key)}; the options are maxBytes and idleTimeout (seconds).`);
  }
  const limit = numberOption(raw, 'bodyLimit', 0, Number.MAX_SAFE_INTEGER);
  const idle = typeof options === 'number' ? undefined : options.idleTimeout;
  let idleSeconds: number | undefined = 10;
  if (idle === false) {
    idleSeconds = undefined;
    warnConfig(
      'bodyLimit.idleTimeout: false: a client may open a request body and stall it for as long as the server allows; keep an idle timeout (default 10 s).',
    );
  } else if (idle !== undefined) idleSeconds = numberOption(idle, 'bodyLimit.idleTimeout', 0.001, 3600, false);
  const idleMs = idleSeconds === undefined ? 0 : Math.max(1, Math.round(idleSeconds * 1000));
  const tooLarge = (): Reply => problem(413, `The request body is larger than ${limit} bytes.`);
  const exceeded = (req: RequestView): Reply => {
    req.emit('BODY_LIMIT_EXCEEDED', `body over ${limit} bytes`);
    return tooLarge();
  };
  const stalled = (req: RequestView): Reply => {
    req.emit('BODY_TIMEOUT', `no body bytes for ${idleSeconds} s`);
    return problem(408, `The request body stalled: no bytes arrived for ${idleSeconds} s.`, {
      title: 'Request Timeout',
      headers: { connection: 'close' },
    });
  };
  return Object.freeze<Middleware>({
    name: 'bodyLimit',
    handle(req) {
      const length = req.header('content-length');
      const encoding = req.header('transfer-encoding');
      if (length !== undefined) {
        if (encoding !== undefined) return problem(400, 'Content-Length and Transfer-Encoding must not both be sent.');
        if (!DIGITS.test(length)) return problem(400, 'Malformed Content-Length.');
        if (Number(length) > limit) return exceeded(req);
        // The HTTP parser delivers exactly Content-Length bytes: only their pace is watched.
        if (idleMs > 0 && length !== '0') req.watchBody(idleMs, () => stalled(req));
        return undefined;
      }
      if (encoding !== undefined) {
        req.limitBody(limit, () => exceeded(req));
        if (idleMs > 0) req.watchBody(idleMs, () => stalled(req));
      }
      return undefined;
    },
  });
}
