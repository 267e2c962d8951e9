import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../../errors.ts';
import { boolOption, checkKeys, configError, numberOption, optionsObject, renamedOption, stringList } from '../../core/options.ts';
import { requireSecret, type Secret } from '../../crypto/secret.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { unauthorized } from '../shared/http.ts';
import { problem } from '../../core/problem.ts';
import { bodyBytes, readHeader, type HeaderSource } from './headers.ts';
import { addNonce, defaultNonceStore, memoryNonceStore, type NonceStore } from '../../stores/nonces.ts';
import { warnConfig } from '../../core/events.ts';
import { compileCoveredPaths } from '../../core/canonical.ts';
import { consumedBodyReply } from './consumed.ts';

/** Options of {@link signRequest}. */
export interface SignRequestOptions {
  secret: string | Uint8Array | Secret;
  method: string;
  /** Path with query string, exactly as sent (`/api/orders?limit=5`). */
  path: string;
  body?: string | Uint8Array;
  /** Unix seconds. Default now. */
  timestamp?: number;
  /** Default 16 random bytes, base64url. */
  nonce?: string;
}

/** Options of {@link verifyRequest}. */
export interface VerifyRequestOptions {
  /** The shared secret, or several during a rotation (any may match). */
  secret: string | Uint8Array | Secret | ReadonlyArray<string | Uint8Array | Secret>;
  method: string;
  path: string;
  /** The exact raw body bytes as received. */
  body?: string | Uint8Array;
  headers: HeaderSource;
  /** Allowed clock difference in seconds. Default 300 (5 minutes, the seed's window). */
  window?: number;
  /**
   * Where nonces seen within the window are remembered, so a replayed request is refused.
   * Default: a process-wide memory store (one instance); use `redisNonceStore` or
   * `postgresNonceStore` when several instances serve the API.
   */
  nonceStore?: NonceStore;
  /** Relaxation (announced once): skip the replay check, so a captured request can be re-sent within the window. Default false. */
  allowReplay?: boolean;
  /** Unix seconds to verify at. Default the current time. */
  time?: number;
  /** @deprecated Old name of `time` (same value and unit): `now` is a clock function elsewhere; still accepted. */
  now?: number;
}

const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

// Secret lists requireSignedRequest checked at construction: verifyRequest skips the
// (microseconds-long) entropy check for them on every request. Module-private, so a
// caller cannot mark an unchecked list.
const CHECKED = new WeakSet<object>();

