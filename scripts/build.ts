/**
 * `npm run build` (`node scripts/build.ts [--outdir DIR]`): a clean dist/ with the declaration files from tsc (tsconfig.build.json,
 * emitDeclarationOnly), bundled into one file per public entry point by scripts/bundle-declarations.ts, the JavaScript bundled per entry point by scripts/bundle.ts, and the
 * dashboard's script and stylesheet (uPlot included) by scripts/dashboard-assets.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { bundle } from './bundle.ts';
import { buildDashboardAssets } from './dashboard-assets.ts';
import { bundleDeclarations } from './bundle-declarations.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// `--outdir DIR` builds elsewhere (the consumer test packs a private copy).
const at = process.argv.indexOf('--outdir');
const outdir = at === -1 ? `${root}dist` : process.argv[at + 1]!;
rmSync(outdir, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--outDir', outdir], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { types?: string }> };
const types = Object.values(pkg.exports).flatMap((target) =>
  typeof target === 'object' && target.types !== undefined ? [target.types.replace(/^\.\/dist\//, '')] : [],
);
await bundleDeclarations(outdir, types);
await bundle(outdir);
await buildDashboardAssets(outdir);
