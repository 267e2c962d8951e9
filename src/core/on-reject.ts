import { RampartError } from '../errors.ts';
import { prefersHtml } from './accept.ts';
import { isRejection, readRejection, rejectionHeaders, retryAfterOf, rejectionCode, type Rejection } from './rejection.ts';
import { rejectionPage } from './rejection-page.ts';
import type { Reply, RequestView } from './types.ts';

/** What an `onReject` handler may answer: a fetch Response, a plain reply, or undefined for rampart's default. */
export type RejectResult = Response | { status: number; headers?: Record<string, string>; body?: string | Uint8Array } | undefined | null;

/**
 * The application's own answer to a rejection (stack/preset option `onReject`): called
 * with the {@link Rejection} and the adapter's native request. Return a Response or
 * `{ status, headers, body }` (status 400–599) to send it, or undefined for rampart's
 * default (an HTML page for browsers, problem+json for everyone else). A handler that
 * throws or answers something unusable gets the default, and a REJECT_HANDLER_FAILED event.
 */
export type OnReject = (rejection: Rejection, req: unknown) => RejectResult | Promise<RejectResult>;

/** Turns a stack reply into what the client gets; non-rejections pass unchanged. */
export type Presenter = (view: RequestView, reply: Reply) => Reply | Promise<Reply>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;
/** Headers the adapter computes for the body it sends: the handler's are dropped. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection']);

/** The default answer: the HTML page for a browser, the problem+json reply for everyone else. */
function defaultAnswer(reply: Reply, html: boolean): Reply {
  if (!html) return reply;
  const page = rejectionPage(reply.status, rejectionCode(reply), retryAfterOf(reply));
  const own = rejectionHeaders(reply);
  for (const _ in own) return { ...page, headers: { ...own, ...(page.headers as Record<string, string>) } };
  return page;
}

function isResponse(value: object): value is Response {
  const candidate = value as Partial<Response>;
  return typeof candidate.arrayBuffer === 'function' && typeof candidate.headers?.forEach === 'function' && typeof candidate.status === 'number';
}

function unusable(why: string): never {
  throw new RampartError('ERR_RAMPART_CONFIG', `onReject ${why}`);
}

function checkedStatus(status: unknown): number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
    unusable(`returned status ${String(status)}; a rejection must stay a 4xx or 5xx.`);
  }
  return status;
}

/** Merge the rejection's headers with the handler's, refusing names and values a response cannot carry. */
function mergedHeaders(rejection: Rejection, pairs: Iterable<readonly [string, string]>, hasBody: boolean): Array<[string, string]> {
  const out = new Map<string, Array<[string, string]>>();
  for (const [name, value] of Object.entries(rejection.headers)) out.set(name, [[name, value]]);
  const own = new Set<string>();
  for (const [rawName, rawValue] of pairs) {
    const value = String(rawValue);
    if (typeof rawName !== 'string' || !TOKEN.test(rawName)) unusable(`returned an invalid header name ${JSON.stringify(rawName)}.`);
    if (UNSAFE_VALUE.test(value)) unusable(`returned a header value with CR, LF or NUL for ${rawName}.`);
    const name = rawName.toLowerCase();
    if (FRAMING.has(name)) continue;
    if (!own.has(name)) out.set(name, []);
    own.add(name);
    out.get(name)!.push([name, value]);
  }
  if (!out.has('cache-control')) out.set('cache-control', [['cache-control', 'no-store']]);
  if (hasBody && !out.has('content-type')) out.set('content-type', [['content-type', 'text/plain; charset=utf-8']]);
  return [...out.values()].flat();
}

function fromPlain(rejection: Rejection, value: { status?: unknown; headers?: unknown; body?: unknown }): Reply {
  const status = checkedStatus(value.status);
  const body = value.body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) unusable('returned a body that is not a string or Uint8Array.');
  const headers = value.headers;
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers))) {
    unusable('returned headers that are not a plain { name: value } object.');
  }
  const pairs = Object.entries((headers ?? {}) as Record<string, string>);
  return { status, headers: mergedHeaders(rejection, pairs, body !== undefined), ...(body === undefined ? {} : { body }) };
}

async function fromResponse(rejection: Rejection, response: Response): Promise<Reply> {
  const status = checkedStatus(response.status);
  const pairs: Array<[string, string]> = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') pairs.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie?.() ?? []) pairs.push(['set-cookie', cookie]);
  const body = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  return { status, headers: mergedHeaders(rejection, pairs, body !== undefined), ...(body === undefined ? {} : { body }) };
}

function failed(view: RequestView, error: unknown): void {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  view.emit('REJECT_HANDLER_FAILED', `onReject failed (${what.slice(0, 200)}); the default rejection answer was sent`);
}

/**
 * The default answer to a rejection, synchronously: the HTML page for a client that ranks
 * text/html above JSON, problem+json for the rest (rejections answered while the
 * application streams the body: 413, 408). Non-rejections pass unchanged.
 */
export function presentDefault(view: RequestView, reply: Reply): Reply {
  return isRejection(reply) ? defaultAnswer(reply, prefersHtml(view.header('accept'))) : reply;
}

/**
 * Build the stack's presenter: rejections become an HTML page for clients that prefer
 * text/html and stay problem+json for the rest, unless `onReject` answers first.
 */
export function rejectionPresenter(onReject: OnReject | undefined): Presenter {
  if (onReject !== undefined && typeof onReject !== 'function') {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      'onReject must be a function (rejection, req) returning a Response, a reply object or undefined, e.g. (r) => new Response(myPage(r), r).',
    );
  }
  return function present(view, reply) {
    if (!isRejection(reply)) return reply;
    const html = prefersHtml(view.header('accept'));
    if (onReject === undefined) return defaultAnswer(reply, html);
    const rejection = readRejection(reply, html);
    const fallback = (error: unknown): Reply => {
      failed(view, error);
      return defaultAnswer(reply, html);
    };
    const settle = (result: RejectResult): Reply | Promise<Reply> => {
      if (result === undefined || result === null) return defaultAnswer(reply, html);
      if (typeof result !== 'object') unusable(`returned ${typeof result}; return a Response, { status, headers, body } or undefined.`);
      if (isResponse(result)) return fromResponse(rejection, result).catch(fallback);
      return fromPlain(rejection, result);
    };
    try {
      const result = onReject(rejection, view.raw);
      if (result !== null && typeof result === 'object' && typeof (result as Promise<RejectResult>).then === 'function') {
        return Promise.resolve(result as Promise<RejectResult>)
          .then(settle)
          .catch(fallback);
      }
      return settle(result as RejectResult);
    } catch (error) {
      return fallback(error);
    }
  };
}
