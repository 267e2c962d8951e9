/**
 * Import cost of the built package (DESIGN §8 footprint: `await import('rampart')` ≤ 20 ms
 * and ≤ +8 MB RSS on Node 24).
 *
 * Builds dist/ into a temporary directory (never the shared ./dist) whose node_modules
 * points at this repository's, then imports each public entry point in fresh Node processes
 * (default 7 per entry) and prints the median wall time of the `await import()` and the
 * median RSS growth across it. Every package is installed here, so this also shows that an
 * installed-but-unused optional peer is not loaded.
 *
 *   node bench/import.ts                 # main entry and every subpath, 7 runs each
 *   node bench/import.ts --runs 11 --only .,./log
 *   node bench/import.ts --dist ./dist   # an existing build instead of a fresh one
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDist, EMPTY_MODULE, importCosts, REPO as repo } from './footprint/probe.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, only: { type: 'string' }, dist: { type: 'string' } } });
const runs = Math.max(5, Number(values.runs));

let dist: string;
let cleanup = (): void => {};
if (values.dist !== undefined) {
  dist = resolve(values.dist);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-import-'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  dist = join(dir, 'dist');
  // The same build as `npm run build`: declarations by tsc, bundled entry points by esbuild.
  buildDist(dist);
  cleanup = () => rmSync(dir, { recursive: true, force: true });
}

const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, string | { default: string }> };
const only = values.only?.split(',');
const entries = Object.entries(pkg.exports)
  .filter((e): e is [string, { default: string }] => typeof e[1] === 'object')
  .filter(([subpath]) => only === undefined || only.includes(subpath))
  .map(([subpath, target]) => ({ subpath, url: pathToFileURL(join(dist, target.default.replace(/^\.\/dist\//, ''))).href }));

const costs = importCosts([EMPTY_MODULE, ...entries.map(({ url }) => ({ specifiers: [url], cwd: repo }))], runs);
const rows = costs.map((c, i) => {
  const subpath = i === 0 ? '(empty module)' : entries[i - 1]!.subpath;
  if (c.error !== undefined) console.error(`${subpath}: ${c.error}`);
  return { subpath: subpath === '.' ? 'rampart' : subpath.startsWith('./') ? `rampart/${subpath.slice(2)}` : subpath, ms: c.ms, mb: c.mb };
});
cleanup();

console.log(`import cost, Node ${process.version}, median of ${runs} fresh processes (built dist)`);
console.log('| entry | import ms | RSS +MB |');
console.log('| --- | ---: | ---: |');
for (const r of rows) console.log(`| ${r.subpath} | ${r.ms.toFixed(1)} | ${r.mb.toFixed(1)} |`);
const main = rows.find((r) => r.subpath === 'rampart');
if (main !== undefined) {
  const ok = main.ms <= 20 && main.mb <= 8;
  console.log(`\nDESIGN §8: await import('rampart') ≤ 20 ms and ≤ +8 MB → ${main.ms.toFixed(1)} ms, +${main.mb.toFixed(1)} MB: ${ok ? 'PASS' : 'FAIL'}`);
}
