/**
 * The CSP compiler: a policy string or directive object becomes a validated header
 * value at construction. With `nonce: true` the value is kept as precomputed pieces
 * around the nonce slots, so a request only concatenates strings.
 */
import { warnConfig } from '../core/events.ts';
import { checkKeys, checkHeader, describeValue } from '../core/options.ts';
import { RampartError } from '../errors.ts';
import { checkDirective, checkInjection, cspError, directiveName, FLAG_DIRECTIVES, isKnownDirective, KNOWN_DIRECTIVES, splitSources } from './sources.ts';
import { inlineScriptExposure, openFrameAncestors } from './judge.ts';

/** A directive value: sources as a list or one space-separated string; `true` for flag directives; `null`/`false` removes a default. */
export type CspDirectiveValue = string | readonly string[] | boolean | null;

/** Directives by name, kebab-case (`'script-src'`) or camelCase (`scriptSrc`). */
export type CspDirectives = { readonly [directive: string]: CspDirectiveValue | undefined };

/** Content-Security-Policy options (the `csp` section of `securityHeaders`). */
export interface CspOptions {
  /** The policy: a directive object (merged over the defaults unless `useDefaults: false`) or a complete policy string. */
  directives?: CspDirectives | string;
  /** Start from rampart's default policy when `directives` is an object. Default true. */
  useDefaults?: boolean;
  /** Send Content-Security-Policy-Report-Only (report, do not block). Default false. */
  reportOnly?: boolean;
  /** A fresh 128-bit nonce per request in script-src and style-src; read it with `cspNonce(req)`. Default false. */
  nonce?: boolean;
  /** Where browsers POST violation reports (`report-uri`), e.g. '/csp-report'. */
  reportUri?: string | readonly string[];
  /** Reporting API endpoint URL: adds `report-to csp-endpoint` and a `Reporting-Endpoints` header. */
  reportTo?: string;
}

/** The `csp` option: false (no header), a policy string, options, or directives directly. */
export type CspOption = false | string | CspOptions | CspDirectives;

/** A compiled policy. */
export interface CompiledCsp {
  /** 'Content-Security-Policy' or 'Content-Security-Policy-Report-Only'. */
  readonly headerName: string;
  /** The header value; with nonces, the value with an empty nonce (for display only). */
  readonly value: string;
  /** With `nonce: true`: the pieces between nonce slots (`parts[0] + n + parts[1] + …`). */
  readonly parts: readonly string[] | undefined;
  /** Extra headers the policy needs (Reporting-Endpoints). */
  readonly extraHeaders: ReadonlyArray<readonly [string, string]>;
  /** The final directives, in header order. */
  readonly directives: ReadonlyMap<string, readonly string[]>;
}

/** rampart's default policy. */
export const DEFAULT_CSP: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
});

const OPTION_KEYS = ['directives', 'useDefaults', 'reportOnly', 'nonce', 'reportUri', 'reportTo'] as const;
const NONCE_SLOT = '\u0000';
const REPORT_GROUP = 'csp-endpoint';

/** Parse a policy string ("default-src 'self'; img-src https:") into validated directives. */
export function parsePolicy(policy: string): Map<string, string[]> {
  if (/[\r\n\0]/.test(policy)) throw cspError('the policy contains CR, LF or NUL; write it on one line.');
  if (policy.includes(',')) throw cspError("the policy contains ',', which separates two policies in one header; use ';' between directives.");
  const out = new Map<string, string[]>();
  for (const segment of policy.split(';')) {
    const tokens = segment
      .trim()
      .split(/[ \t]+/)
      .filter((t) => t !== '');
    if (tokens.length === 0) continue;
    const name = tokens[0]!.toLowerCase();
    if (!isKnownDirective(name)) throw unknownDirective(name);
    if (out.has(name)) throw cspError(`${name} appears twice; browsers ignore the second one, so merge the sources into one directive.`);
    out.set(name, checkDirective(name, splitSources(name, tokens.slice(1))));
  }
  if (out.size === 0) throw cspError('the policy is empty; use csp: false to send no policy.');
  return out;
}

function unknownDirective(name: string): RampartError {
  try {
    checkKeys({ [name]: true }, KNOWN_DIRECTIVES, 'Content-Security-Policy');
  } catch (error) {
    return cspError(`unknown directive ${JSON.stringify(name)}.${(error as Error).message.split(JSON.stringify(name))[1] ?? ''}`);
  }
  return cspError(`unknown directive ${JSON.stringify(name)}.`);
}

function directiveFromObject(key: string, value: unknown): [string, string[] | undefined] {
  const name = directiveName(key);
  if (!isKnownDirective(name)) throw unknownDirective(key);
  if (value === null || value === false) return [name, undefined];
  if (value === true) {
    if (FLAG_DIRECTIVES.has(name) || name === 'sandbox') return [name, []];
    throw cspError(`${name}: true is only for flag directives (upgrade-insecure-requests, sandbox); list sources, e.g. ["'self'"].`);
  }
  if (typeof value !== 'string' && !Array.isArray(value)) throw cspError(`${name}: expected a list of sources (got ${describeValue(value)}).`);
  return [name, checkDirective(name, splitSources(name, value as string | string[]))];
}

