/**
 * One listed CORS origin, checked at construction: entries that can never equal a browser's
 * `Origin` header are refused with the way to write them. Origins are compared exactly (as the
 * `cors`, `@fastify/cors` and Hono packages compare strings), so a wildcard inside an entry
 * (`https://*.example.com`) would silently match nothing; it is refused with the anchored RegExp
 * that means "every subdomain" — or, over a public suffix (`https://*.com`), with none.
 */
import { configError } from '../core/options.ts';
import { isPublicSuffix } from '../core/public-suffix.ts';

// `scheme://*.host[:port]` or `*.host[:port]`: the one wildcard form with a faithful RegExp.
const SUBDOMAIN_WILDCARD = /^(?:([a-z][a-z0-9+.-]*):\/\/)?\*\.([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/i;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { https: '443', http: '80' };
const EXAMPLE = String.raw`/^https:\/\/([a-z0-9-]+\.)+example\.com$/`;

/**
 * Refuse an origin entry holding `*` (other than the whole list being `'*'`), with a message
 * that says what to write instead.
 */
export function refuseWildcardEntry(entry: string, option: string): void {
  if (!entry.includes('*')) return;
  const shown = JSON.stringify(entry);
  const m = SUBDOMAIN_WILDCARD.exec(entry);
  if (m === null) {
    throw configError(
      `${option}: ${shown} is not an origin: a '*' inside an origin matches nothing (listed origins are compared exactly). List the origins, or pass an anchored RegExp (e.g. ${EXAMPLE} for the subdomains of example.com) or a function (origin) => boolean.`,
    );
  }
  const scheme = (m[1] ?? 'https').toLowerCase();
  const domain = m[2]!.toLowerCase();
  const port = m[3] === undefined || DEFAULT_PORTS[scheme] === String(Number(m[3])) ? '' : `:${Number(m[3])}`;
  if (isPublicSuffix(domain)) {
    throw configError(
      `${option}: ${shown} would let every site under the public suffix '${domain}' read responses; list your origins instead (e.g. 'https://app.${domain === 'com' ? 'example.com' : `example.${domain}`}').`,
    );
  }
  const pattern = `/^${scheme}:\\/\\/([a-z0-9-]+\\.)+${domain.replaceAll('.', '\\.')}${port}$/`;
  throw configError(
    `${option}: ${shown} is not an origin: listed origins are compared exactly, so '*' would match nothing. For the subdomains of ${domain} at any depth pass an anchored RegExp, origins: ${pattern} (write \\.)* instead of \\.)+ to include ${scheme}://${domain}${port} itself, or drop the + for exactly one label); to combine it with listed origins, pass a function (origin) => list.includes(origin) || pattern.test(origin).`,
  );
}

/**
 * The host of a listed origin in the form browsers send it: a Unicode host (`bücher.example`)
 * becomes its ASCII form (`xn--bcher-kva.example`), as the URL standard's host parser does.
 * Percent-encoded hosts are refused: no browser sends one.
 */
export function asciiOrigin(entry: string, option: string): string {
  const at = entry.indexOf('://');
  const host = at === -1 ? entry : entry.slice(at + 3);
  if (host.includes('%'))
    throw configError(`${option}: ${JSON.stringify(entry)} is not an origin: browsers send hosts without percent-encoding; write the host itself.`);
  if (!/[^\x00-\x7f]/.test(host)) return entry;
  try {
    const url = new URL(entry);
    if (url.origin !== 'null') return url.origin;
  } catch {
    // refused below
  }
  throw configError(`${option}: ${JSON.stringify(entry)} is not an origin; write scheme://host[:port], with the host in its ASCII (punycode) form.`);
}
