import { ERROR_CODES, type ErrorCodeEntry, RampartError, type RampartErrorCode } from '../errors.ts';
import type { CodedReply } from './problem.ts';
import type { Reply } from './types.ts';

/**
 * A request rampart refused (403 CSRF, 429, 400 host, 413 body, …), as handed to an
 * `onReject` option and carried by a {@link RejectionError}. Nothing in it comes from the
 * request: `title` and `detail` are rampart's own words.
 */
export interface Rejection {
  /** The HTTP status (4xx/5xx). */
  readonly status: number;
  /** What happened, as a stable code: ERR_RAMPART_CSRF_REJECTED, ERR_RAMPART_RATE_LIMITED, … */
  readonly code: RampartErrorCode;
  /** The problem's title ('Too Many Requests'). */
  readonly title: string;
  /** The problem's detail ('Too many requests; retry in 30 s.'): rampart's words, safe to show. */
  readonly detail: string;
  /** Headers the rejection must carry (Retry-After, WWW-Authenticate, Allow), lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Seconds until the client may retry (from Retry-After), when the rejection says. */
  readonly retryAfter: number | undefined;
  /** True when the client ranks text/html above JSON (a browser navigating). */
  readonly prefersHtml: boolean;
  /** The problem+json reply rampart sends API clients. */
  readonly problem: Reply;
}

/** The code a rejection with this status gets when the reply names none. */
const BY_STATUS: Record<number, RampartErrorCode> = {
  400: 'ERR_RAMPART_BAD_REQUEST',
  401: 'ERR_RAMPART_AUTH_REQUIRED',
  403: 'ERR_RAMPART_FORBIDDEN',
  405: 'ERR_RAMPART_METHOD_NOT_ALLOWED',
  413: 'ERR_RAMPART_BODY_TOO_LARGE',
  415: 'ERR_RAMPART_UNSUPPORTED_MEDIA_TYPE',
  429: 'ERR_RAMPART_RATE_LIMITED',
  500: 'ERR_RAMPART_REQUEST_CHECK_FAILED',
  503: 'ERR_RAMPART_UNAVAILABLE',
};

/** Headers of the problem reply that describe its body, not the rejection. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'cache-control']);

const DIGITS = /^\d{1,9}$/;

/** True when `reply` is one of rampart's rejections: a 4xx/5xx problem+json reply. */
export function isRejection(reply: Reply): boolean {
  if (reply.status < 400 || reply.status > 599) return false;
  return replyHeader(reply, 'content-type') === 'application/problem+json';
}

/** One header of a reply by lower-case name (the first, for pairs). */
export function replyHeader(reply: Reply, name: string): string | undefined {
  const headers = reply.headers;
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) {
    for (const [key, value] of headers as ReadonlyArray<readonly [string, string]>) if (key.toLowerCase() === name) return value;
    return undefined;
  }
  for (const key in headers) if (key.toLowerCase() === name) return (headers as Record<string, string>)[key];
  return undefined;
}

/** The headers a rejection must keep whatever body it gets (Retry-After, WWW-Authenticate, Allow). */
export function rejectionHeaders(reply: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = reply.headers;
  if (headers === undefined) return out;
  const pairs = Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, string]>) : Object.entries(headers as Record<string, string>);
  for (const [key, value] of pairs) {
    const name = key.toLowerCase();
    if (!BODY_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

/** Seconds from a reply's Retry-After when it is a delay in seconds (rampart never sends a date). */
export function retryAfterOf(reply: Reply): number | undefined {
  const value = replyHeader(reply, 'retry-after');
  return value !== undefined && DIGITS.test(value) ? Number(value) : undefined;
}

function knownCode(value: unknown, status: number): RampartErrorCode | undefined {
  if (typeof value !== 'string' || !Object.hasOwn(ERROR_CODES, value)) return undefined;
  const code = value as RampartErrorCode;
  return (ERROR_CODES[code] as ErrorCodeEntry).status === status ? code : undefined;
}

/** The code of a rejection: the reply's own, one named in its problem body (auth), else by status. */
export function rejectionCode(reply: Reply, problem?: Record<string, unknown>): RampartErrorCode {
  const status = reply.status;
  return (
    knownCode((reply as CodedReply).code, status) ??
    knownCode(problem?.code, status) ??
    BY_STATUS[status] ??
    (status >= 500 ? 'ERR_RAMPART_REQUEST_CHECK_FAILED' : 'ERR_RAMPART_BAD_REQUEST')
  );
}

function problemBody(reply: Reply): Record<string, unknown> {
  const body = reply.body;
  if (body === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Describe a rejection reply (see {@link isRejection}) for onReject and next(err). */
export function readRejection(reply: Reply, prefersHtml: boolean): Rejection {
  const problem = problemBody(reply);
  return Object.freeze({
    status: reply.status,
    code: rejectionCode(reply, problem),
    title: typeof problem.title === 'string' ? problem.title : 'Error',
    detail: typeof problem.detail === 'string' ? problem.detail : '',
    headers: Object.freeze(rejectionHeaders(reply)),
    retryAfter: retryAfterOf(reply),
    prefersHtml,
    problem: reply,
  });
}

/**
 * A rejection handed to the application's error handling (Express `rejections: 'next'`):
 * a RampartError whose `status`, `code` and `headers` (Retry-After, WWW-Authenticate, …)
 * say how to answer. Express's default handler uses `status` and `headers` as they are.
 */
export class RejectionError extends RampartError {
  /** Headers the answer must carry (Retry-After, WWW-Authenticate, Allow), lower-case names. */
  override readonly headers: Readonly<Record<string, string>>;
  /** The rejection as rampart saw it. */
  readonly rejection: Rejection;
  /** The message is rampart's own words, safe to show to the client (the http-errors convention). */
  readonly expose = true;

  constructor(rejection: Rejection) {
    super(rejection.code, rejection.detail === '' ? rejection.title : rejection.detail);
    this.name = 'RejectionError';
    this.headers = rejection.headers;
    this.rejection = rejection;
    // A rejection is an expected outcome, not a fault: no call stack. Express's final handler
    // prints err.stack to stderr for every error (a 429 flood would flood the logs) and, in
    // development, sends it to the client.
    Object.defineProperty(this, 'stack', { value: `RejectionError: ${this.message}`, writable: true, configurable: true });
  }

  /** Same as `status` (the name Express and http-errors also read). */
  get statusCode(): number | undefined {
    return this.status;
  }
}

// console.error(err) (Express's logerror) shows one line, not the rejection object's fields.
Object.defineProperty(RejectionError.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: RejectionError): string {
    return `RejectionError [${this.code}] ${this.status}: ${this.message.replace(/[\r\n]+/g, ' ')}`;
  },
});
