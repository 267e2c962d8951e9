/**
 * The Observatory's header tests that read one response: referrer-policy,
 * strict-transport-security, x-content-type-options, x-frame-options,
 * cross-origin-resource-policy and cross-origin-resource-sharing.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A test's outcome: the result name and whether the Observatory counts it as passed. */
export interface Verdict {
  readonly result: string;
  readonly pass: boolean;
}

/** Every value of a header, as node delivers it (repeats joined with `, `, Set-Cookie as a list). */
export function headerValues(headers: IncomingHttpHeaders | undefined, name: string): string[] {
  const value = headers?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const firstHeader = (headers: IncomingHttpHeaders | undefined, name: string): string | undefined => headerValues(headers, name)[0];

const PRIVATE_REFERRER = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'];
const UNSAFE_REFERRER = ['origin', 'origin-when-cross-origin', 'unsafe-url', 'no-referrer-when-downgrade'];

/** `referrer-policy`: the last recognised token of the header values and `<meta name=referrer>` decides. */
export function gradeReferrerPolicy(headers: IncomingHttpHeaders, meta: string | undefined): Verdict {
  const values = [...headerValues(headers, 'referrer-policy'), ...(meta === undefined ? [] : [meta])];
  if (values.length === 0) return { result: 'referrer-policy-not-implemented', pass: true };
  const tokens = values
    .join(', ')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => PRIVATE_REFERRER.includes(t) || UNSAFE_REFERRER.includes(t));
  const policy = tokens[tokens.length - 1] ?? '';
  if (PRIVATE_REFERRER.includes(policy)) return { result: 'referrer-policy-private', pass: true };
  if (UNSAFE_REFERRER.includes(policy)) return { result: 'referrer-policy-unsafe', pass: false };
  return { result: 'referrer-policy-header-invalid', pass: false };
}

/** Six months as the Observatory counts it (180 days; 15768000 is exact, 15552000 is common). */
export const SIX_MONTHS = 15_552_000;

/**
 * `strict-transport-security` over the https response (null: https unreachable).
 * The Chromium preload list is not consulted (see the README): `hsts-preloaded` is not given.
 */
export function gradeHsts(httpsHeaders: IncomingHttpHeaders | null, verified: boolean): Verdict {
  if (httpsHeaders === null) return { result: 'hsts-not-implemented-no-https', pass: false };
  if (!verified) return { result: 'hsts-invalid-cert', pass: false };
  const header = firstHeader(httpsHeaders, 'strict-transport-security');
  if (header === undefined) return { result: 'hsts-not-implemented', pass: false };
  const text = header.slice(0, 1024);
  if (text.includes(',')) return { result: 'hsts-header-invalid', pass: false };
  let maxAge: number | undefined;
  for (const directive of text.split(';')) {
    const d = directive.trim().toLowerCase();
    if (d.startsWith('max-age=')) maxAge = Number.parseInt(d.slice(8, 128), 10);
  }
  // parseInt of a non-number is NaN, which compares false: the Observatory then reports "at least six months".
  if (maxAge === undefined) return { result: 'hsts-header-invalid', pass: false };
  if (maxAge < SIX_MONTHS) return { result: 'hsts-implemented-max-age-less-than-six-months', pass: false };
  return { result: 'hsts-implemented-max-age-at-least-six-months', pass: true };
}

/** `x-content-type-options`: exactly `nosniff`. */
export function gradeContentTypeOptions(headers: IncomingHttpHeaders): Verdict {
  const header = firstHeader(headers, 'x-content-type-options');
  if (header === undefined || header === '') return { result: 'x-content-type-options-not-implemented', pass: false };
  return header.slice(0, 256).trim().toLowerCase() === 'nosniff'
    ? { result: 'x-content-type-options-nosniff', pass: true }
    : { result: 'x-content-type-options-header-invalid', pass: false };
}

/** `x-frame-options`: the header, superseded by a CSP `frame-ancestors` directive. */
export function gradeFrameOptions(headers: IncomingHttpHeaders, cspHasFrameAncestors: boolean): Verdict {
  if (cspHasFrameAncestors) return { result: 'x-frame-options-implemented-via-csp', pass: true };
  const header = firstHeader(headers, 'x-frame-options');
  if (header === undefined || header === '') return { result: 'x-frame-options-not-implemented', pass: false };
  const value = header.slice(0, 1024).trim().toLowerCase();
  if (value === 'deny' || value === 'sameorigin') return { result: 'x-frame-options-sameorigin-or-deny', pass: true };
  if (value.startsWith('allow-from')) return { result: 'x-frame-options-allow-from-origin', pass: true };
  return { result: 'x-frame-options-header-invalid', pass: false };
}

/** `cross-origin-resource-policy`: same-site / same-origin earn the bonus. */
export function gradeResourcePolicy(headers: IncomingHttpHeaders): Verdict {
  const header = firstHeader(headers, 'cross-origin-resource-policy');
  if (header === undefined || header.slice(0, 256).trim() === '') return { result: 'corp-not-implemented', pass: true };
  switch (header.slice(0, 256).trim().toLowerCase()) {
    case 'same-site':
      return { result: 'corp-implemented-with-same-site', pass: true };
    case 'same-origin':
      return { result: 'corp-implemented-with-same-origin', pass: true };
    case 'cross-origin':
      return { result: 'corp-implemented-with-cross-origin', pass: true };
    default:
      return { result: 'corp-header-invalid', pass: false };
  }
}

/** The origin the Observatory's CORS probe sends. */
export const PROBE_ORIGIN = 'https://http-observatory.security.mozilla.org';

/**
 * `cross-origin-resource-sharing` over the preflight answer (null: the probe failed):
 * `*` is public, the probe's own origin reflected with credentials is universal access.
 */
export function gradeCors(preflightHeaders: IncomingHttpHeaders | null): Verdict {
  const allowOrigin = firstHeader(preflightHeaders ?? undefined, 'access-control-allow-origin');
  if (preflightHeaders === null || allowOrigin === undefined || allowOrigin === '')
    return { result: 'cross-origin-resource-sharing-not-implemented', pass: true };
  if (allowOrigin.slice(0, 256).trim().toLowerCase() === '*') return { result: 'cross-origin-resource-sharing-implemented-with-public-access', pass: true };
  const credentials = firstHeader(preflightHeaders, 'access-control-allow-credentials');
  if (allowOrigin === PROBE_ORIGIN && credentials?.trim().toLowerCase() === 'true')
    return { result: 'cross-origin-resource-sharing-implemented-with-universal-access', pass: false };
  return { result: 'cross-origin-resource-sharing-implemented-with-restricted-access', pass: true };
}
