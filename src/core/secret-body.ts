/**
 * A per-request mark that the response body embeds a secret (the CSRF token), set by the
 * helper that hands the secret to the application and read by the compression guard.
 * A symbol key: it never shows among the locals the application enumerates.
 */
import type { RequestView } from './types.ts';

const SECRET_IN_BODY = Symbol('rampart.secretInBody');

/** Record that the application was handed a secret to render into this request's response. */
export function markSecretInBody(view: RequestView): void {
  (view.locals as Record<symbol, unknown>)[SECRET_IN_BODY] = true;
}

/** True when {@link markSecretInBody} ran for this request. */
export function secretInBody(view: RequestView): boolean {
  return (view.locals as Record<symbol, unknown>)[SECRET_IN_BODY] === true;
}
