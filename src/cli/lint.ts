/** `rampart lint`: a static scan of JavaScript/TypeScript sources for injection sinks and secrets. */
import { type Dirent, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { choiceFlag, parse, stringFlag, UsageError } from './args.ts';
import { printable, sortFindings, summarize, type Finding } from './findings.ts';
import { type BaselineEntry, baselinePath, fingerprint, partition, readBaseline, writeBaseline } from './lint-baseline.ts';
import { toSarif } from './sarif.ts';
import { LINT_RULES, lintSource } from './lint-rules.ts';

export const LINT_HELP = `Usage: rampart lint [PATH…] [--format text|json|sarif] [--baseline FILE] [--write-baseline FILE]

Static scan of .ts/.tsx/.js/.jsx/.mjs/.cjs/.mts/.cts files (default: the current
directory; node_modules, dist, build, coverage, hidden directories and test code are
skipped, symlinks not followed) for SQL built from strings, hard-coded secrets,
eval/new Function, shell commands built from strings, DOM XSS sinks, disabled TLS
verification and Math.random() tokens. Prints file:line:col, severity, rule id, message.
Exit code 1 with error-level findings, 2 on usage errors.

  --format FORMAT        text (default), json, or sarif (SARIF 2.1.0 for code scanning)
  --json                 same as --format json
  --baseline FILE        leave out the findings recorded in FILE (see --write-baseline)
  --write-baseline FILE  record the current findings in FILE and exit 0
  --include-tests        also scan test code (*.test.*, *.spec.*, test/, tests/,
                         __tests__/, fixtures/ directories), skipped by default
  --max-size BYTES       skip larger files (default 1048576)
  --list                 print every rule id with its explanation and exit

Silence one finding with a comment on its line or the line before, with a reason:
  // rampart-ignore S010: fixture key, never deployed
`;

const EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts']);
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage']);
// Test code: fixtures and test secrets are not deployed, so lint leaves them out by default.
const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'fixtures', '__fixtures__', '__mocks__']);
const TEST_FILE = /\.(?:test|spec)\.[cm]?[jt]sx?$/;
const MAX_FILES = 100_000;

/** What a scan found. */
export interface LintReport {
  files: number;
  skipped: Array<{ file: string; reason: string }>;
  findings: Finding[];
  /** Findings silenced by a `rampart-ignore` comment with a reason. */
  suppressed: number;
  /** Findings left out because the baseline records them. */
  baselined: number;
  summary: Record<'error' | 'warning' | 'info', number>;
}

/** How `runLint` reads the tree. */
export interface LintOptions {
  maxSize?: number;
  includeTests?: boolean;
  /** Baseline file to subtract. */
  baseline?: string;
}

/** Where each finding came from: the absolute file and the text of its line (for fingerprints). */
type Origins = Map<Finding, { file: string; lineText: string }>;

function collect(root: string, files: string[], skipped: LintReport['skipped'], explicit: boolean, includeTests: boolean): void {
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
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.') && (includeTests || !TEST_DIRS.has(entry.name))) stack.push(path);
      } else if (entry.isFile() && EXTENSIONS.has(extname(entry.name)) && !entry.name.endsWith('.d.ts') && (includeTests || !TEST_FILE.test(entry.name))) {
        if (files.length >= MAX_FILES) throw new UsageError(`rampart lint: more than ${MAX_FILES} files; scan a narrower path.`);
        files.push(path);
      }
    }
  }
}

/** Scan `paths` (files or directories) and build the report. */
export function runLint(paths: readonly string[], options: LintOptions = {}): LintReport {
  return lintWithOrigins(paths, options).report;
}

