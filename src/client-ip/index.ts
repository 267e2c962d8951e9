import { RampartError } from '../errors.ts';
import { globalEventSink, warnConfig, warnConfigPerSink } from '../core/events.ts';
import type { EventSink, ProxyHeadersOption, ProxyTrust } from '../core/types.ts';
import { compileIpList, normalizeIp, parseIp } from './ip.ts';
import { ipaddr } from './ipaddr.ts';
import { type ForwardedElements, parseForwarded } from './forwarded.ts';
import { catchAllProxyEntries } from './catch-all.ts';

export { normalizeIp, parseIp, isIp, compileIpList, ipKey } from './ip.ts';
export type { IpMatcher } from './ip.ts';
// Defined in core (the request view holds a ProxyTrust); compiled here.
export type { ProxyHeadersOption, ProxyTrust } from '../core/types.ts';

/**
 * Which peers may tell us the client address and scheme:
 * - `false` (default): only the socket address counts; forwarding headers are ignored.
 * - a list of addresses / CIDRs: walk the forwarding header (`X-Forwarded-For`, or `Forwarded` with
 *   `proxyHeaders: 'forwarded'`) right to left while the hop is trusted.
 * - a number n: exactly n reverse proxies sit in front of the app.
 * - `true`: trust every hop (announced as a configuration warning — anyone can spoof).
 */
export type TrustProxyOption = boolean | number | readonly string[];

/** The accepted `proxyHeaders` values. */
export const PROXY_HEADER_FAMILIES: readonly ProxyHeadersOption[] = ['x-forwarded', 'forwarded'];

/** Options of {@link compileTrustProxy} besides the trust itself. */
export interface ProxyTrustOptions {
  /** Header family to read. Default `'x-forwarded'`. */
  proxyHeaders?: ProxyHeadersOption;
  /** Where configuration warnings go. Default: the global event sink. */
  sink?: EventSink;
}

const NO_TRUST: ProxyTrust = Object.freeze({
  family: 'x-forwarded' as const,
  trusts: () => false,
  clientIp: (remote: string) => normalizeIp(remote),
  forwardedProto: () => undefined,
  forwardedHost: () => undefined,
});

const PROXY_OFF_WARNING =
  "a request from a loopback or private address carried X-Forwarded-For or Forwarded, but trustProxy is off: rampart sees the proxy's address as every client's, so all users behind the proxy share one rate-limit bucket (and one block). If a reverse proxy sits in front of the app, set trustProxy to its address (e.g. trustProxy: ['127.0.0.1']) or to the number of proxies (trustProxy: 1); if not, a client on your network sent the header and nothing needs to change.";

/** Peers that are typically a reverse proxy: loopback, private, unique-local, link-local, CGNAT. */
const PROXY_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'linkLocal', 'carrierGradeNat']);

function internalPeer(address: string): boolean {
  const ip = parseIp(address);
  return ip !== undefined && PROXY_RANGES.has(ip.range());
}

/**
 * No trusted proxy: the socket address is the client. Until it fires once, a forwarding
 * header from a loopback/private peer raises a CONFIG_WARNING (a proxy nobody told rampart
 * about); after that the check costs nothing.
 */
function untrusted(family: ProxyHeadersOption, sink: EventSink): ProxyTrust {
  let watching = true;
  return Object.freeze({
    ...NO_TRUST,
    family,
    clientIp(remote: string, xff: string | undefined, forwarded: string | undefined): string {
      const socketIp = normalizeIp(remote);
      if (watching && (xff !== undefined || forwarded !== undefined) && internalPeer(socketIp)) {
        watching = false;
        warnConfigPerSink(PROXY_OFF_WARNING, sink);
      }
      return socketIp;
    },
  });
}

/** Validate a `proxyHeaders` option (ERR_RAMPART_CONFIG naming the valid values). */
export function proxyHeadersOption(value: unknown): ProxyHeadersOption {
  if (value === undefined) return 'x-forwarded';
  if (value === 'x-forwarded' || value === 'forwarded') return value;
  throw new RampartError(
    'ERR_RAMPART_CONFIG',
    `proxyHeaders must be 'x-forwarded' (X-Forwarded-For/-Proto/-Host, what nginx, HAProxy and most load balancers set) or 'forwarded' (RFC 7239 Forwarded); got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}.`,
  );
}

