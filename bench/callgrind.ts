/**
 * What bench/instructions.ts (over sockets) and bench/instructions-loop.ts (in process) share:
 * their numeric flags, one run under callgrind, and the per-request table built from two runs
 * of different lengths (the difference divided by the difference in requests: start-up and
 * warm-up cancel out). `--mutator` leaves the compilers and the GC out of every count.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A numeric command-line flag (`--small 3000`), or `fallback`. */
export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/**
 * V8's optimizing compilers and its garbage collector, by callgrind symbol. When they run
 * depends on timing and heap heuristics, so a run can include a major GC or a late
 * compilation that a run of the same code skips: about 10 % of noise per request between
 * two identical runs on a loaded machine. Without them (`--mutator`) two runs agree to a few
 * instructions per request, which shows changes of 1 %; GC work still tracks allocation, so
 * confirm an allocation change with the full count.
 */
const RUNTIME_NOISE =
  /compiler::|maglev::|turboshaft|Turboshaft|RegisterAllocat|LiveRange|Zone::|Mark|Evacuat|Scaveng|Sweep|RecordMigrated|RecordWrite|IteratePointers|IterateBody|Heap::|GCTracer|Worklist|MemoryAllocator|PagedSpace|SemiSpace|Visitor|BodyDescriptor/;

/** Instructions of a callgrind output file outside {@link RUNTIME_NOISE}. */
function mutatorInstructions(label: string, file: string): number {
  const out = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`${label}: callgrind_annotate failed\n${out.stderr.slice(-2000)}`);
  let total = 0;
  for (const line of out.stdout.split('\n')) {
    const match = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
    if (match === null || match[2]!.includes('PROGRAM TOTALS') || RUNTIME_NOISE.test(match[2]!)) continue;
    total += Number(match[1]!.replaceAll(',', ''));
  }
  return total;
}

/**
 * Total instructions callgrind collected running `node <nodeArgs>` (`valgrindArgs` go before
 * the program); with `--mutator` on the command line, those outside the compilers and the GC.
 */
export function callgrindTotal(label: string, valgrindArgs: readonly string[], nodeArgs: readonly string[]): number {
  const mutator = process.argv.includes('--mutator');
  const file = mutator ? path.join(os.tmpdir(), `rampart-callgrind-${process.pid}-${label}.out`) : '/dev/null';
  const out = spawnSync('valgrind', ['--tool=callgrind', ...valgrindArgs, `--callgrind-out-file=${file}`, process.execPath, ...nodeArgs], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const match = /Collected : (\d+)/.exec(out.stderr);
  if (out.status !== 0 || match === null) throw new Error(`${label}: valgrind failed\n${out.stderr.slice(-2000)}`);
  if (!mutator) return Number(match[1]);
  try {
    return mutatorInstructions(label, file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** How `--all` measures and prints: the pairs (contender, its bare baseline) and one run of a server. */
export interface PerRequestTable {
  pairs: ReadonlyArray<readonly [string, string]>;
  /** Instructions of one run of `name` with `requests` measured requests. */
  run: (name: string, requests: number, gzip: boolean) => number;
  small: number;
  large: number;
  /** The heading's method words, e.g. 'callgrind'. */
  method: string;
  /** Width of the baseline's name column. */
  baseWidth: number;
  /** The last column of a pair's row. */
  compare: (mine: number, theirs: number) => string;
}

/** Measure every server of `--only` (default all of the pairs) and print each pair's instructions per request. */
export function printPerRequest(table: PerRequestTable): void {
  const gzip = process.argv.includes('--gzip');
  const { small, large } = table;
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt === -1 ? undefined : new Set(process.argv[onlyAt + 1]!.split(','));
  const names = [...new Set(table.pairs.flat())].filter((n) => only === undefined || only.has(n));
  const perRequest = new Map<string, number>();
  const count = (n: number): string => Math.round(n).toLocaleString('en').padStart(10);
  for (const name of names) {
    const per = (table.run(name, large, gzip) - table.run(name, small, gzip)) / (large - small);
    perRequest.set(name, per);
    process.stderr.write(`${name.padEnd(18)} ${count(per)} instructions/request\n`);
  }
  console.log(`\ninstructions per request (${gzip ? 'Accept-Encoding: gzip' : 'identity'}), ${table.method}, ${large - small} requests measured`);
  for (const [name, base] of table.pairs) {
    const mine = perRequest.get(name);
    const theirs = perRequest.get(base);
    if (mine === undefined || theirs === undefined) continue;
    console.log(`${name.padEnd(18)} ${count(mine)}   ${base.padEnd(table.baseWidth)} ${count(theirs)}   ${table.compare(mine, theirs)}`);
  }
}