function lintWithOrigins(paths: readonly string[], options: LintOptions): { report: LintReport; origins: Origins } {
  const maxSize = options.maxSize ?? 1_048_576;
  const files: string[] = [];
  const skipped: LintReport['skipped'] = [];
  for (const p of paths.length > 0 ? paths : ['.']) collect(resolve(p), files, skipped, true, options.includeTests === true);
  const baseline = options.baseline !== undefined ? readBaseline(options.baseline) : undefined;
  let findings: Finding[] = [];
  const origins: Origins = new Map();
  let suppressed = 0;
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
    const result = lintSource(source, shown);
    suppressed += result.suppressed;
    if (result.findings.length === 0) continue;
    const lines = source.split('\n');
    for (const f of result.findings) {
      origins.set(f, { file, lineText: lines[(f.line ?? 1) - 1] ?? '' });
      findings.push(f);
    }
  }
  let baselined = 0;
  if (baseline !== undefined && options.baseline !== undefined) {
    const keys = new Map<Finding, string>();
    for (const [f, o] of origins) {
      const path = baselinePath(options.baseline, o.file);
      keys.set(f, `${f.id} ${path} ${fingerprint(f.id, path, o.lineText)}`);
    }
    const split = partition(findings, keys, baseline);
    findings = split.fresh;
    baselined = split.known;
  }
  const sorted = sortFindings(findings).sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { report: { files: scanned, skipped, findings: sorted, suppressed, baselined, summary: summarize(sorted) }, origins };
}

/** Entry of `rampart lint`; returns the exit code. */
export function lintCommand(argv: readonly string[]): number {
  const { values, positionals } = parse(
    'lint',
    argv,
    {
      json: { type: 'boolean' },
      format: { type: 'string', short: 'f' },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      'include-tests': { type: 'boolean' },
      'max-size': { type: 'string' },
      list: { type: 'boolean' },
    },
    true,
  );
  if (values.help === true) {
    process.stdout.write(LINT_HELP);
    return 0;
  }
  if (values.list === true) {
    for (const r of LINT_RULES) process.stdout.write(`${r.id}  ${r.severity.padEnd(7)}  ${r.title}\n`);
    return 0;
  }
  const format = values.json === true ? 'json' : choiceFlag('lint', values, 'format', ['text', 'json', 'sarif'] as const, 'text');
  const rawMax = values['max-size'];
  let maxSize = 1_048_576;
  if (typeof rawMax === 'string') {
    if (!/^\d{1,9}$/.test(rawMax) || Number(rawMax) < 1)
      throw new UsageError(`rampart lint: --max-size must be a positive number of bytes (got ${JSON.stringify(rawMax)}).`);
    maxSize = Number(rawMax);
  }
  const baseline = stringFlag(values, 'baseline');
  const writeTo = stringFlag(values, 'write-baseline');
  if (baseline !== undefined && writeTo !== undefined) throw new UsageError('rampart lint: use either --baseline or --write-baseline, not both.');
  const { report, origins } = lintWithOrigins(positionals, {
    maxSize,
    includeTests: values['include-tests'] === true,
    ...(baseline !== undefined ? { baseline } : {}),
  });

  if (writeTo !== undefined) {
    const entries: BaselineEntry[] = report.findings.map((f) => {
      const o = origins.get(f)!;
      const file = baselinePath(writeTo, o.file);
      return { id: f.id, file, fingerprint: fingerprint(f.id, file, o.lineText) };
    });
    writeBaseline(writeTo, entries);
    process.stderr.write(`rampart lint: wrote ${entries.length} finding(s) to ${writeTo}; pass --baseline ${writeTo} to leave them out.\n`);
    return 0;
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'sarif') {
    const prints = new Map<Finding, string>();
    for (const f of report.findings) prints.set(f, fingerprint(f.id, f.file ?? '', origins.get(f)?.lineText ?? ''));
    const sarif = toSarif('lint', LINT_RULES, report.findings, { root: process.cwd(), fallbackFile: '.', fingerprints: prints });
    process.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
  } else {
    const lines = report.findings.map((f) => `${printable(f.file ?? '')}:${f.line}:${f.column}  ${f.severity.padEnd(7)}  ${f.id}  ${printable(f.message)}`);
    for (const s of report.skipped) lines.push(`skipped ${printable(s.file)}: ${printable(s.reason)}`);
    const c = report.summary;
    const extra = [report.suppressed > 0 ? `${report.suppressed} suppressed inline` : '', report.baselined > 0 ? `${report.baselined} in the baseline` : '']
      .filter((x) => x !== '')
      .join(', ');
    lines.push(`${report.files} file(s) scanned: ${c.error} error(s), ${c.warning} warning(s)${extra !== '' ? ` (${extra})` : ''}.`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return report.summary.error > 0 ? 1 : 0;
}
