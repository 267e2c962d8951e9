/**
 * The JavaScript half of `npm run build` (tsc emits only the .d.ts files): one ES module per
 * public entry point, with shared code in dist/chunks/. Packages stay external: the required
 * one (ipaddr.js) and the optional peers, which load on first use. The worker thread's
 * file is an entry of its own (src/stores/worker-driver.ts finds it from wherever the chunk that
 * starts it lands).
 *
 * Two builds, because esbuild puts code into one chunk per set of entry points (dynamic imports
 * count as entries) that reach it, and every file costs Node's ESM loader time and memory
 * (22 files: `await import('rampart')` +9.1 MB RSS and 17 ms; 3 files: +4.7 MB and 8 ms):
 *
 * 1. The HTTP side: the main entry, the adapters, rampart/log, rampart/dashboard and the CLI.
 *    Every entry and every module they import dynamically also imports the main entry (their
 *    users load it anyway), so all the code the main entry reaches is reached by the same set
 *    of entries and lands in one chunk: the main entry is 3 files.
 * 2. The standalone subpaths (rampart/auth, crypto, input, gdpr) and the PGlite worker: built
 *    apart, so `import 'rampart/crypto'` does not load the HTTP side. The few modules that hold
 *    identity or process state (the RampartError and Secret classes, the default event sink and
 *    its announce-once registry, the request view's symbol, the consumed-body mark) are not
 *    copied into them: they import those from dist/kernel.js, an entry of build 1, so
 *    `err instanceof RampartError` and `setDefaultEventSink()` hold across every subpath.
 *    Everything else they share with build 1 is stateless and copied.
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { default: string }>; bin: Record<string, string> };

/** dist/x/y.js → src/x/y.ts */
const source = (built: string): string => built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
const entries = new Set<string>();
for (const target of Object.values(pkg.exports)) if (typeof target !== 'string') entries.add(source(target.default));
for (const bin of Object.values(pkg.bin)) entries.add(source(bin));
entries.add('src/stores/pglite-worker.ts');
// `rampart check --app` runs the app in a child process started from this file.
entries.add('src/cli/check-app-child.ts');

const MAIN = 'src/index.ts';
/** Build 2: entries that load without the main entry. */
const STANDALONE = /^src\/((auth|crypto|input|gdpr)\/index|stores\/pglite-worker)\.ts$/;
/**
 * Modules build 2 imports from dist/kernel.js instead of copying: those with identity or
 * process state (first line), then stateless ones the main entry loads anyway, so they ship
 * once (~30 KB less in the package; they sit in the main entry's chunk, so the main entry
 * loads no extra file). `export *` of them all must not collide on a name (crypto/options.ts
 * does with core/options.ts, so it stays copied).
 */
const KERNEL = [
  ...['src/errors.ts', 'src/core/events.ts', 'src/core/registry.ts', 'src/core/consumed-body.ts', 'src/core/options.ts', 'src/crypto/secret.ts'],
  ...['src/stores/database.ts', 'src/stores/worker-driver.ts', 'src/stores/database-display.ts', 'src/stores/copy-binary.ts', 'src/core/postgres.ts'],
  ...['src/core/canonical.ts', 'src/core/cookies.ts', 'src/core/optional.ts', 'src/core/problem.ts', 'src/core/builtin.ts', 'src/core/package-info.ts'],
  ...[
    'src/crypto/bytes.ts',
    'src/core/secret-keys.ts',
    'src/core/text-scan.ts',
    'src/core/luhn.ts',
    'src/log/redact.ts',
    'src/core/config-registry.ts',
    'src/client-ip/ipaddr.ts',
  ],
];
const KERNEL_OUT = 'kernel';

const WITH_MAIN_NS = 'rampart-with-main';
const KERNEL_NS = 'rampart-kernel';

const common = {
  absWorkingDir: root,
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  // Whitespace and syntax only: identifiers and function names stay readable in stack traces,
  // and the installed package stays under the 2 MB footprint target (~200 KB less; DESIGN §8).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
} as const;

const outName = (file: string): string => file.replace(/^src\//, '').replace(/\.ts$/, '');

/** The modules build 1 imports dynamically (found by a metafile pass that writes nothing). */
async function dynamicTargets(files: readonly string[]): Promise<Set<string>> {
  const { metafile } = await build({ ...common, entryPoints: [...files], write: false, outdir: `${root}dist`, metafile: true, logLevel: 'silent' });
  const found = new Set<string>();
  for (const input of Object.values(metafile.inputs)) for (const i of input.imports) if (i.kind === 'dynamic-import' && !i.external) found.add(i.path);
  return found;
}

/** Build 1's plugin: entries other than main (and the modules in `dynamic`) import the main entry first; the kernel entry re-exports KERNEL. */
function withMain(dynamic: ReadonlySet<string>): Plugin {
  const mainPath = resolve(root, MAIN);
  return {
    name: WITH_MAIN_NS,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${WITH_MAIN_NS}|${KERNEL_NS}):`) }, (args) => {
        const [ns, path] = args.path.split(/:(.*)/s) as [string, string];
        return { path, namespace: ns };
      });
      b.onLoad({ filter: /.*/, namespace: WITH_MAIN_NS }, (args) => ({
        contents: `import './${MAIN}';\nexport * from './${args.path}';\n`,
        resolveDir: root,
        loader: 'ts',
      }));
      b.onLoad({ filter: /.*/, namespace: KERNEL_NS }, () => ({
        contents: KERNEL.map((file) => `export * from './${file}';`).join('\n'),
        resolveDir: root,
        loader: 'ts',
      }));
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!dynamic.has(relative(root, args.path))) return undefined;
        const text = readFileSync(args.path, 'utf8');
        return { contents: `import ${JSON.stringify(mainPath)};\n${text}`, loader: 'ts' };
      });
    },
  };
}

/** Build 2's plugin: an import of a KERNEL module becomes an import of dist/kernel.js (every build 2 output is one directory below dist/). */
const fromKernel: Plugin = {
  name: 'rampart-from-kernel',
  setup(b) {
    const kernel = new Set(KERNEL.map((file) => resolve(root, file)));
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!kernel.has(resolve(dirname(args.importer), args.path))) return undefined;
      return { path: `../${KERNEL_OUT}.js`, external: true };
    });
  },
};

/** Bundle every entry point into `outdir` (default dist/ of this repository). */
export async function bundle(outdir = `${root}dist`): Promise<void> {
  const http = [...entries].filter((file) => !STANDALONE.test(file));
  const standalone = [...entries].filter((file) => STANDALONE.test(file));
  const dynamic = await dynamicTargets(http);
  await build({
    ...common,
    outdir,
    entryPoints: [
      ...http.map((file) => ({ in: file === MAIN ? file : `${WITH_MAIN_NS}:${file}`, out: outName(file) })),
      { in: `${KERNEL_NS}:kernel`, out: KERNEL_OUT },
    ],
    plugins: [withMain(dynamic)],
  });
  const { metafile } = await build({
    ...common,
    outdir,
    entryPoints: standalone.map((file) => ({ in: file, out: outName(file) })),
    plugins: [fromKernel],
    metafile: true,
  });
  for (const out of Object.keys(metafile.outputs)) {
    const depth = relative(outdir, resolve(root, out)).split('/').length - 1;
    if (depth !== 1) throw new Error(`bundle: ${out} is not one directory below ${outdir}; its import of ../${KERNEL_OUT}.js would not resolve`);
  }
}
