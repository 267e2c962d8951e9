/**
 * One listed CORS origin, checked at construction: entries that can never equal a browser's
 * `Origin` header are refused with the way to write them. Origins are compared exactly (as the
 * `cors`, `@fastify/cors` and Hono packages compare strings), so a wildcard inside an entry
 * (`https://*.example.com`) or the `allowedHosts` spelling `https://.example.com` would silently
 * match nothing; they are refused with the anchored RegExp that means "every subdomain" — or,
 * over a public suffix (`https://*.com`), with none. A host the URL parser rewrites
 * (`0x7f.1` is sent as `127.0.0.1`) is refused with the form browsers send.
 */
import { configError } from '../core/options.ts';
import { isPublicSuffix } from '../core/public-suffix.ts';

// `scheme://*.host[:port]`, `scheme://.host[:port]` (with or without the scheme): the subdomain
// spellings with a faithful RegExp.
const SUBDOMAIN_SPELLING = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*?)\.([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/i;
const LEADING_DOT = /^(?:[a-z][a-z0-9+.-]*:\/\/)?\./i;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { https: '443', http: '80' };
// Schemes whose hosts the URL standard parses as domains or IP addresses (and serialises).
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp']);
const EXAMPLE = String.raw`/^https:\/\/([a-z0-9-]+\.)+example\.com$/`;

/**
 * Refuse an origin entry holding `*` (other than the whole list being `'*'`) or starting its
 * host with `.`, with a message that says what to write instead.
 */
export function refuseWildcardEntry(entry: string, option: string): void {
  const wildcard = entry.includes('*');
  if (!wildcard && !LEADING_DOT.test(entry)) return;
  const shown = JSON.stringify(entry);
  const why = wildcard
    ? `a '*' inside an origin matches nothing (listed origins are compared exactly)`
    : `a leading '.' (the allowedHosts spelling for subdomains) matches nothing here (listed origins are compared exactly)`;
  const m = SUBDOMAIN_SPELLING.exec(entry);
  if (m === null || (wildcard && m[2] !== '*')) {
    throw configError(
      `${option}: ${shown} is not an origin: ${why}. List the origins, or pass an anchored RegExp (e.g. ${EXAMPLE} for the subdomains of example.com) or a function (origin) => boolean.`,
    );
  }
  const scheme = (m[1] ?? 'https').toLowerCase();
  const domain = m[3]!.toLowerCase();
  const port = m[4] === undefined || DEFAULT_PORTS[scheme] === String(Number(m[4])) ? '' : `:${Number(m[4])}`;
  if (isPublicSuffix(domain)) {
    throw configError(
      `${option}: ${shown} would let every site under the public suffix '${domain}' read responses; list your origins instead (e.g. 'https://app.${domain === 'com' ? 'example.com' : `example.${domain}`}').`,
    );
  }
  const pattern = `/^${scheme}:\\/\\/([a-z0-9-]+\\.)+${domain.replaceAll('.', '\\.')}${port}$/`;
  throw configError(
    `${option}: ${shown} is not an origin: ${why}. For the subdomains of ${domain} at any depth pass an anchored RegExp, origins: ${pattern} (write \\.)* instead of \\.)+ to include ${scheme}://${domain}${port} itself, or drop the + for exactly one label); a RegExp may also sit in the list beside exact origins (origins: ['${scheme}://${domain}${port}', ${pattern}]), or pass a function (origin) => boolean.`,
  );
}

/**
 * A listed origin (already `scheme://host[:port]`, lower-cased, default port dropped) in the
 * form browsers send it, or a construction error when no browser sends it:
 * - a Unicode host (`bücher.example`) becomes its ASCII form (`xn--bcher-kva.example`), as the
 *   URL standard's host parser does: that spelling is the readable one, so it is translated;
 * - an http(s)/ws(s)/ftp host the URL parser serialises differently (`0x7f.1`, `2130706433`
 *   and `127.1` are all sent as `127.0.0.1`; `[0:0::1]` as `[::1]`) is refused, naming the
 *   serialised form: an allowlist should read as the origins it allows, and a numeric
 *   spelling hides which address (here loopback) is trusted;
 * - percent-encoded hosts, empty labels (`a..example.com`) and port 0 are refused.
 */
export function browserOrigin(entry: string, option: string): string {
  const shown = JSON.stringify(entry);
  const at = entry.indexOf('://');
  const scheme = entry.slice(0, at);
  const authority = entry.slice(at + 3);
  if (authority.includes('%')) throw configError(`${option}: ${shown} is not an origin: browsers send hosts without percent-encoding; write the host itself.`);
  const colon = authority.lastIndexOf(':');
  if (colon > authority.lastIndexOf(']') && Number(authority.slice(colon + 1)) === 0)
    throw configError(`${option}: ${shown} is not an origin: nothing is served on port 0, so no browser sends it; write the port the site uses.`);
  if (!authority.startsWith('[') && authority.includes('..'))
    throw configError(`${option}: ${shown} is not an origin: its host has an empty label ('..'); write the host as browsers show it.`);
  const ascii = !/[^\x00-\x7f]/.test(authority);
  if (!ascii || SPECIAL_SCHEMES.has(scheme)) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      // refused below
    }
    const serialised = url === undefined || !SPECIAL_SCHEMES.has(url.protocol.slice(0, -1)) ? undefined : `${url.protocol}//${url.host}`;
    if (serialised === undefined)
      throw configError(`${option}: ${shown} is not an origin; write scheme://host[:port], with the host in its ASCII (punycode) form.`);
    if (!ascii) return serialised;
    if (serialised !== entry)
      throw configError(
        `${option}: ${shown} is not what browsers send: they serialise this host as '${serialised}'; write '${serialised}' (listed origins are compared exactly).`,
      );
  }
  return entry;
}
