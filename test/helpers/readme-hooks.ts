/**
 * Preloaded (`node --import`) into each README block the README test runs: `rampart` and
 * `rampart/*` resolve to the sources (through package.json's export map, dist → src),
 * other bare imports resolve from this repository's node_modules although the block file
 * lives in a temporary directory, and every server listens on a free port, announced on
 * stdout as `README-LISTENING <port>` (`README-LISTENING <port> tls` for a TLS server) so the
 * test can send it a request.
 */
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';

const ROOT = new URL('../../', import.meta.url);
const exportsMap = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { exports: Record<string, { default: string }> }).exports;

/** `rampart/log` → the source file behind `./dist/log/index.js`. */
function sourceOf(specifier: string): string | undefined {
  const key = specifier === 'rampart' ? '.' : `.${specifier.slice('rampart'.length)}`;
  const target = exportsMap[key]?.default;
  if (target === undefined) return undefined;
  return new URL(target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'), ROOT).href;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'rampart' || specifier.startsWith('rampart/')) {
      const url = sourceOf(specifier);
      if (url !== undefined) return { url, shortCircuit: true, format: 'module-typescript' };
    }
    const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.includes(':');
    if (bare && context.parentURL !== undefined && !context.parentURL.startsWith(ROOT.href)) {
      return nextResolve(specifier, { ...context, parentURL: new URL('package.json', ROOT).href });
    }
    return nextResolve(specifier, context);
  },
});

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnFreePort(this: net.Server, ...args: unknown[]) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) args[0] = 0;
  else if (typeof first === 'object' && first !== null && 'port' in first) args[0] = { ...first, port: 0 };
  this.once('listening', () => {
    const address = this.address();
    if (typeof address === 'object' && address !== null)
      process.stdout.write(`\nREADME-LISTENING ${address.port}${this instanceof tls.Server ? ' tls' : ''}\n`);
  });
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;
