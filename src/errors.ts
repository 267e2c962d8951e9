/**
 * The one catalogue of rampart's error codes. Every `RampartError` carries one of these
 * codes; tests and applications match on the code, never on the message. Each entry's
 * text is the documentation of the code (the README's error table is generated from it).
 *
 * Codes are grouped by capability. Add new codes to the group of the capability that
 * throws them; never rename or reuse a published code.
 */
export const ERROR_CODES = {
  // ── configuration and core ────────────────────────────────────────────────
  ERR_RAMPART_CONFIG: 'An option has an invalid value or type; the message names the option and how to fix it.',
  ERR_RAMPART_UNKNOWN_OPTION: 'An option name is not recognised (usually a typo); the message suggests the closest valid name.',
  ERR_RAMPART_NOT_IMPLEMENTED: 'A preset section was configured whose capability is not available in this build.',
  ERR_RAMPART_HEADER_VALUE: 'A configured header name or value contains characters that are not allowed (CR, LF, NUL or non-token characters).',
  ERR_RAMPART_CSP: 'A Content-Security-Policy directive or source is invalid (unknown directive, unquoted keyword, or separator injection).',
  ERR_RAMPART_ADAPTER: 'An adapter was used incorrectly (for example, a handler that is not a function).',
  ERR_RAMPART_BODY_TOO_LARGE: 'A request body exceeded the configured limit while it was being read.',
  ERR_RAMPART_BODY_READ: 'A request body could not be read (client aborted, malformed framing, or it was already consumed).',
  // ── security log ──────────────────────────────────────────────────────────
  // (SecurityLog codes)
  // ── rate limiting and abuse defence ───────────────────────────────────────
  // (rate limit codes)
  // ── CSRF ──────────────────────────────────────────────────────────────────
  // (csrf codes)
  // ── auth ──────────────────────────────────────────────────────────────────
  // (auth codes)
  // ── crypto ────────────────────────────────────────────────────────────────
  // (crypto codes)
  // ── input safety ──────────────────────────────────────────────────────────
  // (input codes)
} as const;

/** A stable rampart error code (`ERR_RAMPART_*`). */
export type RampartErrorCode = keyof typeof ERROR_CODES;

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
  /** HTTP status that best represents this error when it reaches a response, if any. */
  readonly status: number | undefined;

  constructor(code: RampartErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RampartError';
    this.code = code;
    this.status = options?.status;
  }
}

/** True when `value` is a RampartError, optionally with the given code. */
export function isRampartError(value: unknown, code?: RampartErrorCode): value is RampartError {
  return value instanceof RampartError && (code === undefined || value.code === code);
}
