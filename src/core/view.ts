import { canonicalPath, quickCanonicalPath } from './canonical.ts';
import { safeEmit } from './events.ts';
import { parseCookies } from './cookies.ts';
import { requestUserId } from './user.ts';
import type { EventSink, ProxyTrust, Reply, RequestView, SecurityEventRecord } from './types.ts';

/** What every request view of one stack shares: the compiled proxy policy and the event sink. */
export interface ViewContext {
  readonly trust: ProxyTrust;
  readonly sink: EventSink;
  /** Keep `%2F`/`%5C` inside path segments instead of refusing the target (stack option `allowEncodedSlashes`). */
  readonly allowEncodedSlashes?: boolean;
  /**
   * How a rejection rampart answers outside the stack run (a chunked body cut at the limit,
   * a stalled body) reaches the client: the HTML page or problem+json, by Accept.
   */
  readonly presentNow?: (view: RequestView, reply: Reply) => Reply;
}

const ABSOLUTE_FORM = /^([a-z][a-z0-9+.-]{0,15}):\/\//i;

/** `host[:port]` lower-cased, without a default port (80, 443) or a trailing dot on the name. */
function comparableAuthority(value: string): string {
  let text = value.trim().toLowerCase();
  if (text.endsWith(':80')) text = text.slice(0, -3);
  else if (text.endsWith(':443')) text = text.slice(0, -4);
  if (text.endsWith('.')) text = text.slice(0, -1);
  return text;
}

/**
 * Base of the adapters' request views: runtime-specific subclasses supply raw access
 * (method, target, headers, socket); derived values are computed once, on first use.
 */
export abstract class RequestViewBase implements RequestView {
  abstract readonly method: string;
  abstract readonly raw: unknown;
  abstract readonly remoteAddress: string;
  abstract header(name: string): string | undefined;
  abstract readBody(limit: number): Promise<Uint8Array>;
  abstract limitBody(limit: number, onExceed: () => Reply): void;
  abstract watchBody(idleMs: number, onIdle: () => Reply): void;
  /** The request target as received: origin-form (`/path?query`) or absolute-form (`http://host/path`). */
  protected abstract target(): string;
  /**
   * The authority the runtime gives besides the target and Host: HTTP/2 `:authority`
   * (node), the URL's host (fetch runtimes). Undefined when there is none.
   */
  protected impliedAuthority(): string | undefined {
    return undefined;
  }
  /** True when the connection itself is TLS. */
  protected abstract encrypted(): boolean;
  /**
   * True when the request carried more than one Host line but `header('host')` shows one
   * (node:http keeps the first). Runtimes that join repeated lines into a list need not
   * override it: a comma in Host is refused the same way.
   */
  protected repeatedHost(): boolean {
    return false;
  }

  protected readonly context: ViewContext;
  #path: string | undefined;
  #query: string | undefined;
  #authority: string | undefined;
  #targetError: string | undefined;
  #canonical: string | undefined;
  #checked = false;
  #ip: string | undefined;
  #secure: boolean | undefined;
  #host: string | undefined;
  #cookies: Map<string, string> | undefined;
  #locals: Record<string, unknown> | undefined;

  constructor(context: ViewContext) {
    this.context = context;
  }

