import { warnConfig } from '../core/events.ts';
import { exemptionPath } from '../core/canonical.ts';
import { checkKeys, configError, optionsObject, stringList } from '../core/options.ts';
import type { Middleware } from '../core/types.ts';
import { compileHosts, hostName, refuseHost } from './host.ts';

/** Options of {@link httpsRedirect}. One of `allowedHosts` or `host` is required (no open redirect). */
export interface HttpsRedirectOptions {
  /** Redirect to the request's own host, which must be in this allowlist (the preset passes its `allowedHosts`). */
  allowedHosts?: readonly string[];
  /** Always redirect to this canonical host (`example.com` or `example.com:8443`). */
  host?: string;
  /** Path prefixes served over plain HTTP too. Default `['/.well-known/acme-challenge/']`. */
  exemptPaths?: readonly string[];
}

/**
 * Redirect plain-HTTP requests to https:// — 301 for GET/HEAD, 308 for other methods
 * (keeps method and body). `isSecure` honours X-Forwarded-Proto only from trusted proxies.
 * The Location host comes from the allowlist-validated authority (an absolute-form
 * target's, HTTP/2 `:authority`, else Host) or a configured canonical host, never from an
 * unvalidated header.
 */
export function httpsRedirect(options: HttpsRedirectOptions): Middleware {
  const opts = optionsObject(options, 'httpsRedirect') as HttpsRedirectOptions;
  checkKeys(opts, ['allowedHosts', 'host', 'exemptPaths'], 'httpsRedirect');
  let canonical: string | undefined;
  if (opts.host !== undefined) {
    if (typeof opts.host !== 'string' || hostName(opts.host) === undefined) {
      throw configError(`httpsRedirect.host must be a host name such as 'example.com' (got ${JSON.stringify(opts.host)}).`);
    }
    canonical = opts.host.toLowerCase();
  }
  if (canonical === undefined && opts.allowedHosts === undefined) {
    throw configError(
      "httpsRedirect needs the hosts it may redirect to: set allowedHosts (e.g. ['example.com']) or a canonical host ({ host: 'example.com' }); redirecting to an unvalidated Host header is an open redirect.",
    );
  }
  const allowed = opts.allowedHosts === undefined ? undefined : compileHosts(opts.allowedHosts, 'httpsRedirect.allowedHosts');
  const exempt = stringList(opts.exemptPaths ?? ['/.well-known/acme-challenge/'], 'httpsRedirect.exemptPaths');
  // The default (ACME challenges) is not a relaxation worth a warning; a list the app chose is.
  if (opts.exemptPaths !== undefined && exempt.length > 0)
    warnConfig(`httpsRedirect.exemptPaths: requests under ${exempt.join(', ')} are served over plain HTTP.`);
  return Object.freeze<Middleware>({
    name: 'httpsRedirect',
    handle(req) {
      if (req.secure) return undefined;
      const path = req.path;
      // An exemption needs the path in normal form as sent (`/.well-known//acme-challenge/` is redirected).
      const plain = exempt.length === 0 ? '' : exemptionPath(req);
      if (plain !== '') for (const prefix of exempt) if (plain.startsWith(prefix)) return undefined;
      let target = canonical;
      if (target === undefined) {
        const host = req.host;
        const name = hostName(host);
        // Neither redirected (an open redirect) nor served over plain HTTP: refused, as the
        // host guard (earlier in the preset) refuses it when present.
        if (name === undefined || !allowed!(host)) return refuseHost(req, host);
        target = name; // drop the plain-HTTP port; https uses its default
      }
      // Only origin-form paths: an absolute or scheme-relative target must not become the Location.
      const safePath = path.startsWith('/') && !path.startsWith('//') ? path : '/';
      const location = `https://${target}${safePath}${req.query === '' ? '' : `?${req.query}`}`;
      const status = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
      return { status, headers: { location, 'content-length': '0' } };
    },
  });
}
