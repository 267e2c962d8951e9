/**
 * The JavaScript half of `npm run build` (tsc emits only the .d.ts files): one ES module per
 * public entry point, with the code they share in dist/chunks/, so `await import('rampart')`
 * reads a handful of files instead of ~80 (≈ 45 ms → ≈ 15 ms, 20 MB → 9 MB on Node 24), and
 * classes shared by several subpaths (SecurityLog, RampartError) stay one class. Packages
 * stay external: the required ones (jose, ipaddr.js) and the optional peers, which load on
 * first use. The worker thread's file is an entry of its own (src/stores/worker-driver.ts
 * finds it from wherever the chunk that starts it lands).
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
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

/**
 * Entry points that are never used without the main entry (an adapter wraps a shield that
 * `rampart()` or `stack()` built; the check child imports an app that imports rampart) are
 * built to reach the main entry too. esbuild puts code into one chunk per set of entries that
 * reach it, so without this each adapter splits the main graph further: 34 files and 138
 * imports for `await import('rampart')` instead of 21 and 73 (about a quarter of its cost
 * goes to resolving and linking modules). The adapters then load the whole main graph, which
 * their users load anyway.
 */
const WITH_MAIN = /^src\/(adapters\/(node|express|fastify|hono|fetch)|cli\/check-app-child)\.ts$/;
const ENTRY_NS = 'rampart-entry';

/** Bundle every entry point into `outdir` (default dist/ of this repository). */
export async function bundle(outdir = `${root}dist`): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: [...entries].map((file) => ({
      in: WITH_MAIN.test(file) ? `${ENTRY_NS}:${file}` : file,
      out: file.replace(/^src\//, '').replace(/\.ts$/, ''),
    })),
    plugins: [
      {
        name: ENTRY_NS,
        setup(b) {
          b.onResolve({ filter: new RegExp(`^${ENTRY_NS}:`) }, (args) => ({ path: args.path.slice(ENTRY_NS.length + 1), namespace: ENTRY_NS }));
          b.onLoad({ filter: /.*/, namespace: ENTRY_NS }, (args) => ({
            contents: `import './src/index.ts';\nexport * from './${args.path}';\n`,
            resolveDir: root,
            loader: 'ts',
          }));
        },
      },
    ],
    outdir,
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
  });
}
