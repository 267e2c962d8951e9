import type { ProxyTrust } from '../client-ip/index.ts';
import { safeEmit } from './events.ts';
import { parseCookies } from './cookies.ts';
import type { EventSink, Reply, RequestView, SecurityEventRecord } from './types.ts';

/** What every request view of one stack shares: the compiled proxy policy and the event sink. */
export interface ViewContext {
  readonly trust: ProxyTrust;
  readonly sink: EventSink;
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
  /** The raw request target (`/path?query`). */
  protected abstract target(): string;
  /** True when the connection itself is TLS. */
  protected abstract encrypted(): boolean;

  protected readonly context: ViewContext;
  #path: string | undefined;
  #query: string | undefined;
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
    // Absolute-form targets (`GET http://host/path`) carry the path after the authority.
    if (target.charCodeAt(0) !== 47 /* / */ && /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
      const slash = target.indexOf('/', target.indexOf('//') + 2);
      target = slash === -1 ? '/' : target.slice(slash);
    }
    const q = target.indexOf('?');
    this.#path = q === -1 ? target : target.slice(0, q);
    this.#query = q === -1 ? '' : target.slice(q + 1);
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
      this.#host = forwarded ?? (this.header('host') ?? '').toLowerCase();
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
    safeEmit(this.context.sink, {
      event,
      ip: this.ip,
      userAgent: this.header('user-agent'),
      path: this.path,
      detail,
      ...extra,
    });
  }
}
