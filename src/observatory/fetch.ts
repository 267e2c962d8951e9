/**
 * The grader's HTTP client: node:http / node:https, redirects followed by hand so every hop is
 * recorded (the redirection test grades the chain), certificate verification first and, when
 * the chain does not verify, once more without it (the result then says the certificate is
 * invalid, as the Observatory does). No cookies are sent; Set-Cookie lines are collected.
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import zlib from 'node:zlib';

/** One response in a redirect chain. */
export interface Hop {
  readonly url: URL;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

/** A GET followed through its redirects. */
export interface Visit {
  readonly hops: readonly Hop[];
  /** The last hop's body (decoded text, at most {@link MAX_BODY} bytes). */
  readonly body: string;
  /** False when the TLS chain did not verify and the visit was repeated without verification. */
  readonly verified: boolean;
}

/** Transport settings shared by every request of one scan. */
export interface ClientOptions {
  /** Extra trusted CA certificates (PEM), added to Node's default store. */
  readonly ca?: string | undefined;
  /** Per-request time limit in milliseconds. */
  readonly timeoutMs: number;
}

/** The largest body read (the rest is dropped): enough for any page's head and scripts. */
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
}

/** One request, no redirects followed. */
function request(url: URL, method: string, headers: Record<string, string>, verify: boolean, options: ClientOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const common = { method, headers, signal: AbortSignal.timeout(options.timeoutMs) };
    const tlsOptions = { rejectUnauthorized: verify, ...(verify && options.ca !== undefined ? { ca: trustStore(options.ca) } : {}) };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      const decoder = decoderFor(res.headers['content-encoding']);
      const stream = decoder === undefined ? res : res.pipe(decoder);
      stream.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY) res.destroy();
      });
      const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, MAX_BODY) });
      stream.on('end', done);
      stream.on('error', done);
      res.on('error', done);
      // A body cut at MAX_BODY never reaches 'end'.
      res.on('close', () => {
        if (size >= MAX_BODY) done();
      });
    };
    const req = secure
      ? https.request(url, { ...common, ...tlsOptions, agent: false }, onResponse)
      : http.request(url, { ...common, agent: false }, onResponse);
    req.on('error', reject);
    req.end();
  });
}

function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** Follow `start` through its redirects with GET; throws the transport error of any hop. */
async function follow(start: URL, verify: boolean, options: ClientOptions): Promise<{ hops: Hop[]; body: string }> {
  const hops: Hop[] = [];
  let url = start;
  for (;;) {
    const res = await request(url, 'GET', { accept: ACCEPT, 'user-agent': USER_AGENT, 'accept-encoding': 'gzip, deflate, br' }, verify, options);
    hops.push({ url, status: res.status, headers: res.headers });
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || location === undefined || hops.length > MAX_REDIRECTS) return { hops, body: res.body.toString('utf8') };
    url = new URL(location, url);
  }
}

/**
 * GET `start` and its redirects. Null when it cannot be reached at all (refused, reset,
 * timeout, not HTTP). A certificate that does not verify is retried unverified and marked.
 */
export async function visit(start: URL, options: ClientOptions): Promise<Visit | null> {
  try {
    return { ...(await follow(start, true, options)), verified: true };
  } catch (err) {
    if (!isCertificateError(err)) return null;
  }
  try {
    return { ...(await follow(start, false, options)), verified: false };
  } catch {
    return null;
  }
}

/**
 * The Observatory's CORS probe: a preflight (OPTIONS with `Origin` and
 * `Access-Control-Request-Method: GET`) to `url`, following redirects. Null on failure.
 */
export async function preflight(url: URL, origin: string, verify: boolean, options: ClientOptions): Promise<Hop | null> {
  let target = url;
  let method = 'OPTIONS';
  try {
    for (let hop = 0; ; hop++) {
      const res = await request(target, method, { origin, 'access-control-request-method': 'GET', 'user-agent': USER_AGENT }, verify, options);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || location === undefined || hop >= MAX_REDIRECTS) return { url: target, status: res.status, headers: res.headers };
      if (res.status === 303) method = 'GET';
      target = new URL(location, target);
    }
  } catch {
    return null;
  }
}
