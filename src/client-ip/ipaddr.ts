import { createRequire } from 'node:module';
import type IpAddr from 'ipaddr.js';

let lib: typeof IpAddr | undefined;

/**
 * ipaddr.js, required on first use. An ES import of this CommonJS package runs Node's
 * CommonJS export lexer over it and costs about a tenth of `await import('rampart')`; a
 * shield loads it when it is built (compileTrustProxy), before any request.
 */
export function ipaddr(): typeof IpAddr {
  lib ??= createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr;
  return lib;
}