function normalise(option: unknown): CspOptions {
  if (typeof option === 'string') return { directives: option };
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `csp must be false, a policy string or an options object (got ${describeValue(option)}).`);
  }
  const options: Record<string, unknown> = {};
  const shorthand: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(option)) {
    if ((OPTION_KEYS as readonly string[]).includes(key)) options[key] = value;
    else if (isKnownDirective(directiveName(key))) shorthand[key] = value;
    else if (key.includes('-') || /src$/i.test(key)) throw unknownDirective(key);
    else checkKeys({ [key]: true }, [...OPTION_KEYS, ...KNOWN_DIRECTIVES], 'csp');
  }
  if (Object.keys(shorthand).length > 0) {
    if (options.directives !== undefined) {
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        `csp: put ${Object.keys(shorthand)
          .map((k) => JSON.stringify(k))
          .join(', ')} inside directives: {...} (both directives and top-level directive keys were given).`,
      );
    }
    options.directives = shorthand;
  }
  return options as CspOptions;
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new RampartError('ERR_RAMPART_CONFIG', `csp.${name} must be true or false (got ${describeValue(value)}).`);
  return value;
}

/**
 * Validate and compile a CSP option. Throws ERR_RAMPART_CSP for policy mistakes and
 * ERR_RAMPART_CONFIG / ERR_RAMPART_UNKNOWN_OPTION for option mistakes; announces every
 * relaxation (unsafe-inline, unsafe-eval, wildcards, report-only) once with warnConfig.
 *
 * @example
 * compileCsp({ directives: { 'img-src': ["'self'", 'https:'] }, nonce: true });
 */
export function compileCsp(option: CspOption | undefined): CompiledCsp | undefined {
  if (option === false) {
    warnConfig('headers.csp is false: no Content-Security-Policy is sent, so injected scripts run unrestricted.', undefined, 'csp.off');
    return undefined;
  }
  const options = normalise(option ?? {});
  const reportOnly = flag(options.reportOnly, 'reportOnly', false);
  const nonce = flag(options.nonce, 'nonce', false);
  const useDefaults = flag(options.useDefaults, 'useDefaults', true);

  let directives: Map<string, string[]>;
  const given = options.directives;
  if (typeof given === 'string') {
    if (options.useDefaults !== undefined)
      throw new RampartError('ERR_RAMPART_CONFIG', 'csp.useDefaults only applies to a directive object; a policy string is used exactly as written.');
    directives = parsePolicy(given);
  } else {
    if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
      throw new RampartError('ERR_RAMPART_CONFIG', `csp.directives must be an object or a policy string (got ${describeValue(given)}).`);
    }
    directives = new Map(useDefaults ? Object.entries(DEFAULT_CSP).map(([k, v]) => [k, [...v]]) : []);
    for (const [key, value] of Object.entries(given ?? {})) {
      if (value === undefined) continue;
      const [name, sources] = directiveFromObject(key, value);
      if (sources === undefined) directives.delete(name);
      else directives.set(name, sources);
    }
    if (directives.size === 0) throw cspError('the policy has no directives; use csp: false to send no policy.');
  }

  if (nonce) addNonceSlots(directives);
  const extraHeaders: Array<readonly [string, string]> = [];
  if (options.reportUri !== undefined) {
    const uris = typeof options.reportUri === 'string' ? [options.reportUri] : options.reportUri;
    if (!Array.isArray(uris) || uris.length === 0) throw new RampartError('ERR_RAMPART_CONFIG', 'csp.reportUri must be a path or URL, e.g. "/csp-report".');
    directives.set('report-uri', checkDirective('report-uri', splitSources('report-uri', uris as string[])));
  }
  if (options.reportTo !== undefined) {
    const url = options.reportTo;
    if (typeof url !== 'string' || !/^(?:https?:\/\/[^\s/?#"]+)?\/[^\s"]*$/i.test(url)) {
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        `csp.reportTo must be the reporting endpoint's path or http(s) URL, e.g. "/csp-report" (got ${describeValue(url)}).`,
      );
    }
    checkInjection('reportTo', url);
    directives.set('report-to', [REPORT_GROUP]);
    extraHeaders.push(['Reporting-Endpoints', `${REPORT_GROUP}="${url}"`]);
  }

  announceRelaxations(directives, reportOnly);

  const headerName = reportOnly ? 'Content-Security-Policy-Report-Only' : 'Content-Security-Policy';
  const full = [...directives].map(([name, sources]) => (sources.length === 0 ? name : `${name} ${sources.join(' ')}`)).join('; ');
  checkHeader(headerName, full.replaceAll(NONCE_SLOT, ''), 'headers.csp');
  for (const [name, value] of extraHeaders) checkHeader(name, value, 'headers.csp.reportTo');
  const frozen = new Map([...directives].map(([k, v]) => [k, Object.freeze(v.map((s) => s.replace(NONCE_SLOT, '{nonce}')))] as const));
  return Object.freeze({
    headerName,
    value: full.replaceAll(NONCE_SLOT, ''),
    parts: nonce ? Object.freeze(full.split(NONCE_SLOT)) : undefined,
    extraHeaders: Object.freeze(extraHeaders),
    directives: frozen,
  });
}

