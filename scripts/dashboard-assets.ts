/**
 * The dashboard's static assets, written at build time into `<outdir>/dashboard/assets/`:
 * dashboard.js (uPlot's minified IIFE followed by src/dashboard/client.js, minified) and
 * dashboard.css (uPlot's stylesheet). The published package serves these files: no CDN, and
 * uplot stays a devDependency (src/dashboard/assets.ts reads them).
 */
import { transform } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Write dashboard.js and dashboard.css into `<outdir>/dashboard/assets/`. */
export async function buildDashboardAssets(outdir: string): Promise<void> {
  const require = createRequire(`${root}package.json`);
  const uplot = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const client = await transform(readFileSync(`${root}src/dashboard/client.js`, 'utf8'), { minify: true, target: 'es2020', legalComments: 'none' });
  const dir = join(outdir, 'dashboard', 'assets');
  mkdirSync(dir, { recursive: true });
  // uPlot is MIT licensed: its notice travels with the copy.
  const license = readFileSync(require.resolve('uplot/LICENSE'), 'utf8').replaceAll('*/', '* /');
  writeFileSync(join(dir, 'dashboard.js'), `/*! uPlot, bundled by rampart\n${license}*/\n${uplot}\n${client.code}`);
  writeFileSync(join(dir, 'dashboard.css'), css);
}
