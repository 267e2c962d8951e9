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

/** Bundle every entry point into `outdir` (default dist/ of this repository). */
export async function bundle(outdir = `${root}dist`): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: [...entries],
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