  get path(): string {
    if (this.#path === undefined) this.#splitTarget();
    return this.#path!;
  }

  get query(): string {
    if (this.#query === undefined) this.#splitTarget();
    return this.#query!;
  }

  #splitTarget(): void {
    let target = this.target();
    let authority: string | undefined;
    // Absolute-form targets (`GET http://host/path`): the authority replaces Host (RFC 9112 §3.2.2).
    if (target.charCodeAt(0) !== 47 /* / */) {
      const scheme = ABSOLUTE_FORM.exec(target);
      if (scheme === null) {
        // Asterisk-form (`OPTIONS *`) names no resource; routers read it (and `*?x`, or any other
        // target that is neither `/…` nor absolute-form) as `/` (Fastify), as a path (node) or
        // refuse it (@hono/node-server): it must never reach a route, an exemption or a redirect.
        this.#targetError =
          target === '*'
            ? 'the asterisk-form target "*" (OPTIONS *), which names no resource'
            : 'a target that is neither origin-form (/…) nor absolute-form (http://host/…)';
      } else {
        const start = scheme[0].length;
        let end = start;
        while (end < target.length) {
          const c = target.charCodeAt(end);
          if (c === 47 || c === 63 /* ? */ || c === 35 /* # */) break;
          end++;
        }
        authority = target.slice(start, end).toLowerCase();
        const rest = target.slice(end);
        target = rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
        // Only lower-case http/https: schemes are case-insensitive (RFC 3986), but @hono/node-server
        // answers `HTTP://…` 400 itself, and every adapter must decide alike.
        const name = scheme[1]!;
        if (name !== 'http' && name !== 'https') this.#targetError = `an absolute-form target with scheme ${JSON.stringify(name.slice(0, 16))}`;
        else if (authority.length === 0) this.#targetError = 'an absolute-form target without authority';
        else if (authority.indexOf('@') !== -1) this.#targetError = 'user information in the target authority';
      }
    }
    const q = target.indexOf('?');
    this.#path = q === -1 ? target : target.slice(0, q);
    this.#query = q === -1 ? '' : target.slice(q + 1);
    const host = this.header('host');
    // RFC 9112 §3.2: more than one Host line is a 400, whichever one an adapter would read.
    if (host !== undefined && this.#targetError === undefined && (host.indexOf(',') !== -1 || this.repeatedHost())) {
      this.#targetError = 'more than one Host header';
    }
    if (authority === undefined) {
      const implied = this.impliedAuthority();
      if (implied !== undefined && implied !== '') {
        authority = implied.toLowerCase();
        if (host !== undefined && this.#targetError === undefined && comparableAuthority(host) !== comparableAuthority(authority)) {
          this.#targetError = 'a Host header that disagrees with the request authority';
        }
      } else authority = (host ?? '').toLowerCase();
    } else if (host !== undefined && this.#targetError === undefined && comparableAuthority(host) !== comparableAuthority(authority)) {
      this.#targetError = 'an absolute-form target whose authority disagrees with Host';
    }
    this.#authority = authority;
  }

  /**
   * The authority this request is for (lower-case `host[:port]`): the absolute-form
   * target's, else HTTP/2 `:authority` (or the fetch URL's host), else Host. '' when absent.
   */
  get authority(): string {
    if (this.#authority === undefined) this.#splitTarget();
    return this.#authority!;
  }

  /** The canonical path (see `src/core/canonical.ts`): decoded, dot segments and `//` runs removed, `\` as `/`, lower-case. */
  get canonicalPath(): string {
    if (this.#canonical === undefined) this.#checkTarget();
    return this.#canonical!;
  }

  /**
   * Why this target cannot be read one way only (an encoded slash, NUL, `..`, invalid
   * UTF-8, an authority that disagrees with Host), or undefined. The stack answers 400.
   */
  get targetError(): string | undefined {
    if (!this.#checked) this.#checkTarget();
    return this.#targetError;
  }

  #checkTarget(): void {
    const path = this.path; // splits the target (and may set #targetError)
    this.#checked = true;
    const quick = quickCanonicalPath(path);
    if (quick !== undefined) {
      this.#canonical = quick;
      return;
    }
    const verdict = canonicalPath(path, this.context.allowEncodedSlashes === true ? { allowEncodedSlashes: true } : undefined);
    this.#canonical = verdict.error === undefined ? verdict.path : '';
    if (this.#targetError === undefined) this.#targetError = verdict.error;
  }

  get ip(): string {
    if (this.#ip === undefined) {
      this.#ip = this.context.trust.clientIp(this.remoteAddress, this.header('x-forwarded-for'), this.header('forwarded'));
    }
    return this.#ip;
  }

  get secure(): boolean {
    if (this.#secure === undefined) {
      if (this.encrypted()) this.#secure = true;
      else {
        const proto = this.context.trust.forwardedProto(this.remoteAddress, this.header('x-forwarded-proto'), this.header('forwarded'));
        this.#secure = proto === 'https';
      }
    }
    return this.#secure;
  }

  get host(): string {
    if (this.#host === undefined) {
      const forwarded = this.context.trust.forwardedHost(this.remoteAddress, this.header('x-forwarded-host'), this.header('forwarded'));
      this.#host = forwarded ?? this.authority;
    }
    return this.#host;
  }

  get locals(): Record<string, unknown> {
    if (this.#locals === undefined) this.#locals = {};
    return this.#locals;
  }

  cookie(name: string): string | undefined {
    if (this.#cookies === undefined) this.#cookies = parseCookies(this.header('cookie'));
    return this.#cookies.get(name);
  }

  emit(event: string, detail?: string, extra?: Partial<SecurityEventRecord>): void {
    const record: SecurityEventRecord = {
      event,
      ip: this.ip,
      userAgent: this.header('user-agent'),
      path: this.path,
      detail,
      ...extra,
    };
    // Who: the user rampart's auth (or the app) established for this request, ids as they are.
    if (record.userId === undefined) {
      const userId = requestUserId(this.#locals, this.raw);
      if (userId !== undefined) record.userId = userId;
    }
    safeEmit(this.context.sink, record);
  }
}
