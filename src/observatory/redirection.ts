/**
 * The Observatory's `redirection` test over the chain that starts at the http:// URL: the
 * first hop must go to https on the same host, the last must be https.
 * @module
 */
import type { Hop } from './fetch.ts';
import type { Verdict } from './headers.ts';

/**
 * Grade the http:// chain (null: plain HTTP did not answer, so nothing needs redirecting).
 * `verified`: every https hop's certificate verified. `refused`: the chain stopped at a redirect
 * the scan would not follow (credentials, another address class, not http(s)); it then does
 * not reach an https page and grades `redirection-not-to-https`. The HSTS preload list is not
 * consulted (see the README), so `redirection-all-redirects-preloaded` is not given.
 */
export function gradeRedirection(chain: readonly Hop[] | null, verified: boolean, refused = false): Verdict {
  if (chain === null) return { result: 'redirection-not-needed-no-http', pass: true };
  if (!verified) return { result: 'redirection-invalid-cert', pass: false };
  if (refused) return { result: 'redirection-not-to-https', pass: false };
  const first = chain[0];
  const second = chain[1];
  const last = chain[chain.length - 1];
  if (first === undefined || second === undefined || last === undefined) return { result: 'redirection-missing', pass: false };
  if (last.url.protocol !== 'https:') return { result: 'redirection-not-to-https', pass: false };
  if (second.url.protocol === 'http:') return { result: 'redirection-not-to-https-on-initial-redirection', pass: false };
  if (first.url.protocol === 'http:' && second.url.hostname !== first.url.hostname) return { result: 'redirection-off-host-from-http', pass: false };
  return { result: 'redirection-to-https', pass: true };
}
