/**
 * The Observatory's `subresource-integrity` test over the `<script src>` elements of an HTML
 * page, and the registrable-domain rule it uses to tell first-party scripts from external ones.
 * @module
 */
import { isIP } from 'node:net';
import type { ScriptTag } from './html.ts';
import type { Verdict } from './headers.ts';

/**
 * Two-label public suffixes under a two-letter country code (`co.uk`, `com.au`, …) that make a
 * registrable domain three labels long. A compact stand-in for the Public Suffix List (not
 * bundled: it is large); private suffixes such as github.io are not public suffixes here either.
 */
const SECOND_LEVEL = new Set(['ac', 'co', 'com', 'edu', 'gov', 'govt', 'ltd', 'me', 'mil', 'net', 'nhs', 'nic', 'or', 'org', 'plc', 'sch']);

/** The registrable domain of a host name ("site"), or null for an IP address or a single label. */
export function registrableDomain(host: string): string | null {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (isIP(name) !== 0) return null;
  const labels = name.split('.');
  if (labels.length < 2) return null;
  const tld = labels[labels.length - 1] ?? '';
  const second = labels[labels.length - 2] ?? '';
  const take = tld.length === 2 && SECOND_LEVEL.has(second) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** The `src` as a browser reflects it from a document without a base URL: absolute URLs normalised, others as written. */
function reflectedSrc(src: string): string {
  try {
    return new URL(src).href;
  } catch {
    return src;
  }
}

const WORSENING = [
  'sri-implemented-and-all-scripts-loaded-securely',
  'sri-implemented-and-external-scripts-loaded-securely',
  'sri-implemented-but-external-scripts-not-loaded-securely',
  'sri-not-implemented-but-external-scripts-loaded-securely',
  'sri-not-implemented-and-external-scripts-not-loaded-securely',
  'sri-not-implemented-response-not-html',
];

const worse = (current: string | undefined, candidate: string): string =>
  current === undefined || WORSENING.indexOf(candidate) > WORSENING.indexOf(current) ? candidate : current;

const PASSING = [
  'sri-implemented-and-all-scripts-loaded-securely',
  'sri-implemented-and-external-scripts-loaded-securely',
  'sri-not-implemented-response-not-html',
  'sri-not-implemented-but-all-scripts-loaded-from-secure-origin',
  'sri-not-implemented-but-no-scripts-loaded',
];

/**
 * Grade the scripts of a page served from `host` (the scanned host name) over a scheme
 * (`pageHttps`). Relative and same-site absolute URLs are first-party; protocol-relative
 * (`//cdn…`) and other sites' URLs are external and should carry `integrity` and https.
 * `scripts === null`: the response is not HTML.
 */
export function gradeSri(scripts: readonly ScriptTag[] | null, host: string, pageHttps: boolean): Verdict {
  if (scripts === null) return { result: 'sri-not-implemented-response-not-html', pass: true };
  if (scripts.length === 0) return { result: 'sri-not-implemented-but-no-scripts-loaded', pass: true };
  const site = registrableDomain(host);
  let result: string | undefined;
  let external = false;
  for (const script of scripts) {
    if (script.src === undefined) continue;
    const src = reflectedSrc(script.src);
    if (src === '') continue;
    const integrity = script.integrity !== undefined && script.integrity !== '';
    const protocolRelative = /^\/\/[^/]/.test(src);
    const absolute = /^https?:\/\//.test(src);
    const relative = !protocolRelative && !absolute;
    let sameSite = protocolRelative || relative;
    if (absolute) {
      let srcHost = '';
      try {
        srcHost = new URL(src).hostname;
      } catch {}
      sameSite = registrableDomain(srcHost) === site;
    }
    const firstParty = relative || (sameSite && !protocolRelative);
    const secureScheme = (absolute && src.startsWith('https:')) || (relative && pageHttps);
    if (firstParty) {
      if (integrity && secureScheme && result === undefined) result = 'sri-implemented-and-all-scripts-loaded-securely';
      continue;
    }
    external = true;
    if (integrity && !secureScheme) result = worse(result, 'sri-implemented-but-external-scripts-not-loaded-securely');
    else if (!integrity && secureScheme) result = worse(result, 'sri-not-implemented-but-external-scripts-loaded-securely');
    else if (!integrity) result = worse(result, 'sri-not-implemented-and-external-scripts-not-loaded-securely');
  }
  result ??= external ? 'sri-implemented-and-external-scripts-loaded-securely' : 'sri-not-implemented-but-all-scripts-loaded-from-secure-origin';
  return { result, pass: PASSING.includes(result) };
}
