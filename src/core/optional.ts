/**
 * Optional peer dependencies, loaded on first use.
 *
 * The main entry and the HTTP defence need no heavy package: each package that only one
 * feature needs (PGlite, postgres, ioredis, sanitize-html, …) is an optional peer that the
 * feature imports when it is first used. When the package is not installed, the feature
 * fails with `ERR_RAMPART_MISSING_DEPENDENCY` naming itself and the exact `npm install`
 * line — at construction when the factory can tell ({@link checkPeer}, a resolve without
 * loading), otherwise on first use ({@link importPeer}, {@link requirePeer}).
 *
 * Only "module not found" for the peer ITSELF becomes that error; a peer that is installed
 * but misses one of its own dependencies (a broken install) surfaces the original error.
 */
import { createRequire } from 'node:module';
import { RampartError } from '../errors.ts';

/** A feature and the optional packages it needs (all of them go on one `npm install` line). */
export interface PeerFeature {
  /** What the user asked for, as it reads in the error ("redisStore({ url })"). */
  readonly feature: string;
  /** Package names, in install order. */
  readonly packages: readonly string[];
}

/** The catalogue of features that need an optional peer (the README install table mirrors it). */
export const PEERS = {
  redisStore: { feature: 'redisStore({ url })', packages: ['ioredis'] },
  postgresStore: { feature: 'postgresStore({ url })', packages: ['postgres'] },
  postgresUrl: { feature: 'a postgres:// database URL', packages: ['postgres'] },
  pglite: { feature: 'an embedded PGlite database (a path, or no database option)', packages: ['@electric-sql/pglite'] },
  sanitizeHtml: { feature: 'sanitizeHtml()', packages: ['sanitize-html'] },
  findPii: { feature: 'findPii() / redactPii() phone and IBAN detection', packages: ['libphonenumber-js', 'ibantools'] },
  validatePassword: { feature: 'validatePassword()', packages: ['@zxcvbn-ts/core', '@zxcvbn-ts/language-common'] },
  totpQr: { feature: 'totp qrSvg()', packages: ['qrcode'] },
  uploads: { feature: 'uploads() / parseUploads()', packages: ['busboy', 'file-type'] },
  bcrypt: { feature: 'verifyPassword() of a legacy bcrypt hash', packages: ['bcryptjs'] },
  httpSignatures: { feature: 'HTTP message signatures (RFC 9421)', packages: ['http-message-signatures'] },
  jwt: { feature: 'JWT (createJwt, requireJwt)', packages: ['jose'] },
} as const satisfies Record<string, PeerFeature>;

// Created on first use: createRequire walks this file's path (Module._nodeModulePaths), and at
// import that walk, with the ESM loader's own, made V8 optimise Node's path functions (Maglev,
// about 2.5 MB of RSS for `await import('rampart')`).
let require: NodeJS.Require | undefined;

/** The `npm install …` line for a feature's packages. */
export function installLine(peer: PeerFeature): string {
  return `npm install ${peer.packages.join(' ')}`;
}

/** The ERR_RAMPART_MISSING_DEPENDENCY error for `peer` (its message carries the install line). */
export function missingDependency(peer: PeerFeature, missing: string, cause?: unknown): RampartError {
  return new RampartError(
    'ERR_RAMPART_MISSING_DEPENDENCY',
    `${peer.feature} needs the optional package "${missing}", which is not installed. Install it with: ${installLine(peer)}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * True when `error` is "module not found" for `pkg` itself (or one of its subpaths), not for
 * a module that `pkg` imports. Works for both `import()` (ERR_MODULE_NOT_FOUND, "Cannot find
 * package 'x'") and `require` (MODULE_NOT_FOUND, "Cannot find module 'x'").
 */
export function isPeerMissing(error: unknown, pkg: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  if (typeof message !== 'string') return false;
  const quoted = /Cannot find (?:package|module) '([^']*)'/.exec(message);
  if (quoted === null) return false;
  const name = quoted[1]!;
  return name === pkg || name.startsWith(`${pkg}/`);
}

function convert(peer: PeerFeature, error: unknown): unknown {
  for (const pkg of peer.packages) if (isPeerMissing(error, pkg)) return missingDependency(peer, pkg, error);
  return error;
}

const present = new Set<string>();

/**
 * Construction-time check: every package of `peer` resolves (nothing is loaded or run).
 * Throws ERR_RAMPART_MISSING_DEPENDENCY naming the first missing one.
 */
export function checkPeer(peer: PeerFeature): void {
  for (const pkg of peer.packages) {
    if (present.has(pkg)) continue;
    try {
      import.meta.resolve(pkg);
    } catch (error) {
      throw convert(peer, error);
    }
    present.add(pkg);
  }
}

/**
 * Load a peer asynchronously. Pass a thunk with a literal specifier —
 * `importPeer(PEERS.redisStore, () => import('ioredis'))` — so types still come from the
 * dev-installed package; a missing peer rejects with ERR_RAMPART_MISSING_DEPENDENCY.
 */
export async function importPeer<T>(peer: PeerFeature, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw convert(peer, error);
  }
}

/**
 * {@link importPeer} memoised: the first call imports, later calls share the module. A failed
 * import is not cached (installing the package and retrying works without a restart).
 */
export function lazyPeer<T>(peer: PeerFeature, load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= importPeer(peer, load).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

const required = new Map<string, unknown>();

/**
 * Load a CommonJS peer synchronously (for the few synchronous APIs: sanitizeHtml, findPii,
 * validatePassword). Type it with the package's own types:
 * `requirePeer<typeof import('sanitize-html')>(PEERS.sanitizeHtml, 'sanitize-html')`.
 * Cached after the first successful load.
 */
export function requirePeer<T>(peer: PeerFeature, pkg: string): T {
  let mod = required.get(pkg);
  if (mod === undefined) {
    try {
      require ??= createRequire(import.meta.url);
      mod = require(pkg) as unknown;
    } catch (error) {
      throw convert(peer, error);
    }
    required.set(pkg, mod);
  }
  return mod as T;
}
