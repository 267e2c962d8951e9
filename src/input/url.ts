import { lookup as dnsLookup } from 'node:dns/promises';
import { ipaddr } from '../client-ip/ipaddr.ts';
import { ipAddressClass } from '../client-ip/address-class.ts';
import { checkKeys, optionsObject, boolOption, numberOption, stringList, configError } from '../core/options.ts';
import { RampartError } from '../errors.ts';

/** Policy for {@link checkUrl} and {@link isAllowedUrl}. */
export interface UrlPolicy {
  /** Allowed schemes, with the colon. Default `['https:', 'http:']`. `javascript:`, `data:`, `vbscript:`, `file:` and `blob:` are never allowed. */
  protocols?: readonly string[];
  /** Host allowlist: `'api.example.com'` (exact) or `'.example.com'` (that domain and its subdomains). Default: any public host. */
  hosts?: readonly string[];
  /** Allowed ports (the scheme's default port counts as its number). Default: any. */
  ports?: readonly number[];
  /** Allow private, loopback, link-local and other non-public addresses. Default false: the SSRF guard. */
  allowPrivate?: boolean;
  /** Allow `user:password@` in the URL. Default false. */
  allowCredentials?: boolean;
  /** DNS resolver returning every address for a host name. Default: the system resolver (`dns.lookup`, all addresses). */
  lookup?: (hostname: string) => Promise<readonly string[]>;
  /** DNS timeout in seconds. Default 5. */
  timeout?: number;
}

/** An accepted URL and the addresses its host resolved to (connect to one of these, not to the name again). */
export interface CheckedUrl {
  url: URL;
  addresses: string[];
}

const POLICY_KEYS = ['protocols', 'hosts', 'ports', 'allowPrivate', 'allowCredentials', 'lookup', 'timeout'];
const NEVER = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:']);
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21 };
// Names that reach the local machine or cloud metadata whatever DNS says.
const INTERNAL_NAMES = /(^|\.)(localhost|localdomain|internal|local|home\.arpa)$|^metadata(\.google\.internal)?$|^instance-data$/;

interface CompiledPolicy {
  protocols: Set<string>;
  exactHosts: Set<string>;
  suffixHosts: string[];
  anyHost: boolean;
  ports: Set<number> | undefined;
  allowPrivate: boolean;
  allowCredentials: boolean;
  lookup: (hostname: string) => Promise<readonly string[]>;
  timeoutMs: number;
}

const compiled = new WeakMap<object, CompiledPolicy>();

function compile(policy: UrlPolicy | undefined): CompiledPolicy {
  if (policy !== undefined && compiled.has(policy)) return compiled.get(policy)!;
  const opts = optionsObject(policy, 'checkUrl');
  checkKeys(opts, POLICY_KEYS, 'checkUrl');
  const protocols = new Set(
    (opts.protocols === undefined ? ['https:', 'http:'] : stringList(opts.protocols, 'checkUrl.protocols')).map((p) => p.toLowerCase()),
  );
  for (const p of protocols) {
    if (!p.endsWith(':')) throw configError(`checkUrl.protocols: ${JSON.stringify(p)} must end with ':' (e.g. 'https:').`);
    if (NEVER.has(p)) throw configError(`checkUrl.protocols: ${p} URLs can run code or read local data and cannot be allowed.`);
  }
  const hosts = opts.hosts === undefined ? undefined : stringList(opts.hosts, 'checkUrl.hosts').map((h) => h.toLowerCase());
  let ports: Set<number> | undefined;
  if (opts.ports !== undefined) {
    if (!Array.isArray(opts.ports)) throw configError('checkUrl.ports must be a list of port numbers.');
    ports = new Set(opts.ports.map((p, i) => numberOption(p, `checkUrl.ports[${i}]`, 1, 65535)));
  }
  if (opts.lookup !== undefined && typeof opts.lookup !== 'function') throw configError('checkUrl.lookup must be a function (hostname) => Promise<string[]>.');
  const result: CompiledPolicy = {
    protocols,
    exactHosts: new Set((hosts ?? []).filter((h) => !h.startsWith('.'))),
    suffixHosts: (hosts ?? []).filter((h) => h.startsWith('.')),
    anyHost: hosts === undefined,
    ports,
    allowPrivate: opts.allowPrivate === undefined ? false : boolOption(opts.allowPrivate, 'checkUrl.allowPrivate'),
    allowCredentials: opts.allowCredentials === undefined ? false : boolOption(opts.allowCredentials, 'checkUrl.allowCredentials'),
    lookup: (opts.lookup as CompiledPolicy['lookup'] | undefined) ?? systemLookup,
    timeoutMs: (opts.timeout === undefined ? 5 : numberOption(opts.timeout, 'checkUrl.timeout', 0.001, 120, false)) * 1000,
  };
  if (policy !== undefined) compiled.set(policy, result);
  return result;
}

