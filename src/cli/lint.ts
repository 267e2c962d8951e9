/** `rampart lint`: a static scan of JavaScript/TypeScript sources for injection sinks and secrets. */
import { type Dirent, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { parse, UsageError } from './args.ts';
import { printable, sortFindings, summarize, type Finding } from './findings.ts';
import { LINT_RULES, lintSource } from './lint-rules.ts';

export const LINT_HELP = `Usage: rampart lint [PATH…] [--json] [--max-size BYTES]

Static scan of .ts/.tsx/.js/.jsx/.mjs/.cjs/.mts/.cts files (default: the current
directory; node_modules, dist and hidden directories are skipped, symlinks not followed)
for SQL built from strings, hard-coded secrets, eval/new Function, shell commands built
from strings, DOM XSS sinks, disabled TLS verification and Math.random() tokens.
Prints file:line:col, rule id, message. Exit code 1 with error-level findings.

  --json            machine-readable output
  --max-size BYTES  skip larger files (default 1048576)
  --list            print every rule id with its explanation and exit
`;

const EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts']);
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage']);
const MAX_FILES = 100_000;

/** What a scan found. */
export interface LintReport {
  files: number;
  skipped: Array<{ file: string; reason: string }>;
  findings: Finding[];
  summary: Record<'error' | 'warning' | 'info', number>;
}

function collect(root: string, files: string[], skipped: LintReport['skipped'], explicit: boolean): void {
  let stat: Stats;
  try {
    stat = lstatSync(root);
  } catch {
    throw new UsageError(`rampart lint: no such file or directory: ${root}`);
  }
  if (stat.isSymbolicLink()) return;
  if (stat.isFile()) {
    if (explicit || (EXTENSIONS.has(extname(root)) && !root.endsWith('.d.ts'))) files.push(root);
    return;
  }
  if (!stat.isDirectory()) return;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      skipped.push({ file: dir, reason: (err as Error).message });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) stack.push(path);
      } else if (entry.isFile() && EXTENSIONS.has(extname(entry.name)) && !entry.name.endsWith('.d.ts')) {
        if (files.length >= MAX_FILES) throw new UsageError(`rampart lint: more than ${MAX_FILES} files; scan a narrower path.`);
        files.push(path);
      }
    }
  }
}

/** Scan `paths` (files or directories) and build the report. */
export function runLint(paths: readonly string[], maxSize: number): LintReport {
  const files: string[] = [];
  const skipped: LintReport['skipped'] = [];
  for (const p of paths.length > 0 ? paths : ['.']) collect(resolve(p), files, skipped, true);
  const findings: Finding[] = [];
  let scanned = 0;
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    let size: number;
    try {
      size = lstatSync(file).size;
    } catch (err) {
      skipped.push({ file: shown, reason: (err as Error).message });
      continue;
    }
    if (size > maxSize) {
      skipped.push({ file: shown, reason: `larger than ${maxSize} bytes` });
      continue;
    }
    const source = readFileSync(file, 'utf8');
    scanned++;
    findings.push(...lintSource(source, shown));
  }
  const sorted = sortFindings(findings).sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { files: scanned, skipped, findings: sorted, summary: summarize(sorted) };
}

/** Entry of `rampart lint`; returns the exit code. */
export function lintCommand(argv: readonly string[]): number {
  const { values, positionals } = parse('lint', argv, { json: { type: 'boolean' }, 'max-size': { type: 'string' }, list: { type: 'boolean' } }, true);
  if (values.help === true) {
    process.stdout.write(LINT_HELP);
    return 0;
  }
  if (values.list === true) {
    for (const r of LINT_RULES) process.stdout.write(`${r.id}  ${r.severity.padEnd(7)}  ${r.title}\n`);
    return 0;
  }
  const rawMax = values['max-size'];
  let maxSize = 1_048_576;
  if (typeof rawMax === 'string') {
    if (!/^\d{1,9}$/.test(rawMax) || Number(rawMax) < 1)
      throw new UsageError(`rampart lint: --max-size must be a positive number of bytes (got ${JSON.stringify(rawMax)}).`);
    maxSize = Number(rawMax);
  }
  const report = runLint(positionals, maxSize);
  if (values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const lines = report.findings.map((f) => `${printable(f.file ?? '')}:${f.line}:${f.column}  ${f.severity.padEnd(7)}  ${f.id}  ${printable(f.message)}`);
    for (const s of report.skipped) lines.push(`skipped ${printable(s.file)}: ${printable(s.reason)}`);
    const c = report.summary;
    lines.push(`${report.files} file(s) scanned: ${c.error} error(s), ${c.warning} warning(s).`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return report.summary.error > 0 ? 1 : 0;
}