/**
 * Compile a `trustProxy` option (and the header family to read). Throws ERR_RAMPART_CONFIG
 * for invalid entries.
 */
export function compileTrustProxy(option: TrustProxyOption | undefined, options: ProxyTrustOptions = {}): ProxyTrust {
  const family = proxyHeadersOption(options.proxyHeaders);
  const sink = options.sink ?? globalEventSink;
  ipaddr(); // loaded with the shield, not by its first request
  if (option === undefined || option === false) return untrusted(family, sink);
  let trusted: (address: string, hop: number) => boolean;
  if (option === true) {
    warnConfig('trustProxy: true trusts X-Forwarded-For from any peer; clients can spoof their address. List your proxies instead.', sink, 'proxy.trust-all');
    trusted = () => true;
  } else if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 0 || option > 32) {
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        `trustProxy: ${option} is not a valid hop count; use an integer from 0 to 32 (the number of reverse proxies in front of the app).`,
      );
    }
    if (option === 0) return untrusted(family, sink);
    trusted = (_address, hop) => hop < option;
  } else if (Array.isArray(option)) {
    const { matcher, invalid } = compileIpList(option);
    if (invalid.length > 0) {
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        `trustProxy contains invalid addresses or CIDRs: ${invalid.map((s) => JSON.stringify(s)).join(', ')}; use forms like '127.0.0.1', '10.0.0.0/8' or 'fd00::/8'.`,
      );
    }
    if (matcher.size === 0) return untrusted(family, sink);
    const everyone = catchAllProxyEntries(option);
    if (everyone.length > 0) {
      warnConfig(
        `trustProxy: ${everyone.map((e) => JSON.stringify(e)).join(', ')} trusts X-Forwarded-For from any peer, as trustProxy: true does; clients can spoof their address. List your proxies instead.`,
        sink,
        'proxy.trust-all',
      );
    }
    trusted = (address) => matcher.has(address);
  } else {
    throw new RampartError('ERR_RAMPART_CONFIG', 'trustProxy must be false, true, a hop count, or a list of proxy addresses/CIDRs.');
  }

  const forwardedFamily = family === 'forwarded';
  // A trusted peer passed on the family rampart does not read: say so once. Either the
  // proxy speaks that family (then proxyHeaders is wrong) or a client sent it and the
  // proxy let it through (then it is ignored, as it must be).
  let announced = false;
  const ignored = (): void => {
    if (announced) return;
    announced = true;
    warnConfig(
      forwardedFamily
        ? "proxyHeaders: 'forwarded' reads only the Forwarded header; a trusted proxy passed X-Forwarded-For/-Proto/-Host, which rampart ignores. If your proxy sets X-Forwarded-*, set proxyHeaders: 'x-forwarded'; otherwise a client sent them and the proxy passed them on (strip them at the proxy)."
        : "proxyHeaders: 'x-forwarded' (the default) reads only X-Forwarded-For/-Proto/-Host; a trusted proxy passed a Forwarded header, which rampart ignores. If your proxy sets Forwarded (RFC 7239), set proxyHeaders: 'forwarded'; otherwise a client sent it and the proxy passed it on (strip it at the proxy: proxy_set_header Forwarded \"\").",
      sink,
    );
  };
  const trusts = (remote: string): boolean => remote !== '' && trusted(normalizeIp(remote), 0);
  // The address, the scheme and the host of one request come from the same Forwarded
  // header: it is parsed once and the three readings share the parse (pure, so keyed by
  // the text alone; requests that interleave only parse again).
  let lastForwarded: string | undefined;
  let lastElements: ForwardedElements = { elements: [], malformed: true };
  const elementsOf = (header: string): ForwardedElements => {
    if (header !== lastForwarded) {
      lastElements = parseForwarded(header);
      lastForwarded = header;
    }
    return lastElements;
  };

  return Object.freeze({
    family,
    trusts,
    clientIp(remote: string, xff: string | undefined, forwarded: string | undefined): string {
      const socketIp = normalizeIp(remote);
      if (socketIp === '' || !trusted(socketIp, 0)) return socketIp;
      if ((forwardedFamily ? xff : forwarded) !== undefined) ignored();
      const chain = forwardedFamily
        ? forwarded === undefined
          ? undefined
          : forwardedFor(elementsOf(forwarded))
        : xff === undefined
          ? undefined
          : xffChain(xff);
      if (chain === undefined) return socketIp;
      let current = socketIp;
      for (let i = chain.length - 1, hop = 1; i >= 0; i--, hop++) {
        const candidate = chain[i];
        if (candidate === undefined) return socketIp; // malformed or obfuscated hop: fail to the socket address
        current = candidate;
        if (!trusted(current, hop)) return current;
      }
      return current;
    },
    forwardedProto(remote: string, xfp: string | undefined, forwarded: string | undefined): string | undefined {
      if (!trusts(remote)) return undefined;
      if ((forwardedFamily ? xfp : forwarded) !== undefined) ignored();
      const value = forwardedFamily
        ? forwarded === undefined
          ? undefined
          : lastParam(elementsOf(forwarded), 'proto')
        : xfp === undefined
          ? undefined
          : lastToken(xfp);
      if (value === undefined) return undefined;
      const proto = value.toLowerCase();
      return proto === 'https' || proto === 'http' ? proto : undefined;
    },
    forwardedHost(remote: string, xfh: string | undefined, forwarded: string | undefined): string | undefined {
      if (!trusts(remote)) return undefined;
      if ((forwardedFamily ? xfh : forwarded) !== undefined) ignored();
      const value = forwardedFamily
        ? forwarded === undefined
          ? undefined
          : hostParams(forwarded, elementsOf(forwarded))
        : xfh === undefined
          ? undefined
          : xfh.trim();
      return value === undefined || value === '' ? undefined : value.toLowerCase();
    },
  });
}

