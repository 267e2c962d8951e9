/**
 * Content-Security-Policy: the compiler used by `securityHeaders({ csp })`, the per-request
 * nonce accessor and the violation-report endpoint.
 */
import { viewOf } from '../core/registry.ts';

export { compileCsp, parsePolicy, policyWithNonce, DEFAULT_CSP } from './compile.ts';
export type { CompiledCsp, CspDirectiveValue, CspDirectives, CspOption, CspOptions } from './compile.ts';
export { cspReport } from './report.ts';
export type { CspReportOptions } from './report.ts';
export { freshNonce } from './nonce.ts';

/** The `req.locals` key holding this request's CSP nonce. */
export const CSP_NONCE_LOCAL = 'cspNonce';

/**
 * This request's CSP nonce (with `csp: { nonce: true }`), for `<script nonce="…">` and
 * `<style nonce="…">`. Accepts whatever request object the adapter gives the app
 * (node/Express `req`, Fastify `request`, Hono `c`, fetch `Request`); undefined when the
 * request did not pass through a nonce-enabled securityHeaders.
 *
 * @example
 * res.end(`<script nonce="${cspNonce(req)}">boot()</script>`);
 */
export function cspNonce(req: unknown): string | undefined {
  const value = viewOf(req)?.locals[CSP_NONCE_LOCAL];
  return typeof value === 'string' ? value : undefined;
}
