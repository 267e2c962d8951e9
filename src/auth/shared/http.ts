import { problem } from '../../core/problem.ts';
import { viewOf } from '../../core/registry.ts';
import type { Reply, RequestView } from '../../core/types.ts';

/** 401 with an RFC 6750 challenge. `error` is omitted when no credentials were sent. */
export function unauthorized(detail: string, challenge: string, code: string): Reply {
  return problem(401, detail, { headers: { 'www-authenticate': challenge }, extra: { code } });
}

/** 403 problem+json. */
export function forbidden(detail: string, code: string, challenge?: string): Reply {
  return problem(403, detail, { extra: { code }, ...(challenge === undefined ? {} : { headers: { 'www-authenticate': challenge } }) });
}

/** The bearer token of an `Authorization: Bearer …` header (scheme case-insensitive), if any. */
export function bearerToken(req: RequestView): string | undefined {
  const header = req.header('authorization');
  if (header === undefined) return undefined;
  const match = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match === null ? undefined : match[1];
}

/**
 * True when credential header `name` carries more than one value: several lines (node:http
 * shows only the first Authorization, so its raw lines are counted) or a comma-joined list
 * (how fetch runtimes and node join repeated lines; no bearer token or API key has a comma).
 * Every adapter then answers alike instead of trusting whichever line its parser kept.
 */
export function repeatedCredential(req: RequestView, name: string): boolean {
  const value = req.header(name);
  if (value === undefined) return false;
  return value.indexOf(',') !== -1 || (req.headerLines !== undefined && req.headerLines(name) > 1);
}

/** 400 `invalid_request` (RFC 6750 §3.1) for a request with more than one credential in a header. */
export function ambiguousCredential(header: string, challenge: string): Reply {
  return problem(400, `More than one credential was sent in ${header}; send exactly one.`, {
    headers: { 'www-authenticate': `${challenge}, error="invalid_request"` },
    extra: { code: 'ERR_RAMPART_AUTH_AMBIGUOUS' },
  });
}

/** A value put on `req.locals` by a rampart middleware, looked up from any adapter's native request. */
export function localOf<T>(native: unknown, key: string): T | undefined {
  const view = viewOf(native) ?? (isView(native) ? native : undefined);
  return view?.locals[key] as T | undefined;
}

function isView(value: unknown): value is RequestView {
  return (
    value !== null && typeof value === 'object' && typeof (value as RequestView).header === 'function' && typeof (value as RequestView).locals === 'object'
  );
}

/** The authenticated principal that auth middleware share through `req.locals.user`. */
export interface AuthUser {
  id?: string | undefined;
  roles?: readonly string[];
  groups?: readonly string[];
  permissions?: readonly string[];
  [key: string]: unknown;
}
