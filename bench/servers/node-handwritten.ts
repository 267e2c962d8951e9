/**
 * Contender (calibration row, DESIGN §8): a minimal hand-written node:http server doing
 * the same work as the rampart preset, as cheaply as plain code can: a precomputed header
 * array written with writeHead, an exact-origin CORS check, a host Set lookup, a Map
 * counter for the rate limit, and `zlib.gzipSync` with a small window when gzip is accepted.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { ALLOWED_HOST, CONTENT_TYPE, ORIGIN, PAYLOAD, RATE_LIMIT, listenNode } from '../shared.ts';

// The preset's default security headers (same names and values rampart sends).
const SECURITY = [
  'x-content-type-options',
  'nosniff',
  'x-frame-options',
  'DENY',
  'referrer-policy',
  'strict-origin-when-cross-origin',
  'cross-origin-opener-policy',
  'same-origin',
  'cross-origin-resource-policy',
  'same-origin',
  'permissions-policy',
  'camera=(), microphone=(), geolocation=()',
  'content-security-policy',
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-xss-protection',
  '0',
];
const BASE = ['content-type', CONTENT_TYPE, ...SECURITY, 'vary', 'Origin, Accept-Encoding'];
const HOSTS = new Set([ALLOWED_HOST]);
const GZIP = { level: 6, windowBits: 12, memLevel: 6 };
const WINDOW_MS = RATE_LIMIT.windowSeconds * 1000;
const LIMIT = String(RATE_LIMIT.max);
const POLICY = `"default";q=${RATE_LIMIT.max};w=${RATE_LIMIT.windowSeconds}`;
const counters = new Map<string, { count: number; reset: number }>();

function hostName(host: string): string {
  if (host.charCodeAt(0) === 91 /* [ */) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

function reject(res: http.ServerResponse, status: number): void {
  const body = JSON.stringify({ status, title: http.STATUS_CODES[status] });
  res.writeHead(status, [...SECURITY, 'content-type', 'application/problem+json', 'content-length', String(Buffer.byteLength(body))]);
  res.end(body);
}

listenNode(
  http.createServer((req, res) => {
    if (!HOSTS.has(hostName(req.headers.host ?? ''))) return reject(res, 400);

    const key = req.socket.remoteAddress ?? '';
    const now = Date.now();
    let counter = counters.get(key);
    if (counter === undefined || counter.reset <= now) {
      counter = { count: 0, reset: now + WINDOW_MS };
      counters.set(key, counter);
    }
    if (++counter.count > RATE_LIMIT.max) return reject(res, 429);

    const headers = BASE.slice();
    // Legacy and standard rate-limit headers, as the preset sends by default.
    const remaining = String(RATE_LIMIT.max - counter.count);
    const reset = String(Math.ceil((counter.reset - now) / 1000));
    headers.push('x-ratelimit-limit', LIMIT, 'x-ratelimit-remaining', remaining, 'x-ratelimit-reset', reset);
    headers.push('ratelimit-policy', POLICY, 'ratelimit', `"default";r=${remaining};t=${reset}`);
    if (req.headers.origin === ORIGIN) headers.push('access-control-allow-origin', ORIGIN);

    let body = PAYLOAD;
    const accepted = req.headers['accept-encoding'];
    if (accepted?.includes('gzip')) {
      body = zlib.gzipSync(PAYLOAD, GZIP);
      headers.push('content-encoding', 'gzip');
    }
    headers.push('content-length', String(body.byteLength));
    res.writeHead(200, headers);
    res.end(body);
  }),
);
