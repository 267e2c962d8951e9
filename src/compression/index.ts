import type * as Zlib from 'node:zlib';
import { builtin } from '../core/builtin.ts';
import type { Transform } from 'node:stream';
import { checkKeys, configError, boolOption, numberOption, optionsObject } from '../core/options.ts';
import { secretInBody } from '../core/secret-body.ts';
import type { BodyEncoder, HeadHook, Middleware, RequestView, ResponseHead } from '../core/types.ts';
import { negotiate, type Encoding } from './negotiate.ts';

export { negotiate, type Encoding } from './negotiate.ts';

/** Options of {@link compression} (the seed's CompressionMiddleware, camelCased). */
export interface CompressionOptions {
  /** Minimum body size in bytes to compress. Default 500. */
  minSize?: number;
  /** gzip level 1–9. Default 6. */
  level?: number;
  /** Brotli quality 0–11 for dynamic responses. Default 4 (fast; static assets should be precompressed). */
  brotliQuality?: number;
  /** zstd level 1–19. Default 3. */
  zstdLevel?: number;
  /** Codings offered, in server preference order. Default ['zstd', 'br', 'gzip'] (zstd only where node:zlib has it). */
  encodings?: readonly Encoding[];
  /** Compress streamed responses of unknown length (server-sent events excluded) too. Default false; a body written in chunks with a declared Content-Length is always compressed. */
  streams?: boolean;
  /** Decide by content type; default: text, JSON, XML, JavaScript, SVG, WebAssembly and similar. */
  filter?: (contentType: string) => boolean;
  /**
   * BREACH guard: leave uncompressed the responses that carry secrets — those that set a
   * cookie (`Set-Cookie`) and those whose handler called `csrfToken(req)` or
   * `rotateCsrf()`. A compressed response's length reveals how well attacker-reflected
   * text matches a secret in the same body; an uncompressed one reveals nothing.
   * Default false.
   */
  breachGuard?: boolean;
}

const KEYS = ['minSize', 'level', 'brotliQuality', 'zstdLevel', 'encodings', 'streams', 'filter', 'breachGuard'] as const;
/** node:zlib, loaded when the first compression middleware is built (not at import). */
const zlibModule = (): typeof Zlib => builtin<typeof Zlib>('node:zlib');
const hasZstd = (): boolean => typeof (zlibModule() as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const SMALL = 4096;
/** Output chunk size for small bodies (see encoders()). */
const SMALL_CHUNK = 1024;

/** Default content-type test: textual and structured types compress; media and archives do not. */
export function compressible(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type.startsWith('text/')) return type !== 'text/event-stream';
  if (type.endsWith('+json') || type.endsWith('+xml')) return true;
  switch (type) {
    case 'application/json':
    case 'application/javascript':
    case 'application/x-javascript':
    case 'application/ecmascript':
    case 'application/xml':
    case 'application/x-ndjson':
    case 'application/wasm':
    case 'application/graphql-response+json':
    case 'application/vnd.ms-fontobject':
    case 'image/svg+xml':
    case 'image/x-icon':
    case 'image/bmp':
    case 'font/ttf':
    case 'font/otf':
      return true;
    default:
      return false;
  }
}

/**
 * The body encoders of one compression middleware. gzip and zstd encoders are built once,
 * in two variants: small bodies get a 4 KiB window (gzip; compresses them exactly as well
 * as 32 KiB and sets up faster) and 1 KiB output chunks — zlib's default 16 KiB output
 * buffer is allocated outside V8's pool on every call, and for a 1.2 KB JSON body that
 * allocation alone was a fifth of gzip's time. Brotli's carry a per-body size hint.
 */
function encoders(level: number, brotliQuality: number, zstdLevel: number): (coding: Encoding, length: number | undefined) => BodyEncoder {
  const zlib = zlibModule();
  const gzipWith = (options: Zlib.ZlibOptions): BodyEncoder => ({
    encoding: 'gzip',
    encodeSync: (body) => zlib.gzipSync(body, options),
    createStream: () => zlib.createGzip(options),
  });
  const gzipSmall = gzipWith({ level, windowBits: 12, memLevel: 6, chunkSize: SMALL_CHUNK });
  const gzipLarge = gzipWith({ level });
  let zstdSmall: BodyEncoder | undefined;
  let zstdLarge: BodyEncoder | undefined;
  if (hasZstd()) {
    const z = zlib as unknown as {
      zstdCompressSync(b: Uint8Array, o: object): Buffer;
      createZstdCompress(o: object): Transform;
      constants: Record<string, number>;
    };
    const zstdWith = (options: object): BodyEncoder => ({
      encoding: 'zstd',
      encodeSync: (body) => z.zstdCompressSync(body, options),
      createStream: () => z.createZstdCompress(options),
    });
    const params = { [z.constants.ZSTD_c_compressionLevel!]: zstdLevel };
    zstdSmall = zstdWith({ params, chunkSize: SMALL_CHUNK });
    zstdLarge = zstdWith({ params });
  }
  const brotli = (length: number | undefined): BodyEncoder => {
    const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality };
    if (length !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = length;
    const small = length !== undefined && length <= SMALL;
    if (small) params[zlib.constants.BROTLI_PARAM_LGWIN] = 12;
    const options: Zlib.BrotliOptions = small ? { params, chunkSize: SMALL_CHUNK } : { params };
    return { encoding: 'br', encodeSync: (body) => zlib.brotliCompressSync(body, options), createStream: () => zlib.createBrotliCompress(options) };
  };
  return (coding, length) => {
    const small = length !== undefined && length <= SMALL;
    if (coding === 'gzip') return small ? gzipSmall : gzipLarge;
    if (coding === 'zstd') return small ? zstdSmall! : zstdLarge!;
    return brotli(length);
  };
}

