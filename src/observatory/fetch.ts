/**
 * The grader's HTTP client: node:http / node:https, redirects followed by hand so every hop is
 * recorded (the redirection test grades the chain), certificate verification first and, when
 * the chain does not verify, once more without it (the result then says the certificate is
 * invalid, as the Observatory does). No cookies and no Authorization are ever sent (so none
 * crosses to another origin); Set-Cookie lines are collected. A redirect is refused (recorded,
 * not followed) when its Location is not an http(s) URL or carries `user:password@`, and a
 * connection when the address it resolves to is outside the scan's classes (address.ts).
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { readDecodedBody } from './body.ts';
import { type AllowedClasses, guardedLookup, RefusedAddressError, type Resolver, refusal, systemResolver } from './address.ts';

/** One response in a redirect chain. */
export interface Hop {
  readonly url: URL;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

/** A redirect the scan did not follow, and why. */
export interface RefusedRedirect {
  /** The URL that answered with the redirect. */
  readonly from: string;
  /** Its Location, resolved, without any `user:password@` (at most 300 characters). */
  readonly location: string;
  readonly reason: string;
}

/** A GET followed through its redirects. */
export interface Visit {
  readonly hops: readonly Hop[];
  /** The last hop's body (decoded through every listed coding, at most {@link MAX_BODY} decoded bytes). */
  readonly body: string;
  /**
   * True when that body is not the whole answer: its decoded form passed {@link MAX_BODY}, the
   * connection or a decoder failed before its end, or a coding could not be decoded. What was
   * not read is unknown to the grade.
   */
  readonly truncated: boolean;
  /** False when the TLS chain did not verify and the visit was repeated without verification. */
  readonly verified: boolean;
  /** Set when the chain stopped at a redirect the scan refused to follow (the last hop is that redirect). */
  readonly refused?: RefusedRedirect;
}

/** Transport settings shared by every request of one scan. */
export interface ClientOptions {
  /** Extra trusted CA certificates (PEM), added to Node's default store. */
  readonly ca?: string | undefined;
  /** Per-request time limit in milliseconds. */
  readonly timeoutMs: number;
  /** Address classes connections may go to (see address.ts). */
  readonly allowed: AllowedClasses;
  /** Host name resolver (default: the system's). */
  readonly resolve?: Resolver | undefined;
}

/** The largest body read, in decoded bytes (the rest is dropped): enough for any page's head and scripts. */
export const MAX_BODY = 4 * 1024 * 1024;
/** Redirects followed before the last redirect response is taken as final. */
export const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The Observatory's Accept header for the page request. */
const ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const USER_AGENT = 'rampart-scan (MDN HTTP Observatory scale)';

/** Certificate errors that make the scan retry without verification (as the Observatory does). */
const CERT_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True for an error that means "the certificate chain did not verify". */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CERT_ERRORS.has(code);
}

/** Node's default trust store (including NODE_EXTRA_CA_CERTS) plus `extra`. */
function trustStore(extra: string): string[] {
  const withDefaults = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  const base = typeof withDefaults === 'function' ? withDefaults('default') : [...tls.rootCertificates];
  return [...base, extra];
}

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The decoded body stopped before its end (MAX_BODY passed, an error, or an unknown coding). */
  readonly truncated: boolean;
}

/** One request, no redirects followed. */
function request(url: URL, method: string, headers: Record<string, string>, verify: boolean, options: ClientOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    // An IP literal never goes through `lookup`: check it here.
    const literal = net.isIP(hostname) === 0 ? null : refusal(hostname, options.allowed);
    if (literal !== null) {
      reject(new RefusedAddressError(literal));
      return;
    }
    // Built field by field, never from the URL object, so no userinfo can become an Authorization header.
    const common = {
      method,
      headers,
      hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      lookup: guardedLookup(options.allowed, options.resolve ?? systemResolver),
      signal: AbortSignal.timeout(options.timeoutMs),
    };
    const tlsOptions = { rejectUnauthorized: verify, ...(verify && options.ca !== undefined ? { ca: trustStore(options.ca) } : {}) };
    const onResponse = (res: http.IncomingMessage): void => {
      void readDecodedBody(res, MAX_BODY).then(({ body, truncated }) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, truncated }));
    };
    const req = secure
      ? https.request({ ...common, ...tlsOptions, servername: net.isIP(hostname) === 0 ? hostname : undefined, agent: false }, onResponse)
      : http.request({ ...common, agent: false }, onResponse);
    req.on('error', reject);
    req.end();
  });
}

