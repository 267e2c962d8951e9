/**
 * Whether a domain is a public suffix: a name under which anyone can register their own
 * site (`com`, `co.uk`, `github.io`). A host allowlist wildcard over one (`.com`) admits every
 * such site. Not the whole Public Suffix List (no dependency): every single label except the
 * special-use names that never resolve publicly, plus the common multi-label suffixes of
 * country registries and shared hosting platforms.
 */

// Special-use and never-delegated top-level names (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal):
// wildcards over them (`.localhost`, `.internal`) name the operator's own machines.
const PRIVATE_LABELS = new Set(['localhost', 'local', 'test', 'internal', 'invalid', 'example', 'lan', 'home', 'corp', 'intranet', 'private']);

// Second levels that country registries open to the public ("example.co.uk").
const REGISTRY_SECOND_LEVELS = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'ltd', 'plc', 'me', 'nom', 'sch', 'gv']);

// Shared hosting platforms where each customer gets a subdomain ("someone.github.io").
const HOSTING_SUFFIXES = new Set([
  'github.io',
  'gitlab.io',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'web.app',
  'firebaseapp.com',
  'appspot.com',
  'blogspot.com',
  'azurewebsites.net',
  'cloudfront.net',
  'amazonaws.com',
  'onrender.com',
  'fly.dev',
  'glitch.me',
  'repl.co',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
  'surge.sh',
  'now.sh',
  'on.aws',
]);

/**
 * True when `domain` (lower case, no leading or trailing dot) is a public suffix: a single
 * label other than a special-use name (`com`, `uk`), a country registry's second level
 * (`co.uk`, `com.au`, `ne.jp`) or a shared hosting suffix (`github.io`, `herokuapp.com`).
 */
export function isPublicSuffix(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length === 1) return !PRIVATE_LABELS.has(domain) && !/^\d+$/.test(domain);
  if (HOSTING_SUFFIXES.has(domain)) return true;
  // `co.uk`, `com.au`, `or.jp`: a public second level under a two-letter country code.
  return labels.length === 2 && labels[1]!.length === 2 && REGISTRY_SECOND_LEVELS.has(labels[0]!);
}
