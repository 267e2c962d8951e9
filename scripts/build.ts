/**
 * `npm run build` (`node scripts/build.ts [--outdir DIR]`): a clean dist/ with the declaration files from tsc (tsconfig.build.json,
 * emitDeclarationOnly; only those the public entry points reach, scripts/prune-declarations.ts), the JavaScript bundled per entry point by scripts/bundle.ts, and the
 * dashboard's script and stylesheet (uPlot included) by scripts/dashboard-assets.ts.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { bundle } from './bundle.ts';
import { buildDashboardAssets } from './dashboard-assets.ts';
import { pruneDeclarations } from './prune-declarations.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// `--outdir DIR` builds elsewhere (the consumer test packs a private copy).
const at = process.argv.indexOf('--outdir');
const outdir = at === -1 ? `${root}dist` : process.argv[at + 1]!;
rmSync(outdir, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--outDir', outdir], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
pruneDeclarations(outdir, `${root}package.json`);
await bundle(outdir);
await buildDashboardAssets(outdir);
