/**
 * CSP vocabulary and source-expression validation (CSP Level 3). Every check produces a
 * RampartError ERR_RAMPART_CSP whose message shows the corrected form.
 */
import { RampartError } from '../errors.ts';

/** Directives whose value is a source list. */
export const SOURCE_LIST_DIRECTIVES: ReadonlySet<string> = new Set([
  'default-src',
  'child-src',
  'connect-src',
  'fenced-frame-src',
  'font-src',
  'frame-src',
  'img-src',
  'manifest-src',
  'media-src',
  'object-src',
  'prefetch-src',
  'script-src',
  'script-src-elem',
  'script-src-attr',
  'style-src',
  'style-src-elem',
  'style-src-attr',
  'worker-src',
  'base-uri',
  'form-action',
  'frame-ancestors',
]);

/** Directives that take no value. */
export const FLAG_DIRECTIVES: ReadonlySet<string> = new Set(['upgrade-insecure-requests', 'block-all-mixed-content']);

/** Every directive rampart accepts. */
export const KNOWN_DIRECTIVES: readonly string[] = [
  ...SOURCE_LIST_DIRECTIVES,
  ...FLAG_DIRECTIVES,
  'sandbox',
  'report-uri',
  'report-to',
  'require-trusted-types-for',
  'trusted-types',
  'webrtc',
];

const KNOWN_SET: ReadonlySet<string> = new Set(KNOWN_DIRECTIVES);

/** Keywords that must be written in single quotes. */
const KEYWORDS: ReadonlySet<string> = new Set([
  'self',
  'none',
  'unsafe-inline',
  'unsafe-eval',
  'strict-dynamic',
  'unsafe-hashes',
  'wasm-unsafe-eval',
  'report-sample',
  'unsafe-allow-redirects',
  'inline-speculation-rules',
  'trusted-types-eval',
  'report-sha256',
  'report-sha384',
  'report-sha512',
]);

/** Directives in which only 'self' and 'none' are meaningful keywords (no script keywords). */
const NAVIGATION_DIRECTIVES: ReadonlySet<string> = new Set(['base-uri', 'form-action', 'frame-ancestors']);

const SANDBOX_TOKENS: ReadonlySet<string> = new Set([
  'allow-downloads',
  'allow-forms',
  'allow-modals',
  'allow-orientation-lock',
  'allow-pointer-lock',
  'allow-popups',
  'allow-popups-to-escape-sandbox',
  'allow-presentation',
  'allow-same-origin',
  'allow-scripts',
  'allow-storage-access-by-user-activation',
  'allow-top-navigation',
  'allow-top-navigation-by-user-activation',
  'allow-top-navigation-to-custom-protocols',
]);

const HASH_BYTES: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };
const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/i;
const HOST_SOURCE =
  /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*|(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(?:\d{1,5}|\*))?(?:\/[A-Za-z0-9\-._~!$&()*+=:@%/]*)?$/i;
const URI_REFERENCE = /^(?:https?:\/\/[^\s/?#]+)?\/[A-Za-z0-9\-._~!$&()*+=:@%/?#]*$/i;
const TOKEN = /^[A-Za-z0-9_-]+$/;

export function cspError(message: string): RampartError {
  return new RampartError('ERR_RAMPART_CSP', `Content-Security-Policy: ${message}`);
}

/** 'script-src' from 'scriptSrc' or 'script-src' (any case). */
export function directiveName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).toLowerCase();
}

export function isKnownDirective(name: string): boolean {
  return KNOWN_SET.has(name);
}