/** `url` as text for a report: no `user:password@`, printable, at most 300 characters. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.length > 300 ? `${copy.href.slice(0, 299)}…` : copy.href;
}

/** The next URL of a redirect chain, or why the hop is refused. */
function nextHop(location: string, from: URL): { url: URL } | RefusedRedirect {
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    const shown = location.replace(/[^\x21-\x7e]/g, '?');
    return { from: redactUrl(from), location: shown.length > 300 ? `${shown.slice(0, 299)}…` : shown, reason: 'the Location is not a URL' };
  }
  const refused = (reason: string): RefusedRedirect => ({ from: redactUrl(from), location: redactUrl(url), reason });
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refused(`the scan follows only http: and https: (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') return refused('the Location carries credentials (a user name or password), which the scan never sends');
  return { url };
}

/** Follow `start` through its redirects with GET; throws the transport error of the first hop. */
async function follow(
  start: URL,
  verify: boolean,
  options: ClientOptions,
): Promise<{ hops: Hop[]; body: string; truncated: boolean; refused?: RefusedRedirect }> {
  const hops: Hop[] = [];
  let url = start;
  let body = '';
  let truncated = false;
  for (;;) {
    let res: RawResponse;
    try {
      res = await request(url, 'GET', { accept: ACCEPT, 'user-agent': USER_AGENT, 'accept-encoding': 'gzip, deflate, br' }, verify, options);
    } catch (err) {
      const last = hops[hops.length - 1];
      if (!(err instanceof RefusedAddressError) || last === undefined) throw err;
      return { hops, body, truncated, refused: { from: redactUrl(last.url), location: redactUrl(url), reason: err.message } };
    }
    hops.push({ url, status: res.status, headers: res.headers });
    body = res.body.toString('utf8');
    truncated = res.truncated;
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || location === undefined || hops.length > MAX_REDIRECTS) return { hops, body, truncated };
    const next = nextHop(location, url);
    if (!('url' in next)) return { hops, body, truncated, refused: next };
    url = next.url;
  }
}

/**
 * GET `start` and its redirects. Null when it cannot be reached at all (refused, reset,
 * timeout, not HTTP, or its own address refused: then the reason goes to `refusals`). A
 * certificate that does not verify is retried unverified and marked.
 */
export async function visit(start: URL, options: ClientOptions, refusals: string[] = []): Promise<Visit | null> {
  for (const verify of [true, false]) {
    try {
      return { ...(await follow(start, verify, options)), verified: verify };
    } catch (err) {
      if (err instanceof RefusedAddressError) refusals.push(err.message);
      if (!verify || !isCertificateError(err)) return null;
    }
  }
  return null;
}

/**
 * The Observatory's CORS probe: a preflight (OPTIONS with `Origin` and
 * `Access-Control-Request-Method: GET`) to `url`, following redirects. Null on failure.
 */
export async function preflight(url: URL, origin: string, verify: boolean, options: ClientOptions): Promise<Hop | null> {
  let target = url;
  let method = 'OPTIONS';
  let last: Hop | null = null;
  try {
    for (let hop = 0; ; hop++) {
      let res: RawResponse;
      try {
        res = await request(target, method, { origin, 'access-control-request-method': 'GET', 'user-agent': USER_AGENT }, verify, options);
      } catch (err) {
        if (err instanceof RefusedAddressError && last !== null) return last;
        throw err;
      }
      last = { url: target, status: res.status, headers: res.headers };
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || location === undefined || hop >= MAX_REDIRECTS) return last;
      const next = nextHop(location, target);
      if (!('url' in next)) return last;
      if (res.status === 303) method = 'GET';
      target = next.url;
    }
  } catch {
    return null;
  }
}