/** X-Forwarded-For entries left to right; an invalid entry becomes undefined. */
function xffChain(header: string): Array<string | undefined> | undefined {
  if (header.length > 4096) return undefined;
  return header.split(',').map((part) => validIp(part.trim()));
}

/**
 * RFC 7239 `for=` values left to right; obfuscated or malformed nodes become undefined, and
 * an element that cannot be parsed stands, with everything left of it, as one undefined
 * entry at the left end (the walk from the right stops there).
 */
function forwardedFor({ elements, malformed }: ForwardedElements): Array<string | undefined> | undefined {
  const out: Array<string | undefined> = malformed ? [undefined] : [];
  for (const element of elements) {
    const value = element.get('for');
    out.push(value === undefined ? undefined : validIp(stripPort(value)));
  }
  return out.length === 0 ? undefined : out;
}

function validIp(value: string): string | undefined {
  if (isDottedQuad(value)) return value; // the common case, without a general parse
  const ip = parseIp(value);
  return ip === undefined ? undefined : ip.toString();
}

/** Four decimal octets 0–255 without leading zeros (`203.0.113.9`): already canonical. */
function isDottedQuad(value: string): boolean {
  const n = value.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let digits = 0;
  let octet = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : value.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || octet > 255 || ++parts > 4) return false;
      digits = 0;
      octet = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return false; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3) return false;
    } else return false;
  }
  return parts === 4;
}

/** Strip quotes, brackets and port from a Forwarded node (`"[2001:db8::1]:4711"`, `192.0.2.1:80`). */
function stripPort(node: string): string {
  let v = node;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    return end === -1 ? '' : v.slice(1, end);
  }
  const colon = v.indexOf(':');
  if (colon !== -1 && v.indexOf(':', colon + 1) === -1) v = v.slice(0, colon);
  return v;
}

/** A parameter of the rightmost element (the nearest proxy's). */
function lastParam({ elements }: ForwardedElements, name: string): string | undefined {
  return elements[elements.length - 1]?.get(name);
}

/**
 * The `host=` of a Forwarded header. Several different hosts (one per proxy hop) are not
 * reduced to one: frameworks disagree on which counts (Express reads the first entry of a
 * list, Fastify the last), so the list is returned as it is and the host guard refuses it.
 * A header that cannot be parsed is returned whole, which the host guard refuses too.
 */
function hostParams(header: string, { elements, malformed }: ForwardedElements): string | undefined {
  if (malformed) return header;
  const hosts = new Set<string>();
  for (const element of elements) {
    const host = element.get('host');
    if (host !== undefined && host !== '') hosts.add(host.toLowerCase());
  }
  return hosts.size === 0 ? undefined : [...hosts].join(', ');
}

function lastToken(header: string): string {
  const comma = header.lastIndexOf(',');
  return (comma === -1 ? header : header.slice(comma + 1)).trim();
}
