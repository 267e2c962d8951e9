import type { Transform } from 'node:stream';

/**
 * The runtime-neutral view of an incoming request that every middleware decides on.
 * Adapters build it cheaply: on Node no `Request` object is created and no header is
 * copied; derived values (client ip, secure flag, host, cookies) are computed lazily.
 */
export interface RequestView {
  /** Request method as sent (upper-case for well-formed clients). */
  readonly method: string;
  /** Raw request target path (no query string), exactly as received: not decoded, not normalised. */
  readonly path: string;
  /** Raw query string without the leading `?` ('' when absent). */
  readonly query: string;
  /**
   * The one canonical path every path-scoped decision uses: percent-decoded once (UTF-8),
   * `\` read as `/`, `//` runs collapsed, `.` segments removed, lower-case (non-ASCII
   * case-folded). See `canonicalPath()` in `src/core/canonical.ts`; '' when the target is refused.
   */
  readonly canonicalPath: string;
  /**
   * The canonical path of the URL the app's router dispatches on, when the app rewrote the
   * client's target before routing (Fastify `rewriteUrl`) and the two paths differ;
   * undefined otherwise. Rules that add a check match either reading; exemptions apply
   * only while there is one reading.
   */
  readonly routedPath?: string | undefined;
  /**
   * The authority the request is for (lower-case `host[:port]`): an absolute-form
   * target's, else HTTP/2 `:authority`, else `Host`. '' when absent.
   */
  readonly authority: string;
  /**
   * Why the target cannot be read one way only (encoded slash, NUL, `..`, invalid UTF-8,
   * an authority disagreeing with Host), or undefined. The stack answers such targets 400.
   */
  readonly targetError?: string | undefined;
  /** One request header by name, in any case; repeated headers are joined with `, `; undefined when absent. */
  header(name: string): string | undefined;
  /**
   * How many lines of header `name` the request carried, on runtimes whose header map keeps
   * only one of them (node:http keeps the first Authorization, Content-Type, …). Absent where
   * repeated lines are joined into one value (fetch runtimes): a comma there tells. Scans
   * the raw lines, so call it only when the answer matters.
   */
  headerLines?(name: string): number;
  /** One cookie value by name (the `Cookie` header is parsed on first use). */
  cookie(name: string): string | undefined;
  /** The client address after the trusted-proxy walk (IPv4-mapped IPv6 reduced to IPv4). '' when unknown. */
  readonly ip: string;
  /** The address of the peer that opened the connection. '' when the runtime does not expose it. */
  readonly remoteAddress: string;
  /** True when the request arrived over TLS, or a trusted proxy says so via X-Forwarded-Proto / Forwarded. */
  readonly secure: boolean;
  /** The effective host (`host[:port]`, lower-case): {@link RequestView.authority}, or `X-Forwarded-Host` when sent by a trusted proxy. '' when absent. */
  readonly host: string;
  /** The adapter's native request (IncomingMessage, Fastify request, Hono context, fetch Request). */
  readonly raw: unknown;
  /** Per-request values shared between middleware and exposed to handlers (CSP nonce, CSRF token, …). */
  readonly locals: Record<string, unknown>;
  /**
   * Emit a security event for this request to the stack's event sink. ip, user agent and
   * path are filled from this view (trusted client ip, never a spoofable header).
   */
  emit(event: string, detail?: string, extra?: Partial<SecurityEventRecord>): void;
  /**
   * Read the whole request body, at most `limit` bytes, WITHOUT consuming it for the
   * application: the handler (or the framework's body parser) still reads the same bytes.
   * Rejects with RampartError ERR_RAMPART_BODY_TOO_LARGE when the body is larger.
   */
  readBody(limit: number): Promise<Uint8Array>;
  /** The exact body bytes once {@link RequestView.readBody} has read them, else undefined (see `rawBody(req)`). */
  readonly bodyBytes?: Uint8Array | undefined;
  /**
   * Cap the request body at `limit` bytes while the application streams it (chunked
   * bodies included). When the cap is crossed the request is answered with `onExceed()`'s
   * reply (413) and the rest of the body is discarded.
   */
  limitBody(limit: number, onExceed: () => Reply): void;
  /**
   * Answer `onIdle()`'s reply (408) and close the connection when the body stalls: no byte
   * arrives for `idleMs` while the body is incomplete (and, on fetch runtimes, while it is
   * being read). The application's reader then sees ERR_RAMPART_BODY_READ.
   */
  watchBody(idleMs: number, onIdle: () => Reply): void;
}

/** Response headers a middleware adds while letting the request continue. */
export interface ResponseControl {
  /** Set (replace) a response header. */
  set(name: string, value: string): void;
  /**
   * Set several headers, `[name, value, name, value, …]` with distinct names: the same as
   * `set` for each pair in order. Optional: an adapter that can take such a precomputed
   * template in one copy (no lookup per name while nothing is set yet) provides it.
   */
  setAll?(pairs: readonly string[]): void;
  /** Add a value to a header (a new line for Set-Cookie; a comma-joined token elsewhere, e.g. Vary). */
  append(name: string, value: string): void;
  /** Current value of a response header set so far (by rampart or the handler). */
  get(name: string): string | undefined;
  /**
   * Register a hook that runs once, just before the response head is written (after the
   * handler chose status and headers). The hook may edit headers and may return a body
   * encoder that the adapter applies to the whole body (compression).
   */
  onHead(hook: HeadHook): void;
}