/** Reject separators and control characters that would inject a directive, a policy or a header. */
export function checkInjection(directive: string, text: string): void {
  if (/[\r\n\0]/.test(text)) throw cspError(`${directive}: a source contains CR, LF or NUL; remove the line break.`);
  if (text.includes(';')) {
    throw cspError(`${directive}: ${JSON.stringify(text)} contains ';', which would start a new directive; give each directive its own key.`);
  }
  if (text.includes(',')) {
    throw cspError(`${directive}: ${JSON.stringify(text)} contains ',', which would start a second policy; list sources separately without commas.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e\t]/.test(text)) {
    throw cspError(`${directive}: ${JSON.stringify(text)} contains a non-ASCII or control character; punycode-encode host names (xn--…).`);
  }
}

/** Split a directive value (string or list) into validated source expressions. */
export function splitSources(directive: string, value: string | readonly string[]): string[] {
  const items = typeof value === 'string' ? [value] : value;
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw cspError(`${directive}: sources must be strings (got ${typeof item}).`);
    checkInjection(directive, item);
    for (const part of item.split(/[ \t]+/)) if (part !== '') out.push(part);
  }
  return out;
}

/** Validate the sources of one directive and return them in canonical form. */
export function checkDirective(directive: string, sources: readonly string[]): string[] {
  if (FLAG_DIRECTIVES.has(directive)) {
    if (sources.length > 0) throw cspError(`${directive} takes no value; write ${JSON.stringify(directive)}: true.`);
    return [];
  }
  if (directive === 'sandbox') {
    for (const s of sources) {
      if (!SANDBOX_TOKENS.has(s.toLowerCase())) throw cspError(`sandbox: unknown token ${JSON.stringify(s)}; valid tokens: ${[...SANDBOX_TOKENS].join(', ')}.`);
    }
    return sources.map((s) => s.toLowerCase());
  }
  if (sources.length === 0) {
    throw cspError(`${directive} has no sources; write ${JSON.stringify(`${directive} 'none'`)} to block everything, or remove the directive.`);
  }
  switch (directive) {
    case 'report-uri':
      for (const s of sources) {
        if (!URI_REFERENCE.test(s)) throw cspError(`report-uri: ${JSON.stringify(s)} is not an absolute path or http(s) URL, e.g. "/csp-report".`);
      }
      return [...sources];
    case 'report-to':
      if (sources.length !== 1 || !TOKEN.test(sources[0]!))
        throw cspError(`report-to takes one endpoint name (letters, digits, - and _), e.g. "csp-endpoint"; use the reportTo option to declare the URL.`);
      return [...sources];
    case 'require-trusted-types-for':
      if (sources.length !== 1 || sources[0] !== "'script'") throw cspError(`require-trusted-types-for only accepts "'script'" (with the single quotes).`);
      return [...sources];
    case 'trusted-types':
      for (const s of sources) {
        if (s !== "'none'" && s !== "'allow-duplicates'" && s !== '*' && !/^[A-Za-z0-9\-#=_/@.%]+$/.test(s)) {
          throw cspError(`trusted-types: ${JSON.stringify(s)} is not a policy name, '*', "'none'" or "'allow-duplicates'".`);
        }
      }
      return [...sources];
    case 'webrtc':
      if (sources.length !== 1 || (sources[0] !== "'allow'" && sources[0] !== "'block'"))
        throw cspError(`webrtc takes "'allow'" or "'block'" (with the single quotes).`);
      return [...sources];
  }
  const out = sources.map((s) => checkSource(directive, s));
  if (out.includes("'none'") && out.length > 1) {
    throw cspError(
      `${directive}: "'none'" cannot be combined with other sources (${out.filter((s) => s !== "'none'").join(' ')}); remove "'none'" or the other sources.`,
    );
  }
  return out;
}

/** Validate one source expression of a source-list directive. */
function checkSource(directive: string, source: string): string {
  const lower = source.toLowerCase();
  if (lower.startsWith("'")) {
    if (!lower.endsWith("'") || lower.length < 3)
      throw cspError(`${directive}: ${JSON.stringify(source)} has an unbalanced quote; keywords look like "'self'".`);
    const inner = lower.slice(1, -1);
    if (KEYWORDS.has(inner)) {
      if (
        NAVIGATION_DIRECTIVES.has(directive) &&
        inner !== 'self' &&
        inner !== 'none' &&
        !(directive === 'form-action' && inner === 'unsafe-allow-redirects')
      ) {
        throw cspError(`${directive} only accepts "'self'", "'none'", schemes and hosts; ${JSON.stringify(source)} has no effect there.`);
      }
      return `'${inner}'`;
    }
    if (inner.startsWith('nonce-')) {
      throw cspError(
        `${directive}: a fixed ${JSON.stringify(source)} in the configuration is the same on every response and protects nothing; use nonce: true for a fresh nonce per request.`,
      );
    }
    const hash = /^'(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})'$/.exec(source);
    if (hash !== null) {
      const bytes = Buffer.from(hash[2]!.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (bytes.length !== HASH_BYTES[hash[1]!]) {
        throw cspError(
          `${directive}: ${JSON.stringify(source)} is not a ${hash[1]} hash (${HASH_BYTES[hash[1]!]} bytes, base64), e.g. "'${hash[1]}-<base64 of the digest>'".`,
        );
      }
      return source;
    }
    if (/^'sha\d*-/i.test(source))
      throw cspError(`${directive}: ${JSON.stringify(source)} is not a valid hash source; write "'sha256-<base64>'", "'sha384-…'" or "'sha512-…'".`);
    throw cspError(`${directive}: unknown keyword ${JSON.stringify(source)}; valid keywords: ${[...KEYWORDS].map((k) => `'${k}'`).join(' ')}.`);
  }
  if (KEYWORDS.has(lower) || lower.startsWith('nonce-') || /^sha(256|384|512)-/.test(lower)) {
    throw cspError(
      `${directive}: ${JSON.stringify(source)} must be quoted; write "'${lower.startsWith('sha') ? source : lower}'" (single quotes inside the string), otherwise the browser reads it as a host name.`,
    );
  }
  if (source === '*' || SCHEME_SOURCE.test(source) || HOST_SOURCE.test(source)) return source;
  if (source.includes("'") || source.includes('"'))
    throw cspError(`${directive}: ${JSON.stringify(source)} has stray quotes; keywords look like "'self'", hosts like https://cdn.example.com.`);
  throw cspError(
    `${directive}: ${JSON.stringify(source)} is not a valid source (expected a keyword like "'self'", a scheme like "https:", or a host like "https://cdn.example.com").`,
  );
}