function stringToSign(method: string, path: string, timestamp: string, nonce: string, body: Buffer): string {
  const digest = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${digest}`;
}

/**
 * Sign an outgoing request with HMAC-SHA256 over method, path, timestamp, nonce and the
 * body's SHA-256 (the seed's scheme, plus a nonce against replays). Returns the headers
 * to send: `x-signature`, `x-timestamp`, `x-nonce`.
 *
 * @example
 * const headers = signRequest({ secret, method: 'POST', path: '/api/orders', body });
 * await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
 */
export function signRequest(options: SignRequestOptions): Record<'x-signature' | 'x-timestamp' | 'x-nonce', string> {
  const o = optionsObject(options, 'signRequest');
  checkKeys(o, ['secret', 'method', 'path', 'body', 'timestamp', 'nonce'], 'signRequest');
  const key = requireSecret(o.secret, { name: 'signRequest.secret', code: 'ERR_RAMPART_CONFIG' });
  if (typeof o.method !== 'string' || typeof o.path !== 'string' || !o.path.startsWith('/'))
    throw configError('signRequest needs method and a path starting with /.');
  const timestamp = String(o.timestamp === undefined ? Math.floor(Date.now() / 1000) : numberOption(o.timestamp, 'signRequest.timestamp', 0, 2 ** 40));
  const nonce = o.nonce === undefined ? randomBytes(16).toString('base64url') : String(o.nonce);
  if (!NONCE.test(nonce)) throw configError('signRequest.nonce must be 16–128 base64url characters.');
  const signature = createHmac('sha256', key)
    .update(stringToSign(o.method, o.path, timestamp, nonce, bodyBytes(o.body as string | undefined)))
    .digest('base64');
  return { 'x-signature': signature, 'x-timestamp': timestamp, 'x-nonce': nonce };
}

const REPLAY_WARNING = (where: string): string =>
  `${where}.allowReplay is true: a captured signed request can be re-sent as often as wanted within the time window.`;

function fail(
  code: 'ERR_RAMPART_SIGNATURE_MISSING' | 'ERR_RAMPART_SIGNATURE_INVALID' | 'ERR_RAMPART_SIGNATURE_EXPIRED' | 'ERR_RAMPART_SIGNATURE_REPLAY',
  message: string,
): RampartError {
  return new RampartError(code, message);
}

/**
 * Verify a request signed with {@link signRequest}: timestamp within ±window seconds,
 * constant-time signature comparison (any of the rotation secrets), then the nonce is
 * recorded (in `nonceStore`, by default a process-wide memory store) so the same request
 * cannot be replayed. Throws ERR_RAMPART_SIGNATURE_*.
 */
export async function verifyRequest(options: VerifyRequestOptions): Promise<void> {
  const o = optionsObject(options, 'verifyRequest');
  checkKeys(o, ['secret', 'method', 'path', 'body', 'headers', 'window', 'nonceStore', 'allowReplay', 'time', 'now'], 'verifyRequest');
  const allowReplay = o.allowReplay === undefined ? false : boolOption(o.allowReplay, 'verifyRequest.allowReplay');
  if (allowReplay && o.nonceStore !== undefined) throw configError('verifyRequest: nonceStore and allowReplay: true contradict each other; drop one.');
  if (allowReplay) warnConfig(REPLAY_WARNING('verifyRequest'));
  const secrets = CHECKED.has(o.secret as object)
    ? (o.secret as readonly Buffer[])
    : requireSecret(o.secret, { name: 'verifyRequest.secret', code: 'ERR_RAMPART_CONFIG', rotation: true });
  const window = o.window === undefined ? 300 : numberOption(o.window, 'verifyRequest.window', 1, 3600);
  const time = renamedOption(o, 'time', 'now', 'verifyRequest');
  const now = time === undefined ? Date.now() / 1000 : numberOption(time, 'verifyRequest.time', 0, 2 ** 40, false);
  const headers = o.headers as HeaderSource;
  const signature = readHeader(headers, 'x-signature');
  const timestamp = readHeader(headers, 'x-timestamp');
  const nonce = readHeader(headers, 'x-nonce');
  if (signature === undefined || timestamp === undefined || nonce === undefined)
    throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'X-Signature, X-Timestamp and X-Nonce are required.');
  if (!/^\d{1,12}$/.test(timestamp)) throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'X-Timestamp must be Unix seconds.');
  if (Math.abs(now - Number(timestamp)) > window) throw fail('ERR_RAMPART_SIGNATURE_EXPIRED', `The request timestamp is outside the ${window}-second window.`);
  if (!NONCE.test(nonce)) throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'X-Nonce must be 16–128 base64url characters.');
  const given = /^[A-Za-z0-9+/]{43}=$/.test(signature) ? Buffer.from(signature, 'base64') : undefined;
  if (given === undefined) throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'X-Signature must be a base64 HMAC-SHA256.');
  const message = stringToSign(String(o.method), String(o.path), timestamp, nonce, bodyBytes(o.body as string | undefined));
  let ok = false;
  for (const key of secrets) if (timingSafeEqual(createHmac('sha256', key).update(message).digest(), given)) ok = true;
  if (!ok) throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'The request signature does not match.');
  if (allowReplay) return;
  const store = o.nonceStore === undefined ? defaultNonceStore() : (o.nonceStore as NonceStore);
  if (!(await addNonce(store, `${timestamp}:${nonce}`, window * 2))) {
    throw fail('ERR_RAMPART_SIGNATURE_REPLAY', 'This request was already received (nonce reused).');
  }
}

/** Options of {@link requireSignedRequest}. */
export interface RequireSignedRequestOptions {
  secret: string | Uint8Array | Secret | ReadonlyArray<string | Uint8Array | Secret>;
  /**
   * Where nonces are remembered for the window (replays → 401 ERR_RAMPART_SIGNATURE_REPLAY).
   * Default: a memory store of this middleware (one instance); `redisNonceStore` or
   * `postgresNonceStore` for several instances.
   */
  nonceStore?: NonceStore;
  /** Relaxation (announced once): no replay check at all. Default false. */
  allowReplay?: boolean;
  window?: number;
  /** Largest body read for verification, in bytes. Default 1 MiB (larger → 413). */
  bodyLimit?: number;
  /** @deprecated Old name of `bodyLimit` (same value and unit); still accepted. */
  maxBodyBytes?: number;
  /** Only paths starting with one of these are checked. Default: every path. */
  paths?: string | readonly string[];
}

/**
 * Middleware that verifies {@link signRequest} signatures (the seed's `/api/secure/`
 * middleware). The raw body is read through the request view without consuming it, so
 * the application's body parser still sees it. Replays are refused by default (a memory
 * nonce store per middleware; pass `nonceStore` for a shared one). Failures → 401 +
 * INVALID_TOKEN; a failing nonce store → 503.
 */
export function requireSignedRequest(options: RequireSignedRequestOptions): Middleware {
  const o = optionsObject(options, 'requireSignedRequest');
  checkKeys(o, ['secret', 'nonceStore', 'allowReplay', 'window', 'bodyLimit', 'maxBodyBytes', 'paths'], 'requireSignedRequest');
  const allowReplay = o.allowReplay === undefined ? false : boolOption(o.allowReplay, 'requireSignedRequest.allowReplay');
  if (allowReplay && o.nonceStore !== undefined) throw configError('requireSignedRequest: nonceStore and allowReplay: true contradict each other; drop one.');
  if (allowReplay) warnConfig(REPLAY_WARNING('requireSignedRequest'));
  const secrets = requireSecret(o.secret, { name: 'requireSignedRequest.secret', code: 'ERR_RAMPART_CONFIG', rotation: true });
  CHECKED.add(secrets);
  const bodyLimit = renamedOption(o, 'bodyLimit', 'maxBodyBytes', 'requireSignedRequest');
  const maxBody = bodyLimit === undefined ? 1 << 20 : numberOption(bodyLimit, 'requireSignedRequest.bodyLimit', 0, 1 << 30);
  // Covered on the canonical path (case-insensitive, decoded, `//` and `.` removed), so no variant of a signed path escapes.
  const paths = o.paths === undefined ? undefined : compileCoveredPaths(stringList(o.paths, 'requireSignedRequest.paths'), 'requireSignedRequest.paths', false);
  const base: Pick<VerifyRequestOptions, 'secret' | 'window' | 'nonceStore' | 'allowReplay'> = { secret: secrets };
  if (o.window !== undefined) base.window = o.window as number;
  if (allowReplay) base.allowReplay = true;
  else base.nonceStore = o.nonceStore === undefined ? memoryNonceStore() : (o.nonceStore as NonceStore);
  return Object.freeze<Middleware>({
    name: 'requireSignedRequest',
    async handle(req: RequestView) {
      if (paths !== undefined && !paths(req)) return undefined;
      try {
        const body = await req.readBody(maxBody);
        const path = req.query === '' ? req.path : `${req.path}?${req.query}`;
        await verifyRequest({ ...base, method: req.method, path, body, headers: (name) => req.header(name) });
        return undefined;
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        if (error.code === 'ERR_RAMPART_NONCE_STORE')
          return problem(503, 'Signed requests cannot be checked for replays right now.', { headers: { 'retry-after': '5' } });
        if (error.code === 'ERR_RAMPART_BODY_TOO_LARGE') return problem(413, 'The request body is larger than the signature check allows.');
        const consumed = consumedBodyReply('requireSignedRequest', error);
        if (consumed !== undefined) return consumed;
        req.emit('INVALID_TOKEN', `signed request: ${error.code}`);
        return unauthorized('The request signature is missing or invalid.', 'HMAC-SHA256', error.code);
      }
    },
  });
}