/** Called once with the final status and headers before they are sent. */
export type HeadHook = (head: ResponseHead) => BodyEncoder | undefined;

/** The response head as the handler left it, editable by head hooks. */
export interface ResponseHead {
  readonly status: number;
  readonly method: string;
  /** Length of the complete body when the adapter knows it (one-shot body or Content-Length), else undefined. */
  readonly bodyLength: number | undefined;
  /** True when the body is produced incrementally (written in chunks, a stream, server-sent events). */
  readonly streaming: boolean;
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  /** Add a value beside the handler's: a new line for Set-Cookie, a comma-joined value elsewhere. */
  append(name: string, value: string): void;
  remove(name: string): void;
}

/** A body transformation chosen by a head hook (compression). */
export interface BodyEncoder {
  /** Content-Encoding token written by the hook ('gzip', 'br', 'zstd'). */
  readonly encoding: string;
  /** Encode a complete, already-buffered body synchronously (small bodies). */
  encodeSync(body: Uint8Array): Uint8Array;
  /** A streaming encoder for bodies written in several chunks or of unknown length. */
  createStream(): Transform;
}

/** Headers of a reply: a plain record or name/value pairs (use pairs for repeated names). */
export type ReplyHeaders = Record<string, string> | ReadonlyArray<readonly [string, string]>;

/** A "respond now" decision: the stack answers without calling the application. */
export interface Reply {
  readonly status: number;
  readonly headers?: ReplyHeaders;
  readonly body?: string | Uint8Array;
}

/** What a middleware returns: nothing to continue, or a Reply to answer now. */
// biome-ignore lint/suspicious/noConfusingVoidType: a middleware that ends without `return` continues; void lets it type-check
export type Decision = Reply | undefined | void;

/**
 * A rampart middleware: a pure decision over the request view. It may add response
 * headers through `res`, register head hooks, or return a Reply. Async only when it must
 * be (remote stores, body reads): a synchronous return keeps the hot path promise-free.
 */
export interface Middleware {
  /** Stable name, e.g. 'securityHeaders', used in diagnostics and `rampart check`. */
  readonly name: string;
  /**
   * True when the middleware decides per client address (a limit or a block keyed by it).
   * On runtimes that give no address (Workers) such a stack refuses to run rather than let
   * every client share one key; see the fetch and Hono adapters' `clientIp` option.
   */
  readonly clientKeyed?: boolean;
  handle(req: RequestView, res: ResponseControl): Decision | Promise<Decision>;
  /** Release timers, connections and stores. */
  close?(): Promise<void> | void;
}

/** One security event as middleware emit it; the SecurityLog stores it. */
export interface SecurityEventRecord {
  event: string;
  ip?: string | undefined;
  userId?: string | number | undefined;
  userAgent?: string | undefined;
  path?: string | undefined;
  detail?: string | undefined;
}

/**
 * Where events go. Implementations must never throw and never block: the SecurityLog
 * enqueues into a bounded queue and returns immediately.
 */
export interface EventSink {
  emit(record: SecurityEventRecord): void;
}

/**
 * Which header family a trusted proxy uses to report the client (address, scheme, host):
 * - `'x-forwarded'` (default, as Express): `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host`.
 * - `'forwarded'`: RFC 7239 `Forwarded: for=…;proto=…;host=…`.
 *
 * The other family is ignored entirely: most proxies append to one family and pass the
 * other on as the client sent it.
 */
export type ProxyHeadersOption = 'x-forwarded' | 'forwarded';

/**
 * The compiled trusted-proxy policy used by every request view (compiled by
 * `compileTrustProxy()` in `src/client-ip/`). Each method receives both
 * header families' values and reads only the configured one.
 */
export interface ProxyTrust {
  /** The header family this policy reads. */
  readonly family: ProxyHeadersOption;
  /** True when the immediate peer may set forwarding headers. */
  trusts(remoteAddress: string): boolean;
  /** The client address after walking the forwarding chain; falls back to the socket address on malformed input. */
  clientIp(remoteAddress: string, xForwardedFor: string | undefined, forwarded: string | undefined): string;
  /** Scheme reported by a trusted peer ('https' / 'http'), or undefined. */
  forwardedProto(remoteAddress: string, xForwardedProto: string | undefined, forwarded: string | undefined): string | undefined;
  /**
   * Host reported by a trusted peer, or undefined. A list of hosts (`a.example, b.example`)
   * is returned whole: apps read different entries, so the host guard refuses it.
   */
  forwardedHost(remoteAddress: string, xForwardedHost: string | undefined, forwarded: string | undefined): string | undefined;
}
