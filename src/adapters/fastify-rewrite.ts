import type { IncomingMessage } from 'node:http';
import { canonicalPath } from '../core/canonical.ts';
import { NodeExchange } from './node-exchange.ts';

/**
 * The URL Fastify's router dispatches on when a `rewriteUrl` option changed it, or undefined
 * when the request was not rewritten (Fastify keeps the client's target in `originalUrl`).
 */
export function rewrittenUrl(req: IncomingMessage): string | undefined {
  const original = (req as { originalUrl?: unknown }).originalUrl;
  return typeof original === 'string' && original !== req.url ? req.url : undefined;
}

/**
 * The exchange of a Fastify request whose URL `rewriteUrl` changed before routing. The view
 * keeps the target the client sent (signatures, logs, exemptions are about it) and adds
 * {@link routedPath}, the path the router runs, which rules match too. A rewritten URL that
 * cannot be canonicalised is refused (400) like a sent one.
 */
export class RewrittenExchange extends NodeExchange {
  #routed: string | undefined;
  #routedError: string | undefined;
  #resolved = false;

  /** The canonical path of the rewritten URL when its raw path differs from the sent one. */
  get routedPath(): string | undefined {
    if (!this.#resolved) this.#resolve();
    return this.#routed;
  }

  override get targetError(): string | undefined {
    const own = super.targetError;
    if (own !== undefined) return own;
    if (!this.#resolved) this.#resolve();
    return this.#routedError;
  }

  #resolve(): void {
    this.#resolved = true;
    const url = this.raw.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path === this.path) return;
    if (path.charCodeAt(0) !== 47 /* / */) {
      this.#routedError = 'a URL rewritten by the app (Fastify rewriteUrl) that is not a path';
      return;
    }
    const verdict = canonicalPath(path, this.context.allowEncodedSlashes === true ? { allowEncodedSlashes: true } : undefined);
    if (verdict.error !== undefined) this.#routedError = `${verdict.error} in the URL rewritten by the app (Fastify rewriteUrl)`;
    else this.#routed = verdict.path;
  }
}
