import { configError, numberOption } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';

/** Options of {@link bodyLimit}: the maximum request body in bytes. */
export interface BodyLimitOptions {
  /** Maximum body size in bytes. Default 1 MiB. */
  maxBytes?: number;
}

const DIGITS = /^\d+$/;

/**
 * Cap request bodies: Content-Length over the limit → 413 before the handler runs;
 * chunked bodies are counted while the application streams them and cut with 413;
 * Content-Length together with Transfer-Encoding (request smuggling) or a malformed
 * Content-Length → 400.
 *
 * @example
 * bodyLimit({ maxBytes: 1_048_576 })   // or bodyLimit(1_048_576)
 */
export function bodyLimit(options: BodyLimitOptions | number = {}): Middleware {
  if (typeof options !== 'number' && (typeof options !== 'object' || options === null)) {
    throw configError('bodyLimit takes a byte count or { maxBytes }.');
  }
  const raw = typeof options === 'number' ? options : (options.maxBytes ?? 1_048_576);
  if (typeof options === 'object') {
    for (const key of Object.keys(options))
      if (key !== 'maxBytes') throw configError(`bodyLimit: unknown option ${JSON.stringify(key)}; the only option is maxBytes.`);
  }
  const limit = numberOption(raw, 'bodyLimit', 0, Number.MAX_SAFE_INTEGER);
  const tooLarge = (): Reply => problem(413, `The request body is larger than ${limit} bytes.`);
  const exceeded = (req: RequestView): Reply => {
    req.emit('BODY_LIMIT_EXCEEDED', `body over ${limit} bytes`);
    return tooLarge();
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
        return undefined; // the HTTP parser delivers exactly Content-Length bytes
      }
      if (encoding !== undefined) req.limitBody(limit, () => exceeded(req));
      return undefined;
    },
  });
}
