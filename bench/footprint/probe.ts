/**
 * Footprint measurement helpers shared by bench/import.ts, bench/first-event.ts and
 * bench/footprint.ts: building the package, the import-cost probe (fresh processes),
 * medians, and a one-line description of the machine.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's root directory (with a trailing slash). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Build dist/ exactly as `npm run build` does (tsc declarations, esbuild bundles) into `outdir`, never the shared ./dist. */
export function buildDist(outdir: string): void {
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build.ts'), '--outdir', outdir], { cwd: REPO, stdio: 'pipe', timeout: 180_000 });
}

// One fresh process per sample: wall time and RSS growth around the dynamic imports only.
// The specifiers (file URLs or bare names, resolved from the child's cwd) are imported in
// order, so a set of packages is measured as one application importing them all.
const PROBE = `
const before = process.memoryUsage().rss;
const t0 = performance.now();
for (const s of process.argv.slice(1)) await import(s);
const ms = performance.now() - t0;
const rss = process.memoryUsage().rss - before;
process.stdout.write(JSON.stringify({ ms, rss }));
`;

/** Median import cost of some modules, or why they could not be imported. */
export interface ImportCost {
  /** Median wall time of the `await import()` calls, in ms. */
  ms: number;
  /** Median RSS growth across them, in MB (10^6 bytes). */
  mb: number;
  /** Set when the import failed (the first line of the child's error); ms and mb are NaN then. */
  error?: string;
}

function sample(specifiers: readonly string[], cwd: string): { ms: number; rss: number } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, ...specifiers], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return JSON.parse(out) as { ms: number; rss: number };
}

/** Modules to import together in one process, and the directory bare names resolve from. */
export interface ImportJob {
  specifiers: readonly string[];
  cwd: string;
}

function firstErrorLine(e: unknown): string {
  const stderr = String((e as { stderr?: unknown }).stderr ?? e);
  const line = stderr.split('\n').find((l) => /Error|error:/.test(l)) ?? stderr.split('\n')[0] ?? 'failed';
  return line.trim().slice(0, 160);
}

/**
 * Import each job's modules in `runs` fresh Node processes and return the medians, in the
 * jobs' order. Each job is run once first (file-system cache warm, and a job that cannot be
 * imported is reported, not sampled); then the samples are interleaved (round 1 samples
 * every job once, round 2 again, …) so that a busy neighbour hits every row alike.
 */
export function importCosts(jobs: readonly ImportJob[], runs: number): ImportCost[] {
  const state = jobs.map((j) => {
    try {
      sample(j.specifiers, j.cwd);
      return { samples: [] as Array<{ ms: number; rss: number }> };
    } catch (e) {
      return { samples: [], error: firstErrorLine(e) };
    }
  });
  for (let r = 0; r < runs; r++) {
    for (const [i, j] of jobs.entries()) {
      if (state[i]!.error === undefined) state[i]!.samples.push(sample(j.specifiers, j.cwd));
    }
  }
  return state.map((s) =>
    s.error !== undefined
      ? { ms: Number.NaN, mb: Number.NaN, error: s.error }
      : { ms: median(s.samples.map((x) => x.ms)), mb: median(s.samples.map((x) => x.rss)) / 1e6 },
  );
}

/** Median import cost of one job (see importCosts). */
export function importCost(specifiers: readonly string[], cwd: string, runs: number): ImportCost {
  return importCosts([{ specifiers, cwd }], runs)[0]!;
}

/** An empty module: the floor every other import row includes. */
export const EMPTY_MODULE: ImportJob = { specifiers: ['data:text/javascript,export default 1'], cwd: REPO };

/** CPU model, core count, Node version and the load averages, on one line. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `${cpu}, ${availableParallelism()} cores, Node ${process.version}, ${process.platform}/${process.arch}, load average ${load} (1/5/15 min)`;
}
