/**
 * `securityHeaders()`: the security response headers of the seed (nosniff, frame options,
 * HSTS, referrer policy, COOP, permissions policy) plus CORP and a strict default CSP,
 * precomputed at construction. Only a CSP nonce varies per request.
 */
import type { HeadHook, Middleware, RequestView, ResponseControl } from '../core/types.ts';
import { CSP_NONCE_LOCAL } from '../csp/index.ts';
import { policyWithNonce } from '../csp/compile.ts';
import { freshNonce } from '../csp/nonce.ts';
import type { CompiledCsp } from '../csp/compile.ts';
import { compileHeaders, type SecurityHeadersOptions } from './compile.ts';

export type { HstsOptions, ReferrerPolicyToken, SecurityHeadersOptions } from './compile.ts';
export { compileHeaders } from './compile.ts';

/** The securityHeaders middleware, with its precomputed headers for inspection (`rampart check`). */
export interface SecurityHeadersMiddleware extends Middleware {
  readonly name: 'securityHeaders';
  /** Headers written on every response (a per-request CSP with a nonce is not listed). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The compiled Content-Security-Policy, if any. */
  readonly csp: CompiledCsp | undefined;
}

/**
 * Security headers on every response, including the 4xx/5xx answers of later middleware.
 * A header the application sets itself keeps the application's value unless
 * `override: true`. With `csp: { nonce: true }` each request gets a fresh nonce, readable
 * with `cspNonce(req)`.
 *
 * @example
 * stack([securityHeaders({ hsts: { maxAge: 31536000 }, csp: { nonce: true } })]);
 */
export function securityHeaders(options?: SecurityHeadersOptions): SecurityHeadersMiddleware {
  const compiled = compileHeaders(options);
  const pairs = compiled.pairs;
  const count = pairs.length;
  // One copy per request instead of a lookup per header (names are distinct; else set() one by one).
  // Names go out in lower case (as HTTP/2 and the fetch adapters send them): node lower-cases
  // every name it stores or inspects, and a name already in lower case is returned as it is
  // instead of as a new string that must be looked up again (~500 instructions a header on Express).
  const distinct = new Set(pairs.map(([name]) => name.toLowerCase())).size === count;
  const template: readonly string[] | undefined = distinct ? Object.freeze(pairs.flatMap(([name, value]) => [name.toLowerCase(), value])) : undefined;
  const override = compiled.override;
  const parts = compiled.csp?.parts;
  const cspName = compiled.csp?.headerName.toLowerCase() ?? '';

  const reapply: HeadHook = (head) => {
    for (let i = 0; i < count; i++) head.set(pairs[i]![0], pairs[i]![1]);
    return undefined;
  };

  return Object.freeze({
    name: 'securityHeaders' as const,
    headers: pairs,
    csp: compiled.csp,
    handle(req: RequestView, res: ResponseControl): undefined {
      if (template !== undefined && res.setAll !== undefined) res.setAll(template);
      else for (let i = 0; i < count; i++) res.set(pairs[i]![0], pairs[i]![1]);
      if (parts !== undefined) {
        const nonce = freshNonce();
        req.locals[CSP_NONCE_LOCAL] = nonce;
        const policy = policyWithNonce(parts, nonce);
        res.set(cspName, policy);
        if (override) {
          res.onHead((head): undefined => {
            reapply(head);
            head.set(cspName, policy);
            return undefined;
          });
        }
      } else if (override) res.onHead(reapply);
      return undefined;
    },
  });
}