/**
 * Put a `'nonce-…'` slot in script-src and style-src (created from default-src when
 * absent, since a new directive replaces the default-src fallback for its type) and in
 * the -elem variants when the policy has them.
 */
function addNonceSlots(directives: Map<string, string[]>): void {
  const slot = `'nonce-${NONCE_SLOT}'`;
  const fallback = (directives.get('default-src') ?? []).filter((s) => s !== "'none'");
  for (const name of ['script-src', 'style-src', 'script-src-elem', 'style-src-elem']) {
    const current = directives.get(name);
    if (current === undefined) {
      if (name.endsWith('-elem')) continue;
      directives.set(name, [...fallback, slot]);
    } else directives.set(name, [...current.filter((s) => s !== "'none'"), slot]);
  }
}

function effective(directives: ReadonlyMap<string, readonly string[]>, name: string): readonly string[] {
  return directives.get(name) ?? directives.get('default-src') ?? [];
}

function announceRelaxations(directives: ReadonlyMap<string, readonly string[]>, reportOnly: boolean): void {
  if (reportOnly) warnConfig('headers.csp.reportOnly is true: CSP violations are reported but not blocked.', undefined, 'csp.report-only');
  const scripts = [...effective(directives, 'script-src'), ...(directives.get('script-src-elem') ?? []), ...(directives.get('script-src-attr') ?? [])];
  const styles = [...effective(directives, 'style-src'), ...(directives.get('style-src-elem') ?? []), ...(directives.get('style-src-attr') ?? [])];
  const inline = inlineScriptExposure(directives);
  if (inline.open.some((o) => o.directive === undefined))
    warnConfig(
      "CSP has neither script-src nor default-src: every script runs, inline or from any host; add script-src 'self' (or default-src 'self').",
      undefined,
      'csp.script-unrestricted',
    );
  const inlineIn = [...new Set([...inline.open.flatMap((o) => (o.directive === undefined ? [] : [o.directive])), ...inline.ignored])];
  if (inlineIn.length > 0)
    warnConfig(
      `CSP allows inline scripts ('unsafe-inline' in ${inlineIn.join(', ')}): injected <script> and on* handlers run; use nonce: true instead.`,
      undefined,
      'csp.script-inline',
    );
  if (scripts.includes("'unsafe-eval'"))
    warnConfig("CSP allows eval() ('unsafe-eval' in script-src): string-to-code sinks are open to injection.", undefined, 'csp.script-eval');
  if (scripts.includes("'unsafe-hashes'"))
    warnConfig("CSP allows hashed inline event handlers ('unsafe-hashes' in script-src).", undefined, 'csp.script-hashes');
  if (scripts.some((s) => s === '*' || s === 'https:' || s === 'http:' || s === 'data:' || s === 'blob:')) {
    warnConfig(
      `CSP script sources include a wildcard or scheme (${scripts.filter((s) => /^(\*|https?:|data:|blob:)$/.test(s)).join(' ')}): scripts load from any host.`,
    );
  }
  if (styles.includes("'unsafe-inline'"))
    warnConfig("CSP allows inline styles ('unsafe-inline' in style-src): injected CSS can restyle or exfiltrate page content.");
  if (!directives.has('object-src') && !directives.has('default-src'))
    warnConfig("CSP has neither object-src nor default-src: plugins (<object>, <embed>) are unrestricted; add object-src 'none'.");
  const framers = reportOnly ? [] : openFrameAncestors(directives);
  if (framers.length > 0)
    warnConfig(
      `CSP frame-ancestors ${framers.join(' ')} lets any site frame these pages (clickjacking), and browsers ignore X-Frame-Options when frame-ancestors is present; use frame-ancestors 'none' or 'self', or list the origins that may embed the pages.`,
      undefined,
      'csp.frame-ancestors-open',
    );
  if (!directives.has('base-uri')) warnConfig("CSP has no base-uri: an injected <base> tag can redirect relative script URLs; add base-uri 'self'.");
}

/** Header value for one request: the precomputed pieces joined around the nonce. */
export function policyWithNonce(parts: readonly string[], nonce: string): string {
  let value = parts[0]!;
  for (let i = 1; i < parts.length; i++) value += nonce + parts[i]!;
  return value;
}
