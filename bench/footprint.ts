/**
 * `npm run bench:footprint`: what rampart costs a user before it serves a request, beside
 * helmet and the five-package set (helmet + cors + express-rate-limit + csrf-csrf +
 * compression), all measured in the same run (issue 13 item 7, DESIGN §8 footprint).
 *
 *  1. Install size: rampart is built and packed (`npm pack`) and installed into a fresh
 *     consumer project with no optional peer (a headers-only / HTTP-defence user); helmet
 *     alone and the five-package set go into two more consumers, at the versions installed
 *     in this repository. `npm install --offline` first (the npm cache), the registry when
 *     the cache lacks something; peers are not installed (`--legacy-peer-deps`: the
 *     framework is the application's own). Reported: `du -sk node_modules` (disk, the verdict; what `du -sh` shows), `du -sb` and the package count.
 *  2. Import cost: median wall time of `await import()` and median RSS growth across it, in
 *     fresh processes (≥ 5, default 7) inside each consumer: `rampart` and every subpath,
 *     `helmet`, and the five packages imported together.
 *  3. First security event: the installed package's preset with `allowedHosts` on
 *     node:http, one request with a bad Host, then 200 good requests; with the default log
 *     (JSON lines on stderr) and with a PGlite log (in memory and on disk; PGlite linked
 *     into the consumer from this repository after the size was measured).
 *
 * Loopback only; stops itself after 3 minutes.
 *
 *   npm run bench:footprint [-- --runs 9] [-- --out file.json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type FirstEvent, firstEvent } from './footprint/first-event.ts';
import { type InstallSize, installInto, packRampart, repoVersion } from './footprint/install.ts';
import { EMPTY_MODULE, type ImportCost, type ImportJob, importCosts, machine, median, REPO } from './footprint/probe.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'event-runs': { type: 'string', default: '3' },
    out: { type: 'string', default: join(REPO, 'bench', 'results', 'footprint.json') },
  },
});
const runs = Math.max(5, Number(values.runs) || 7);
const eventRuns = Math.max(1, Number(values['event-runs']) || 3);
const LIMIT_MS = 180_000;

const FIVE = ['helmet', 'cors', 'express-rate-limit', 'csrf-csrf', 'compression'];

const dir = mkdtempSync(join(tmpdir(), 'rampart-footprint-'));
const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
process.on('exit', cleanup);
const watchdog = setTimeout(() => {
  console.error(`bench:footprint: stopped after ${LIMIT_MS / 1000} s (machine too busy?)`);
  process.exit(1);
}, LIMIT_MS);

const t0 = performance.now();
const machineBefore = machine();
const loadBefore = loadavg()[0]!;
const step = (what: string): void => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${what}`);

// 1. Install size.
step('building and packing rampart');
const packed = await packRampart(dir);
const consumers = { rampart: join(dir, 'rampart'), helmet: join(dir, 'helmet'), five: join(dir, 'five') };
step('installing the three consumers');
const install: Record<keyof typeof consumers, InstallSize> = {
  rampart: await installInto(consumers.rampart, [packed.tarball]),
  helmet: await installInto(consumers.helmet, [`helmet@${repoVersion('helmet')}`]),
  five: await installInto(
    consumers.five,
    FIVE.map((n) => `${n}@${repoVersion(n)}`),
  ),
};

// 2. Import cost.
step(`import cost, ${runs} fresh processes per row`);
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
const subpaths = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([subpath]) => (subpath === '.' ? 'rampart' : `rampart/${subpath.slice(2)}`));
const jobs: Array<{ entry: string } & ImportJob> = [
  { entry: '(empty module)', ...EMPTY_MODULE },
  ...subpaths.map((entry) => ({ entry, specifiers: [entry], cwd: consumers.rampart })),
  { entry: 'helmet', specifiers: ['helmet'], cwd: consumers.helmet },
  { entry: 'five-package set', specifiers: FIVE, cwd: consumers.five },
];
const imports: Array<{ entry: string } & ImportCost> = importCosts(jobs, runs).map((c, i) => ({ entry: jobs[i]!.entry, ...c }));
const imp = (entry: string): ImportCost => imports.find((r) => r.entry === entry)!;

// 3. First security event (PGlite linked only now: the install size above is without it).
step('first security event: default log, PGlite in memory, PGlite on disk');
const pglite = join(consumers.rampart, 'node_modules', '@electric-sql', 'pglite');
mkdirSync(dirname(pglite), { recursive: true });
symlinkSync(join(REPO, 'node_modules', '@electric-sql', 'pglite'), pglite, 'dir');
const configs: Array<{ label: string; log?: unknown }> = [
  { label: 'default preset (JSON lines on stderr)' },
  { label: "log: { database: 'memory' } (PGlite)", log: { database: 'memory' } },
  { label: 'log: { database: <dir> } (PGlite on disk)', log: { database: join(dir, 'log', 'security') } },
];
// Each configuration runs `eventRuns` times in fresh processes, interleaved; the run with the
// median added latency is reported (each run's numbers go to the JSON file).
const events: Array<{ label: string; result?: FirstEvent; runs: FirstEvent[]; error?: string }> = configs.map((c) => ({ label: c.label, runs: [] }));
for (let r = 0; r < eventRuns; r++) {
  for (const [i, c] of configs.entries()) {
    const e = events[i]!;
    if (e.error !== undefined) continue;
    const database =
      typeof c.log === 'object' && c.log !== null && (c.log as { database: string }).database !== 'memory'
        ? `${(c.log as { database: string }).database}-${r}`
        : undefined;
    try {
      e.runs.push(await firstEvent({ entry: 'rampart', cwd: consumers.rampart, log: database === undefined ? c.log : { database }, timeoutMs: 45_000 }));
    } catch (err) {
      e.error = String((err as Error).message ?? err).slice(0, 200);
    }
  }
}
for (const e of events) {
  if (e.error !== undefined) continue;
  const m = median(e.runs.map((x) => x.firstMs - x.medianMs));
  e.result = e.runs.reduce((best, x) => (Math.abs(x.firstMs - x.medianMs - m) < Math.abs(best.firstMs - best.medianMs - m) ? x : best));
}
const machineAfter = machine();
clearTimeout(watchdog);

// Report.
const human = (bytes: number): string => {
  const kb = bytes / 1024;
  return kb >= 1024 ? `${(kb / 1024).toFixed(1)} MB` : `${kb.toFixed(0)} KB`;
};
const size = (s: InstallSize): string => `${human(s.disk)} on disk (${human(s.bytes)} of files), ${s.packages} package${s.packages === 1 ? '' : 's'}`;
const cost = (c: ImportCost): string => (c.error !== undefined ? `fails: ${c.error}` : `${c.ms.toFixed(1)} ms, +${c.mb.toFixed(1)} MB`);
const added = (r: FirstEvent): number => r.firstMs - r.medianMs;
const eventCell = (e: (typeof events)[number]): string =>
  e.result === undefined
    ? `fails: ${e.error}`
    : `+${added(e.result).toFixed(1)} ms on that request (${e.result.firstMs.toFixed(1)} vs median ${e.result.medianMs.toFixed(1)} ms, status ${e.result.status}); event-loop max delay ${e.result.maxDelayMs.toFixed(1)} ms after it (${e.result.startupMaxDelayMs.toFixed(1)} ms at start-up); RSS +${(e.result.rssAfterMb - e.result.rssBeforeMb).toFixed(0)} MB (${e.result.rssBeforeMb.toFixed(0)} → ${e.result.rssAfterMb.toFixed(0)})`;

const lines: string[] = [];
const out = (s = ''): void => {
  lines.push(s);
};
out(`footprint (${new Date().toISOString().slice(0, 10)}), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
out(`machine: ${machineBefore}`);
out(`         load average after: ${machineAfter.replace(/.*load average /, '')}`);
if (Math.max(loadavg()[0]!, loadBefore) >= availableParallelism() * 0.75) {
  out(
    'warning: the machine was busy (1-min load average ≥ 0.75 × cores): times are high and noisy, RSS growth can vary by several MB; install sizes and package counts hold.',
  );
}
out();
out(`| measured | rampart | helmet | ${FIVE.join(' + ')} |`);
out('| --- | --- | --- | --- |');
out(`| \`npm install\` into an empty project | ${size(install.rampart)} | ${size(install.helmet)} | ${size(install.five)} |`);
out(`| \`await import()\` (median of ${runs}) | ${cost(imp('rampart'))} | ${cost(imp('helmet'))} | ${cost(imp('five-package set'))} |`);
for (const e of events) out(`| first security event (bad Host; median of ${eventRuns} runs), ${e.label} | ${eventCell(e)} | — | — |`);
out();
out(
  `rampart tarball: ${(packed.size / 1024).toFixed(0)} KB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked, ${packed.files} files; installs: ${install.rampart.source}/${install.helmet.source}/${install.five.source} (offline = npm cache). KB/MB = 1024/1024² bytes (on disk: du -sk, as du -sh shows it; of files: du -sb); RSS MB = 10⁶ bytes.`,
);
out();
out(`import cost per entry (installed package, median of ${runs} fresh processes; the empty module is the floor every row includes)`);
out('| entry | import ms | RSS +MB |');
out('| --- | ---: | ---: |');
for (const r of imports) out(r.error !== undefined ? `| ${r.entry} | fails: ${r.error} | |` : `| ${r.entry} | ${r.ms.toFixed(1)} | ${r.mb.toFixed(1)} |`);
out();
out('DESIGN §8 targets, as measured in this run:');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
out(`  rampart installs in ≤ 2 MB: ${size(install.rampart)} → ${verdict(install.rampart.disk <= 2 * 1024 * 1024)}`);
const main = imp('rampart');
out(`  await import('rampart') ≤ 20 ms and ≤ +8 MB: ${cost(main)} → ${verdict(main.error === undefined && main.ms <= 20 && main.mb <= 8)}`);
for (const e of events) {
  out(
    `  first event adds ≤ 1 ms to its request, ${e.label}: ${e.result === undefined ? 'fails' : `+${added(e.result).toFixed(1)} ms, event-loop max delay after it ${e.result.maxDelayMs.toFixed(1)} ms`} → ${verdict(e.result !== undefined && added(e.result) <= 1)}`,
  );
}
console.log(lines.join('\n'));

const file = resolve(values.out);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), machine: { before: machineBefore, after: machineAfter }, runs, packed: { size: packed.size, unpackedSize: packed.unpackedSize, files: packed.files }, install, imports, events }, null, 2)}\n`,
);
console.log(`\nwritten: ${file}`);
