/**
 * Node built-in modules loaded on first use instead of at import: `await import('rampart')`
 * stays cheap (node:fs, node:net, node:zlib, node:worker_threads each cost 2 ms and 2 MB to
 * load), and in a running server most of them are already loaded, so first use is free.
 * `process.getBuiltinModule` (Node ≥ 22.3) is synchronous; older 22.x fall back to require.
 */
import { createRequire } from 'node:module';

/** A Node built-in module, loaded on the first call: `builtin<typeof import('node:zlib')>('node:zlib')`. */
export function builtin<T>(name: `node:${string}`): T {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return (get !== undefined ? get(name) : createRequire(import.meta.url)(name)) as T;
}

let crypto: typeof import('node:crypto') | undefined;

/**
 * node:crypto, loaded on first use: importing it costs ~8 ms and ~3 MB (it pulls in
 * node:stream), which `await import('rampart')` does not pay for code that may never hash.
 */
export function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= builtin<typeof import('node:crypto')>('node:crypto');
  return crypto;
}
