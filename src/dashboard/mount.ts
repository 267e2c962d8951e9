/**
 * Which path a request target names, read the same way on every adapter, so the dashboard's
 * mount answers `//_rampart`, `/_RAMPART`, `/%5frampart` and the absolute-form
 * `http://host/_rampart` alike on node, Express, Fastify, Hono and fetch.
 */
import { canonicalPath } from '../core/canonical.ts';

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The canonical path of a request target (origin-form `/a/b?q` or absolute-form
 * `http://h/a/b?q`): resolved as WHATWG URL reads it (`\` is `/`, dot segments removed, as
 * fetch runtimes already deliver it), then rampart's canonical reading (one percent-decoding,
 * `//` runs collapsed, ASCII lower-case). Undefined for a target no router reads the same way
 * (encoded `/`, NUL, malformed escapes, `*`): such a request is never the dashboard's.
 */
export function targetPath(target: string): string | undefined {
  const end = target.search(/[?#]/);
  const raw = end === -1 ? target : target.slice(0, end);
  let resolved: string;
  try {
    if (raw.startsWith('/')) resolved = new URL(`http://h${raw}`).pathname;
    else if (ABSOLUTE.test(raw)) resolved = new URL(raw).pathname;
    else return undefined;
  } catch {
    return undefined;
  }
  const verdict = canonicalPath(resolved);
  return verdict.error === undefined ? verdict.path : undefined;
}

/** The part of `path` (canonical) under `mount`: '' for the mount itself, '/x/y' below it, undefined outside. */
export function underMount(mount: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const base = mount.toLowerCase();
  if (path === base) return '';
  return path.startsWith(`${base}/`) ? path.slice(base.length) : undefined;
}
