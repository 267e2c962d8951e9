/**
 * The one catalogue of rampart's error codes. Every `RampartError` carries one of these
 * codes; tests and applications match on the code, never on the message. Each entry's
 * text is the documentation of the code (the README's error table is generated from it).
 *
 * Each entry also carries the HTTP `status` a RampartError with that code answers with
 * when it reaches a response (a middleware that throws it, `failureReply`), or no status
 * for codes that are never an HTTP answer (configuration, programming and server-side
 * errors). The status belongs to the code, never to the throw: a condition that deserves
 * another status gets its own code.
 *
 * Codes are grouped by capability. Add new codes to the group of the capability that
 * throws them; never rename or reuse a published code.
 */
export const ERROR_CODES = {
  // ── configuration and core ────────────────────────────────────────────────
  ERR_RAMPART_CONFIG: { description: 'An option has an invalid value or type; the message names the option and how to fix it.' },
  ERR_RAMPART_UNKNOWN_OPTION: { description: 'An option name is not recognised (usually a typo); the message suggests the closest valid name.' },
  ERR_RAMPART_HEADER_VALUE: {
    description: 'A configured header name or value contains characters that are not allowed (CR, LF, NUL or non-token characters).',
  },
  ERR_RAMPART_CSP: { description: 'A Content-Security-Policy directive or source is invalid (unknown directive, unquoted keyword, or separator injection).' },
  ERR_RAMPART_OUTPUT_VALUE: {
    description:
      'escapeHtml() or jsonForScript() got a value it cannot render faithfully (an object for escapeHtml; undefined, a function, BigInt, NaN, Map/Set or a cycle for jsonForScript).',
  },
  ERR_RAMPART_ADAPTER: { description: 'An adapter was used incorrectly (for example, a handler that is not a function).' },
  ERR_RAMPART_COOKIE: {
    description:
      'serializeCookie() got a name, value or attribute it cannot write safely (characters that are not cookie-safe, a `;` in Path/Domain, SameSite=None without Secure, or a broken `__Host-`/`__Secure-` prefix rule).',
  },
  ERR_RAMPART_BODY_TOO_LARGE: { status: 413, description: 'A request body exceeded the configured limit while it was being read.' },
  ERR_RAMPART_BODY_READ: { status: 400, description: 'A request body could not be read (client aborted, malformed framing, or it was already consumed).' },
  // Rejections: the code of the RejectionError a rejection becomes (Express `rejections: 'next'`, onReject).
  ERR_RAMPART_BAD_REQUEST: {
    status: 400,
    description: 'rampart refused the request as malformed (a Host outside allowedHosts, an ambiguous request target, a bad Content-Length).',
  },
  ERR_RAMPART_FORBIDDEN: { status: 403, description: 'rampart refused the request (a blocked address, an attack pattern, an automated scanner).' },
  ERR_RAMPART_METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'rampart refused the request method for this endpoint (the Allow header lists the accepted ones).',
  },
  ERR_RAMPART_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'rampart refused the request body type (for example a CSP report that is not JSON).' },
  ERR_RAMPART_RATE_LIMITED: { status: 429, description: 'The client exceeded a rate limit; Retry-After says when it may try again.' },
  ERR_RAMPART_REQUEST_CHECK_FAILED: { status: 500, description: 'A middleware failed while checking the request, so rampart refused it (fail closed).' },
  ERR_RAMPART_UNAVAILABLE: {
    status: 503,
    description:
      'A store that a check needs (rate limit, sessions, nonces, API keys) is unavailable, so the request was refused; Retry-After says when to retry.',
  },
  ERR_RAMPART_MISSING_DEPENDENCY: {
    description: 'A feature needs an optional peer package that is not installed; the message names the feature and the exact `npm install …` line.',
  },
  // ── security log ──────────────────────────────────────────────────────────
  // (SecurityLog codes)
  ERR_RAMPART_LOG_EVENT: { description: 'A security event name is invalid (1–50 characters of A–Z, 0–9, _) or was not registered with registerEvent().' },
  ERR_RAMPART_LOG_INPUT: { description: 'A SecurityLog field has an unusable type (for example a userId that is neither a string nor an integer).' },
  ERR_RAMPART_LOG_QUEUE_FULL: {
    description: 'log(…, { wait: true }) was refused because the bounded SecurityLog queue is full (the event is counted as dropped).',
  },
  ERR_RAMPART_LOG_CLOSED: { description: 'The SecurityLog was used after close().' },
  ERR_RAMPART_LOG_DROPPED: { description: 'An awaited event could not be written before close() gave up (database unreachable); it is counted as dropped.' },
  ERR_RAMPART_LOG_DATABASE: { description: 'The SecurityLog database failed (table creation, query or connection); the cause carries the driver error.' },
  ERR_RAMPART_LOG_DATABASE_BUSY: {
    description:
      'An on-disk PGlite SecurityLog is open in another process (PGlite admits one process): read it through the app (dashboard()) or keep the log on a PostgreSQL server.',
  },
  // ── rate limiting and abuse defence ───────────────────────────────────────
  // (rate limit codes)
  ERR_RAMPART_RATE_LIMIT_STORE: {
    status: 503,
    description: 'A remote rate-limit store (Redis, PostgreSQL) failed; the limiter falls back to its insurance store, or fails open/closed as configured.',
  },
  ERR_RAMPART_RATE_LIMIT_KEY: { status: 500, description: 'A rate-limit `key(req)` function returned something other than a non-empty string.' },
  ERR_RAMPART_BLOCKLIST_TARGET: { status: 400, description: 'A blocklist target is not a valid IP address or CIDR (or an account name is empty).' },
  // ── CSRF ──────────────────────────────────────────────────────────────────
  // (csrf codes)
  ERR_RAMPART_CSRF_SECRET: {
    description:
      'The csrf `secret` is missing, shorter than 32 bytes or a known placeholder ("your-csrf-secret"); generate one with `openssl rand -base64 48`.',
  },
  ERR_RAMPART_CSRF_REJECTED: { status: 403, description: 'A state-changing request failed the CSRF check (cross-site origin, or a missing or invalid token).' },
  ERR_RAMPART_CSRF_NOT_MOUNTED: { description: 'rotateCsrf() was given a request or response that did not pass through a csrf() middleware in token mode.' },
  // ── auth ──────────────────────────────────────────────────────────────────
  // (auth codes)
  ERR_RAMPART_AUTH_REQUIRED: { status: 401, description: 'A protected resource was requested without credentials (no token, key or session user).' },
  ERR_RAMPART_PERMISSION_DENIED: { status: 403, description: 'The authenticated principal lacks the required permission or scope.' },
  ERR_RAMPART_AUTH_AMBIGUOUS: {
    status: 400,
    description:
      'A request carried more than one credential in one header (two Authorization or X-API-Key lines, or a comma-joined list), or different API keys in X-API-Key and Authorization: Bearer; rampart does not pick one.',
  },
  ERR_RAMPART_JWT_MALFORMED: {
    status: 401,
    description: 'A JWT is not a well-formed compact JWS (wrong shape, bad base64url or JSON, over 8 KB, or a `crit` header).',
  },
  ERR_RAMPART_JWT_ALGORITHM: {
    status: 401,
    description: "A JWT's `alg` is not one of the algorithms this verifier was configured with (including `none` and HS/RS confusion).",
  },
  ERR_RAMPART_JWT_SIGNATURE: { status: 401, description: 'A JWT signature does not verify, or no configured key matches its `kid`.' },
  ERR_RAMPART_JWT_EXPIRED: { status: 401, description: 'A JWT is past its `exp` (beyond the clock tolerance).' },
  ERR_RAMPART_JWT_NOT_YET_VALID: { status: 401, description: 'A JWT has an `nbf` or `iat` in the future (beyond the clock tolerance).' },
  ERR_RAMPART_JWT_CLAIM: { status: 401, description: 'A JWT lacks a required claim (`exp`) or has a wrong `iss`, `aud` or `typ`.' },
  ERR_RAMPART_PASSWORD_HASH: { description: 'A stored password hash is not a recognised argon2 PHC or bcrypt string, or its parameters are out of range.' },
  ERR_RAMPART_PASSWORD_TOO_LONG: {
    status: 400,
    description: 'A password is longer than the hash accepts (bcrypt: 72 bytes; rampart refuses rather than truncating).',
  },
  ERR_RAMPART_PASSWORD_INPUT: {
    status: 400,
    description: 'hashPassword() or verifyPassword() got a password that is not a string (for example an array from a repeated form field).',
  },
  ERR_RAMPART_ARGON2_UNAVAILABLE: { description: 'This Node.js has no `crypto.argon2` (needs Node >= 24.7) and `@node-rs/argon2` is not installed.' },
  ERR_RAMPART_TOTP_SECRET: { description: 'A TOTP secret is not valid base32 or is shorter than 128 bits.' },
  ERR_RAMPART_APIKEY_MALFORMED: {
    status: 401,
    description: 'An API key does not have the `rk_<env>_<random>_<checksum>` shape or its checksum is wrong (rejected without a database lookup).',
  },
  ERR_RAMPART_APIKEY_INVALID: { status: 401, description: 'An API key is well formed but unknown, revoked or expired.' },
  ERR_RAMPART_APIKEY_STORE: { status: 503, description: 'The API key database could not be reached or failed; the key could not be checked.' },
  ERR_RAMPART_APIKEY_ROTATED: {
    description: 'apiKeys().rotate() was called for a key that was already rotated; rotate its successor (named in the message) instead.',
  },
  ERR_RAMPART_RBAC_UNKNOWN_ROLE: { status: 403, description: 'A user or group names a role that the RBAC configuration does not define.' },
  ERR_RAMPART_SESSION_DATA: { description: 'Session data is not plain JSON (functions, class instances, cycles, `__proto__` keys or non-finite numbers).' },
  ERR_RAMPART_SESSION_STORE: { status: 503, description: 'The session store failed, timed out (`storeTimeout`) or threw (connection lost or corrupt record).' },
  ERR_RAMPART_SESSION_ENDED: {
    status: 409,
    description:
      'A session change was refused: another request destroyed or regenerated the session while this request ran (logout, login); nothing was written and the cookie is left alone (after a rotation the browser holds the new one).',
  },
  ERR_RAMPART_SIGNATURE_MISSING: { status: 401, description: 'A signed request or webhook lacks its signature or timestamp header.' },
  ERR_RAMPART_SIGNATURE_INVALID: { status: 401, description: 'A request or webhook signature does not match the body and key.' },
  ERR_RAMPART_SIGNATURE_EXPIRED: { status: 401, description: 'A signed request or webhook timestamp is outside the allowed window (default 300 s).' },
  ERR_RAMPART_SIGNATURE_NOT_YET_VALID: {
    status: 401,
    description: 'An HTTP message signature has a `created` time in the future beyond the clock tolerance (default 5 s): the signer clock is ahead.',
  },
  ERR_RAMPART_NONCE_STORE: { status: 503, description: 'The nonce store (replay protection) failed, so a signed request could not be accepted safely.' },
  ERR_RAMPART_SIGNATURE_REPLAY: { status: 401, description: 'A signed request reused a nonce (or signature) already seen within the window.' },
  // ── crypto ────────────────────────────────────────────────────────────────
  // (crypto codes)
  ERR_RAMPART_CRYPTO_INPUT: { description: 'A crypto function got a value of the wrong type (data must be a string or Uint8Array, a token a string).' },
  ERR_RAMPART_CRYPTO_KEY: {
    description: 'An encryption key or key id is malformed (wrong length, not url-safe base64, or a key id with characters outside [A-Za-z0-9_-]).',
  },
  ERR_RAMPART_CRYPTO_UNKNOWN_KEY: {
    description: 'A keyring ciphertext names a key id that the keyring does not hold (the key was removed before its data was re-encrypted).',
  },
  ERR_RAMPART_CRYPTO_MALFORMED: { description: 'A keyring ciphertext is not `v1.<kid>.<base64url>` or is too short to hold an IV and tag.' },
  ERR_RAMPART_CRYPTO_DECRYPT: {
    description: 'A keyring ciphertext failed authentication: it was tampered with, the AAD differs, or it was made with another key.',
  },
  ERR_RAMPART_CRYPTO_KEY_EXHAUSTED: {
    description: 'A keyring key reached its message limit (random 96-bit IVs: 2^32 per key by default); add a new key and make it current.',
  },
  ERR_RAMPART_FERNET_TOKEN: {
    description: 'A Fernet token is malformed or fails verification (bad base64, wrong version, bad length, wrong HMAC, bad padding).',
  },
  ERR_RAMPART_FERNET_EXPIRED: { description: 'A Fernet token is older than the TTL given to decrypt().' },
  ERR_RAMPART_FERNET_FUTURE: { description: 'A Fernet token timestamp is more than 60 s in the future (unacceptable clock skew) while a TTL was given.' },
  ERR_RAMPART_WEAK_SECRET: {
    description:
      'A secret is too short, a known placeholder ("changeme", "your-secret", …) or has too little entropy; generate one with `openssl rand -base64 48`.',
  },
  ERR_RAMPART_ENV: {
    description:
      'Environment configuration is invalid; the error lists every problem (missing, wrong type, weak secret, debug flag in production) with its fix.',
  },
  // ── input safety ──────────────────────────────────────────────────────────
  // (input codes)
  ERR_RAMPART_PATH_TRAVERSAL: {
    status: 400,
    description:
      'safeJoin() refused a user path that escapes its root (`..`, absolute or drive path, encoded separators, NUL byte, or a symlink pointing outside).',
  },
  ERR_RAMPART_UNSAFE_URL: {
    status: 400,
    description:
      'checkUrl() refused a URL: bad syntax, a scheme or host not allowed (`javascript:`, `data:`), credentials, or a host resolving to a private, loopback, link-local or metadata address.',
  },
  ERR_RAMPART_VALIDATION: {
    status: 400,
    description: 'Input did not match its schema; `issues` lists each field path and message (validate() answers 400 with them).',
  },
  ERR_RAMPART_INPUT_TOO_LARGE: {
    status: 413,
    description:
      'sanitizeHtml() got more characters than its `maxLength` (default 100,000), or elements nested deeper than its `maxDepth` (default 512); the input is refused rather than cut.',
  },
  ERR_RAMPART_SCHEMA: {
    description: 'A value passed as a schema does not implement the Standard Schema `~standard` interface (zod >= 3.24, valibot >= 1, arktype >= 2).',
  },
  ERR_RAMPART_UPLOAD_LIMIT: {
    status: 413,
    description: 'A multipart upload exceeded a limit (file count, field count, file size or total size); answered with 413.',
  },
  ERR_RAMPART_UPLOAD_TYPE: {
    status: 415,
    description:
      "An uploaded file's sniffed type is not allowed, or its extension or declared Content-Type disagrees with the bytes (SVG is refused unless allowed); answered with 415.",
  },
  ERR_RAMPART_UPLOAD_MALFORMED: {
    status: 400,
    description: 'A multipart body is malformed (missing boundary, truncated part, bad headers) or is not multipart/form-data; answered with 400.',
  },
  // ── live grader (rampart scan) ────────────────────────────────────────────
  ERR_RAMPART_SCAN_UNREACHABLE: {
    description:
      'gradeUrl() / `rampart scan` got no grade: the site answered neither over http nor https, or answered with a status the Observatory does not grade (below 200, or 400 and above other than 401/403).',
  },
  // ── GDPR ──────────────────────────────────────────────────────────────────
  ERR_RAMPART_GDPR_INPUT: {
    description:
      'privacy(): a user id passed to erasureReport()/erase() is not a non-empty string (≤ 255 characters) or a safe integer, or erase() options are invalid.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

/** One entry of {@link ERROR_CODES}: what the code means and the HTTP status it answers with, if any. */
export interface ErrorCodeEntry {
  /** The HTTP status (4xx/5xx) of this error when it reaches a response; absent when it never does. */
  readonly status?: number;
  /** What the code means (the README's error table is generated from it). */
  readonly description: string;
}

/** A stable rampart error code (`ERR_RAMPART_*`). */
export type RampartErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status the catalogue gives `code`, or undefined for codes that are never an HTTP answer. */
export function errorStatus(code: RampartErrorCode): number | undefined {
  return (ERROR_CODES[code] as ErrorCodeEntry).status;
}

/**
 * The error every rampart API throws for bad input or misconfiguration.
 *
 * @example
 * try { rampart({ cors: { origins: '*', allowCredentials: true } }) }
 * catch (e) { if (e instanceof RampartError && e.code === 'ERR_RAMPART_CONFIG') … }
 */
export class RampartError extends Error {
  /** Stable machine-readable code from {@link ERROR_CODES}. */
  readonly code: RampartErrorCode;
  /** HTTP status of this error when it reaches a response, from the catalogue ({@link errorStatus}); undefined when it never does. */
  readonly status: number | undefined;
  /**
   * Response headers this error asks for when it reaches a response (`Retry-After` on a 503 of
   * the session store), or undefined. rampart's adapters send them with the status; Express's
   * and Fastify's error handlers read `headers` from an error too.
   */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(code: RampartErrorCode, message: string, options?: { cause?: unknown; headers?: Readonly<Record<string, string>> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RampartError';
    this.code = code;
    this.status = errorStatus(code);
    this.headers = options?.headers === undefined ? undefined : Object.freeze({ ...options.headers });
  }
}

/** True when `value` is a RampartError, optionally with the given code. */
export function isRampartError(value: unknown, code?: RampartErrorCode): value is RampartError {
  return value instanceof RampartError && (code === undefined || value.code === code);
}