/**
 * Compress responses with zstd, Brotli or gzip as negotiated from Accept-Encoding.
 * Skips HEAD, 204/304, already-encoded bodies, `Cache-Control: no-transform`,
 * non-compressible types (images, video, audio, archives), bodies under `minSize`, and
 * streamed responses unless `streams: true`. Always sends `Vary: Accept-Encoding`;
 * a strong ETag becomes weak when the body is compressed. Small bodies are compressed
 * synchronously with a small window; large and streamed bodies go through zlib streams.
 * With `breachGuard: true`, responses that set a cookie or render the CSRF token are sent
 * uncompressed (BREACH).
 *
 * @example
 * compression({ minSize: 500, level: 6 })
 */
export function compression(options: CompressionOptions = {}): Middleware {
  const opts = optionsObject(options, 'compression') as CompressionOptions;
  checkKeys(opts, KEYS, 'compression');
  const minSize = numberOption(opts.minSize ?? 500, 'compression.minSize', 0, Number.MAX_SAFE_INTEGER);
  const level = numberOption(opts.level ?? 6, 'compression.level', 1, 9);
  const brotliQuality = numberOption(opts.brotliQuality ?? 4, 'compression.brotliQuality', 0, 11);
  const zstdLevel = numberOption(opts.zstdLevel ?? 3, 'compression.zstdLevel', 1, 19);
  const streams = boolOption(opts.streams ?? false, 'compression.streams');
  const breachGuard = boolOption(opts.breachGuard ?? false, 'compression.breachGuard');
  const filter = opts.filter ?? compressible;
  if (typeof filter !== 'function') throw configError('compression.filter must be a function (contentType) => boolean.');
  const requested = opts.encodings ?? ['zstd', 'br', 'gzip'];
  if (!Array.isArray(requested) || requested.length === 0 || requested.some((e) => e !== 'zstd' && e !== 'br' && e !== 'gzip')) {
    throw configError("compression.encodings must be a non-empty list of 'zstd', 'br' and 'gzip'.");
  }
  const preference = requested.filter((e) => e !== 'zstd' || hasZstd()) as Encoding[];
  // Accept-Encoding values repeat across clients; cache the negotiation per distinct header.
  const negotiated = new Map<string, Encoding | null>();
  const encoderFor = encoders(level, brotliQuality, zstdLevel);

  const decide = (coding: Encoding, head: ResponseHead): BodyEncoder | undefined => {
    if (head.method === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 206 || head.status === 304) return undefined;
    if (head.get('content-encoding') !== undefined) return undefined;
    const cacheControl = head.get('cache-control');
    if (cacheControl !== undefined && /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(cacheControl)) return undefined;
    const type = head.get('content-type');
    if (type === undefined || !filter(type)) return undefined;
    if (head.bodyLength !== undefined && head.bodyLength < minSize) return undefined;
    // A body written in pieces is compressed when `streams` is on, or when its length is
    // declared (a finite body, e.g. Express after express-session split its end()).
    if (head.streaming && ((!streams && head.bodyLength === undefined) || type.toLowerCase().startsWith('text/event-stream'))) return undefined;
    head.set('content-encoding', coding);
    head.remove('accept-ranges');
    const etag = head.get('etag');
    if (etag !== undefined && !etag.startsWith('W/')) head.set('etag', `W/${etag}`);
    return encoderFor(coding, head.bodyLength);
  };

  // One hook per coding, made once: no closure per request.
  const hooks = new Map<Encoding, HeadHook>(preference.map((coding) => [coding, (head: ResponseHead) => decide(coding, head)]));
  // With the guard, the hook needs the request (was csrfToken() called?): one closure per request, opt-in only.
  const guarded = (coding: Encoding, req: RequestView): HeadHook => {
    const hook = hooks.get(coding)!;
    return (head) => (head.get('set-cookie') !== undefined || secretInBody(req) ? undefined : hook(head));
  };

  return Object.freeze<Middleware>({
    name: 'compression',
    handle(req, res) {
      res.append('vary', 'Accept-Encoding');
      const accept = req.header('accept-encoding');
      if (accept === undefined || accept === '') return undefined;
      let coding = negotiated.get(accept);
      if (coding === undefined) {
        coding = negotiate(accept, preference) ?? null;
        if (negotiated.size >= 256) negotiated.clear();
        negotiated.set(accept, coding);
      }
      if (coding === null) return undefined;
      res.onHead(breachGuard ? guarded(coding, req) : hooks.get(coding)!);
      return undefined;
    },
  });
}
