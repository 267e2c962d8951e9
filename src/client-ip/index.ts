import { RampartError } from '../errors.ts';
import { warnConfig } from '../core/events.ts';
import { compileIpList, normalizeIp, parseIp } from './ip.ts';

export { normalizeIp, parseIp, isIp, compileIpList, ipKey } from './ip.ts';
export type { IpMatcher } from './ip.ts';

/**
 * Which peers may tell us the client address and scheme:
 * - `false` (default): only the socket address counts; forwarding headers are ignored.
 * - a list of addresses / CIDRs: walk `Forwarded` / `X-Forwarded-For` right to left while the hop is trusted.
 * - a number n: exactly n reverse proxies sit in front of the app.
 * - `true`: trust every hop (announced as a configuration warning — anyone can spoof).
 */
export type TrustProxyOption = boolean | number | readonly string[];

/** The compiled trusted-proxy policy used by every request view. */
export interface ProxyTrust {
  /** True when the immediate peer may set forwarding headers. */
  trusts(remoteAddress: string): boolean;
  /** The client address after walking the forwarding chain; falls back to the socket address on malformed input. */
  clientIp(remoteAddress: string, xForwardedFor: string | undefined, forwarded: string | undefined): string;
  /** Scheme reported by a trusted peer ('https' / 'http'), or undefined. */
  forwardedProto(remoteAddress: string, xForwardedProto: string | undefined, forwarded: string | undefined): string | undefined;
  /** Host reported by a trusted peer, or undefined. */
  forwardedHost(remoteAddress: string, xForwardedHost: string | undefined, forwarded: string | undefined): string | undefined;
}

const NO_TRUST: ProxyTrust = {
  trusts: () => false,
  clientIp: (remote) => normalizeIp(remote),
  forwardedProto: () => undefined,
  forwardedHost: () => undefined,
};

/** Compile a `trustProxy` option. Throws ERR_RAMPART_CONFIG for invalid entries. */
export function compileTrustProxy(option: TrustProxyOption | undefined): ProxyTrust {
  if (option === undefined || option === false) return NO_TRUST;
  let trusted: (address: string, hop: number) => boolean;
  if (option === true) {
    warnConfig('trustProxy: true trusts X-Forwarded-For from any peer; clients can spoof their address. List your proxies instead.');
    trusted = () => true;
  } else if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 0 || option > 32) {
      throw new RampartError('ERR_RAMPART_CONFIG', `trustProxy: ${option} is not a valid hop count; use an integer from 0 to 32 (the number of reverse proxies in front of the app).`);
    }
    if (option === 0) return NO_TRUST;
    trusted = (_address, hop) => hop < option;
  } else if (Array.isArray(option)) {
    const { matcher, invalid } = compileIpList(option);
    if (invalid.length > 0) {
      throw new RampartError('ERR_RAMPART_CONFIG', `trustProxy contains invalid addresses or CIDRs: ${invalid.map((s) => JSON.stringify(s)).join(', ')}; use forms like '127.0.0.1', '10.0.0.0/8' or 'fd00::/8'.`);
    }
    if (matcher.size === 0) return NO_TRUST;
    trusted = (address) => matcher.has(address);
  } else {
    throw new RampartError('ERR_RAMPART_CONFIG', 'trustProxy must be false, true, a hop count, or a list of proxy addresses/CIDRs.');
  }

  return {
    trusts: (remote) => remote !== '' && trusted(normalizeIp(remote), 0),
    clientIp(remote, xff, forwarded) {
      const socketIp = normalizeIp(remote);
      if (socketIp === '' || !trusted(socketIp, 0)) return socketIp;
      const chain = forwarded !== undefined ? forwardedFor(forwarded) : xff !== undefined ? xffChain(xff) : undefined;
      if (chain === undefined) return socketIp;
      let current = socketIp;
      for (let i = chain.length - 1, hop = 1; i >= 0; i--, hop++) {
        const candidate = chain[i]!;
        if (candidate === undefined) return socketIp; // malformed or obfuscated hop: fail to the socket address
        current = candidate;
        if (!trusted(current, hop)) return current;
      }
      return current;
    },
    forwardedProto(remote, xfp, forwarded) {
      if (!this.trusts(remote)) return undefined;
      const value = forwarded !== undefined ? lastParam(forwarded, 'proto') : xfp !== undefined ? lastToken(xfp) : undefined;
      if (value === undefined) return undefined;
      const proto = value.toLowerCase();
      return proto === 'https' || proto === 'http' ? proto : undefined;
    },
    forwardedHost(remote, xfh, forwarded) {
      if (!this.trusts(remote)) return undefined;
      const value = forwarded !== undefined ? lastParam(forwarded, 'host') : xfh !== undefined ? lastToken(xfh) : undefined;
      return value === undefined || value === '' ? undefined : value.toLowerCase();
    },
  };
}

/** X-Forwarded-For entries left to right; an invalid entry becomes undefined. */
function xffChain(header: string): Array<string | undefined> | undefined {
  if (header.length > 4096) return undefined;
  return header.split(',').map((part) => validIp(part.trim()));
}

/** RFC 7239 `for=` values left to right; obfuscated or malformed nodes become undefined. */
function forwardedFor(header: string): Array<string | undefined> | undefined {
  if (header.length > 4096) return undefined;
  const out: Array<string | undefined> = [];
  for (const element of splitElements(header)) {
    const value = param(element, 'for');
    out.push(value === undefined ? undefined : validIp(stripPort(value)));
  }
  return out.length === 0 ? undefined : out;
}

function validIp(value: string): string | undefined {
  const ip = parseIp(value);
  return ip === undefined ? undefined : ip.toString();
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

function splitElements(header: string): string[] {
  // Commas inside quoted strings do not separate elements.
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 44 && !quoted) {
      out.push(header.slice(start, i));
      start = i + 1;
    }
  }
  out.push(header.slice(start));
  return out;
}

function param(element: string, name: string): string | undefined {
  for (const pair of element.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim().toLowerCase() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    return value;
  }
  return undefined;
}

function lastParam(header: string, name: string): string | undefined {
  const elements = splitElements(header);
  return param(elements[elements.length - 1]!, name);
}

function lastToken(header: string): string {
  const comma = header.lastIndexOf(',');
  return (comma === -1 ? header : header.slice(comma + 1)).trim();
}
