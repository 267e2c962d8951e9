import type { RampartErrorCode } from '../errors.ts';
import type { Reply } from './types.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  411: 'Length Required',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A reply that names its rejection code (see {@link problem}'s `code`). */
export interface CodedReply extends Reply {
  /**
   * For a rejection whose status alone does not say what happened (a CSRF 403 among
   * other 403s): the code its RejectionError carries (Express `rejections: 'next'`, onReject).
   */
  readonly code?: RampartErrorCode;
}

/**
 * An RFC 9457 problem+json reply. `detail` must never contain secrets or expected
 * token values: it is shown to the client.
 */
export function problem(
  status: number,
  detail: string,
  options: { title?: string; type?: string; headers?: Record<string, string>; extra?: Record<string, unknown>; code?: RampartErrorCode } = {},
): CodedReply {
  const body = JSON.stringify({
    type: options.type ?? 'about:blank',
    title: options.title ?? TITLES[status] ?? 'Error',
    status,
    detail,
    ...options.extra,
  });
  const headers = { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...options.headers };
  return options.code === undefined ? { status, headers, body } : { status, headers, body, code: options.code };
}
