import { warnConfig } from '../core/events.ts';
import { checkKeys, configError, optionsObject, stringList } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';
import { isHostPort } from '../core/host-syntax.ts';
import { isPublicSuffix } from '../core/public-suffix.ts';

/** Options of {@link hostGuard}. */
export interface HostGuardOptions {
  /** Exact host names, `.example.org` (the domain and every subdomain), IP literals (`[::1]`), or `'*'`. Required. */
  allowedHosts: readonly string[];
}

/**
 * Split `host[:port]` and return the lower-case host name without port or trailing dot,
 * or undefined when the value is not a syntactically valid host.
 */
export function hostName(value: string): string | undefined {
  if (value.length === 0 || value.length > 260) return undefined;
  const lower = value.toLowerCase();
  if (!isHostPort(lower)) return undefined;
  let name: string;
  if (lower.charCodeAt(0) === 91 /* [ */) name = lower.slice(0, lower.indexOf(']') + 1);
  else {
    const colon = lower.indexOf(':');
    name = colon === -1 ? lower : lower.slice(0, colon);
    if (name.endsWith('.')) name = name.slice(0, -1);
  }
  return name;
}

/** A compiled host allowlist. */
export type HostMatcher = (host: string) => boolean;

/** Compile an allowedHosts list (Django ALLOWED_HOSTS semantics). */
export function compileHosts(list: readonly string[], option = 'allowedHosts'): HostMatcher {
  const entries = stringList(list, option);
  if (entries.length === 0) throw configError(`${option} is empty: list the host names this app serves, e.g. ['example.com', '.example.org'].`);
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') {
      any = true;
      continue;
    }
    if (entry.startsWith('.')) {
      const base = hostName(entry.slice(1));
      if (base === undefined || base.startsWith('['))
        throw configError(`${option}: ${JSON.stringify(raw)} is not a valid domain wildcard; write '.example.org'.`);
      if (isPublicSuffix(base))
        throw configError(
          `${option}: ${JSON.stringify(raw)} is a wildcard over the public suffix ${base}: it admits every site anyone registers there (host header poisoning, DNS rebinding). List your own domain, e.g. '.example.${base}'.`,
        );
      exact.add(base);
      suffixes.push(`.${base}`);
      continue;
    }
    const name = hostName(entry.startsWith('[') || entry.indexOf(':') === -1 ? entry : `[${entry}]`);
    if (name === undefined)
      throw configError(`${option}: ${JSON.stringify(raw)} is not a valid host name; write 'example.com', '.example.org' or '[::1]' (no scheme, no path).`);
    exact.add(name);
  }
  if (any) {
    warnConfig(`${option} contains '*': every Host header is accepted (host header poisoning is possible).`, undefined, 'hosts.any');
    return (host) => hostName(host) !== undefined;
  }
  // Nearly every request repeats the last accepted Host value: skip the parse for it.
  let lastAccepted = '';
  return (host) => {
    if (host === lastAccepted && host !== '') return true;
    const name = hostName(host);
    if (name === undefined) return false;
    let ok = exact.has(name);
    for (let i = 0; !ok && i < suffixes.length; i++) ok = name.endsWith(suffixes[i]!);
    if (ok) lastAccepted = host;
    return ok;
  };
}

/**
 * Reject requests whose authority is not in the allowlist with 400 problem+json —
 * defeating cache and password-reset poisoning. The authority is the absolute-form
 * target's (`GET http://host/x`), else HTTP/2 `:authority`, else Host. When a trusted
 * proxy also sends X-Forwarded-Host, both it and the authority must be allowed: apps differ
 * in which one they build URLs from (a proxy that rewrites Host to an internal name needs
 * that name listed too). A target whose authority disagrees with Host never gets here: the
 * stack answers it 400 first.
 *
 * @example
 * hostGuard({ allowedHosts: ['example.com', '.example.org'] })
 */
export function hostGuard(options: HostGuardOptions): Middleware {
  const opts = optionsObject(options, 'hostGuard') as unknown as HostGuardOptions;
  checkKeys(opts, ['allowedHosts'], 'hostGuard');
  if (opts.allowedHosts === undefined) throw configError("hostGuard.allowedHosts is required, e.g. ['example.com'].");
  const allowed = compileHosts(opts.allowedHosts);
  return Object.freeze<Middleware>({
    name: 'hostGuard',
    handle(req) {
      // Behind a trusted proxy, req.host is X-Forwarded-Host while many apps build URLs from
      // Host: every reading the app may use must be allowed.
      const host = req.host;
      const authority = req.authority;
      const bad = !allowed(host) ? host : authority !== host && !allowed(authority) ? authority : undefined;
      return bad === undefined ? undefined : refuseHost(req, bad);
    },
  });
}

/** The answer to a host outside the allowlist: an INVALID_HOST event and 400 (shared with httpsRedirect). */
export function refuseHost(req: RequestView, host: string): Reply {
  req.emit('INVALID_HOST', `host not allowed: ${JSON.stringify(host.slice(0, 100))}`);
  return problem(400, 'Invalid host.');
}