async function systemLookup(hostname: string): Promise<string[]> {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((r) => r.address);
}

/**
 * True when `address` (an IP literal) is a public unicast address: not loopback, private
 * (RFC 1918, unique-local), link-local (incl. 169.254.169.254 cloud metadata),
 * carrier-grade NAT (incl. 100.100.100.200), unspecified, broadcast, multicast, reserved,
 * documentation/benchmarking, or an IPv6 form embedding an IPv4 address (IPv4-mapped
 * `::ffff:127.0.0.1` and IPv4-compatible `::127.0.0.1` as that address, NAT64, 6to4,
 * Teredo). IPv4 only in four-part decimal; non-addresses are not public. The scanner's
 * classifier (src/client-ip/address-class.ts) decides.
 */
export function isPublicAddress(address: string): boolean {
  return ipAddressClass(address) === 'public';
}

function fail(reason: string): never {
  throw new RampartError('ERR_RAMPART_UNSAFE_URL', `checkUrl: ${reason}`);
}

function parse(input: unknown): URL {
  if (typeof input !== 'string' && !(input instanceof URL)) fail('the URL must be a string');
  const text = String(input);
  if (text.length > 8192) fail('the URL is longer than 8192 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s\\]/.test(text.trim()) || text !== text.trim()) fail('the URL contains whitespace, control characters or backslashes');
  try {
    return new URL(text);
  } catch {
    fail('not an absolute URL');
  }
}

function hostOf(url: URL): string {
  const h = url.hostname.toLowerCase();
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

function checkStatic(url: URL, p: CompiledPolicy): string {
  const protocol = url.protocol.toLowerCase();
  if (NEVER.has(protocol) || !p.protocols.has(protocol)) fail(`scheme ${protocol} is not allowed`);
  if (!p.allowCredentials && (url.username !== '' || url.password !== '')) fail('credentials in URLs are not allowed');
  const host = hostOf(url);
  if (host === '') fail('the URL has no host');
  const port = url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port);
  if (p.ports !== undefined && (port === undefined || !p.ports.has(port))) fail(`port ${port ?? '(none)'} is not allowed`);
  if (!p.anyHost) {
    const allowed = p.exactHosts.has(host) || p.suffixHosts.some((s) => host === s.slice(1) || host.endsWith(s));
    if (!allowed) fail(`host ${host} is not on the allowlist`);
  }
  if (!p.allowPrivate) {
    if (ipaddr().isValid(host) || host.includes(':')) {
      if (!isPublicAddress(host)) fail(`host ${host} is not a public address`);
    } else if (INTERNAL_NAMES.test(host.replace(/\.$/, ''))) {
      fail(`host ${host} is an internal name`);
    }
  }
  return host;
}

/**
 * Synchronous URL check without DNS: scheme allowlist (never `javascript:`/`data:`),
 * no credentials, host/port allowlists, and IP-literal hosts (any IPv4 spelling —
 * decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1` — normalised by the WHATWG
 * parser) must be public. Use for links you render; use {@link checkUrl} before fetching.
 */
export function isAllowedUrl(input: string | URL, policy?: UrlPolicy): boolean {
  const p = compile(policy);
  try {
    checkStatic(parse(input), p);
    return true;
  } catch (error) {
    if (error instanceof RampartError && error.code === 'ERR_RAMPART_UNSAFE_URL') return false;
    throw error;
  }
}

/**
 * Validate a URL you are about to fetch on a user's behalf (SSRF guard): everything
 * {@link isAllowedUrl} checks, then resolve the host and refuse it when ANY resolved
 * address is not public (loopback, private, link-local/metadata, IPv4-mapped IPv6, …).
 * Connect to one of the returned `addresses` (pin it) so a DNS rebinding between the
 * check and the request cannot redirect you, and re-check every redirect target.
 *
 * @throws RampartError ERR_RAMPART_UNSAFE_URL (status 400).
 * @example
 * const { url, addresses } = await checkUrl(userUrl, { protocols: ['https:'] });
 */
export async function checkUrl(input: string | URL, policy?: UrlPolicy): Promise<CheckedUrl> {
  const p = compile(policy);
  const url = parse(input);
  const host = checkStatic(url, p);
  if (ipaddr().isValid(host) || host.includes(':')) return { url, addresses: [host] };
  let addresses: readonly string[];
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      p.lookup(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), p.timeoutMs);
      }),
    ]);
  } catch (error) {
    fail(`host ${host} did not resolve (${(error as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  if (!Array.isArray(addresses) || addresses.length === 0) fail(`host ${host} did not resolve to any address`);
  if (!p.allowPrivate) {
    for (const address of addresses) {
      if (!isPublicAddress(address)) fail(`host ${host} resolves to a non-public address`);
    }
  }
  return { url, addresses: [...addresses] };
}
