import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './fixtures/run-cli.ts';
import { assertSarif, type SarifLog } from './fixtures/sarif-shape.ts';
import { lintSource } from './lint-rules.ts';

const tree = fileURLToPath(new URL('./fixtures/lint', import.meta.url));

interface Report {
  files: number;
  findings: Array<{ id: string; severity: string; file: string; line: number; column: number }>;
}

test('scan reports each rule at its file:line:col and exits 1', async () => {
  const r = await runCli(['lint', tree, '--json'], { env: {} });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.files, 3, 'node_modules and dist are skipped');
  const at = report.findings.map((f) => `${f.file.split('/').pop()}:${f.line}:${f.column} ${f.id} ${f.severity}`);
  assert.deepEqual(at, [
    'secrets.ts:2:15 RAMPART-S010 error',
    'secrets.ts:3:14 RAMPART-S010 error',
    'secrets.ts:7:50 RAMPART-S010 error',
    'sinks.js:5:3 RAMPART-S020 error',
    'sinks.js:6:18 RAMPART-S021 error',
    'sinks.js:7:3 RAMPART-S030 error',
    'sinks.js:8:3 RAMPART-S030 error',
    'sinks.js:9:6 RAMPART-S040 error',
    'sinks.js:10:6 RAMPART-S040 warning',
    'sinks.js:12:35 RAMPART-S050 error',
    'sinks.js:13:22 RAMPART-S060 error',
    'sinks.js:19:15 RAMPART-S041 warning',
    'sql.ts:7:12 RAMPART-S001 error',
    'sql.ts:8:12 RAMPART-S001 error',
    'sql.ts:9:16 RAMPART-S002 error',
    'sql.ts:11:13 RAMPART-S003 warning',
  ]);
});

test('text output is file:line:col, severity, id, message', async () => {
  const r = await runCli(['lint', `${tree}/src/sql.ts`], { env: {} });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /sql\.ts:7:12 {2}error {4}RAMPART-S001 {2}query\(\) receives SQL/);
  assert.match(r.stdout, /1 file\(s\) scanned: 3 error\(s\), 1 warning\(s\)\./);
});

test('safe patterns are not reported', () => {
  const safe = [
    "await db.query('SELECT * FROM users WHERE id = $1', [id]);",
    'await sql`SELECT * FROM users WHERE id = ${id}`;',
    'const message = `Hello ${name}, select a file from the list`;',
    'const re = /select `${x}` from/; el.textContent = html;',
    "const token = crypto.randomBytes(32).toString('hex');",
    'const jitter = Math.random() * 100;',
    'const secret = process.env.SESSION_SECRET;',
    "headerName: 'x-csrf-token', cookieName: '__Host-csrf',",
    '// eval(code) in a comment; db.query(`SELECT ${x} FROM t`)',
    "const s = 'eval(x); rejectUnauthorized: false';",
    "execFile('convert', [file, 'out.png']);",
  ].join('\n');
  assert.deepEqual(lintSource(safe, 'safe.ts').findings, []);
});

test('the scanner stays linear on adversarial input', () => {
  const hostile = ['`'.repeat(1) + '${'.repeat(50_000), 'query('.repeat(50_000), "'SELECT ".repeat(20_000), '/['.repeat(50_000), 'a='.repeat(50_000)];
  for (const source of hostile) {
    const { findings } = lintSource(source, 'x.ts');
    assert.ok(Array.isArray(findings));
  }
});

test('scan usage errors exit 2, clean trees exit 0', async () => {
  const missing = await runCli(['lint', `${tree}/nope`], { env: {} });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file or directory/);
  const clean = await runCli(['lint', `${tree}/src/sql.ts`, '--max-size', '10'], { env: {} });
  assert.equal(clean.code, 0);
  assert.match(clean.stdout, /skipped .*sql\.ts: larger than 10 bytes/);
});

const extra = fileURLToPath(new URL('./fixtures/lint-extra/src', import.meta.url));
const repoSrc = fileURLToPath(new URL('../', import.meta.url));

interface FullReport extends Report {
  suppressed: number;
  baselined: number;
  findings: Array<{ id: string; severity: string; file: string; line: number; column: number; message: string }>;
}

async function lintJson(args: string[], cwd?: string): Promise<{ code: number | null; report: FullReport; stderr: string }> {
  const r = await runCli(['lint', ...args, '--format', 'json'], { env: {}, ...(cwd !== undefined ? { cwd } : {}) });
  return { code: r.code, report: JSON.parse(r.stdout) as FullReport, stderr: r.stderr };
}

const where = (report: FullReport, file: string): string[] => report.findings.filter((f) => f.file.endsWith(file)).map((f) => `${f.line} ${f.id}`);

test('rampart lint src on this repository reports nothing', async () => {
  const { code, report, stderr } = await lintJson([repoSrc]);
  assert.deepEqual(
    report.findings.map((f) => `${f.file}:${f.line} ${f.id} ${f.message}`),
    [],
  );
  assert.equal(code, 0, stderr);
  assert.ok(report.files > 100, `scanned ${report.files} files`);
});

test('constant identifiers, identifier interpolations and declarations are not findings', async () => {
  const { report } = await lintJson([`${extra}/constants.ts`]);
  assert.deepEqual(where(report, 'constants.ts'), []);
});

test('values and request data interpolated into SQL are still findings', async () => {
  const { code, report } = await lintJson([`${extra}/still-unsafe.ts`]);
  assert.equal(code, 1);
  assert.deepEqual(where(report, 'still-unsafe.ts'), ['6 RAMPART-S001', '7 RAMPART-S001', '8 RAMPART-S001', '9 RAMPART-S001', '10 RAMPART-S001']);
});

test('rampart-ignore with a reason suppresses on its line or the next; without a reason it is a finding', async () => {
  const { report } = await lintJson([`${extra}/suppressed.ts`]);
  assert.deepEqual(where(report, 'suppressed.ts'), ['8 RAMPART-S090', '9 RAMPART-S001', '10 RAMPART-S090', '11 RAMPART-S021', '12 RAMPART-S001']);
  assert.equal(report.suppressed, 2);
  assert.match(report.findings.find((f) => f.line === 8)!.message, /reason/);
  assert.match(report.findings.find((f) => f.line === 10)!.message, /S999/);
});

test('test files and test directories are skipped unless --include-tests', async () => {
  const skipped = await lintJson([extra]);
  assert.ok(!skipped.report.findings.some((f) => /app\.test\.ts|__tests__/.test(f.file)));
  const included = await lintJson([extra, '--include-tests']);
  assert.deepEqual(where(included.report, 'app.test.ts'), ['2 RAMPART-S010']);
  assert.deepEqual(where(included.report, 'helper.ts'), ['1 RAMPART-S010']);
});

test('a baseline hides known findings and still reports new ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-lint-'));
  try {
    const file = join(dir, 'app.ts');
    writeFileSync(file, 'declare const db: any;\ndeclare const id: string;\nexport const a = db.query(`SELECT * FROM t WHERE id = ${id}`);\n');
    const written = await runCli(['lint', '.', '--write-baseline', 'lint-baseline.json'], { env: {}, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    const baseline = JSON.parse(readFileSync(join(dir, 'lint-baseline.json'), 'utf8')) as { findings: Array<{ id: string; file: string }> };
    assert.deepEqual(
      baseline.findings.map((f) => [f.id, f.file]),
      [['RAMPART-S001', 'app.ts']],
    );
    // The known finding moves down two lines; a new one is added.
    writeFileSync(
      file,
      "// moved\n\ndeclare const db: any;\ndeclare const id: string;\nexport const a = db.query(`SELECT * FROM t WHERE id = ${id}`);\nexport const b = eval('1');\n",
    );
    const { code, report } = await lintJson(['.', '--baseline', 'lint-baseline.json'], dir);
    assert.equal(code, 1);
    assert.equal(report.baselined, 1);
    assert.deepEqual(
      report.findings.map((f) => `${f.line} ${f.id}`),
      ['6 RAMPART-S020'],
    );
    const missing = await runCli(['lint', '.', '--baseline', 'nope.json'], { env: {}, cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /baseline/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--format sarif is a SARIF 2.1.0 log with rules and located results', async () => {
  const r = await runCli(['lint', tree, '--format', 'sarif'], { env: {} });
  assert.equal(r.code, 1, r.stderr);
  const log = JSON.parse(r.stdout) as SarifLog;
  assertSarif(log);
  const run = log.runs[0]!;
  assert.equal(run.tool.driver.name, 'rampart');
  assert.ok(run.tool.driver.rules.some((rule) => rule.id === 'RAMPART-S090'));
  assert.equal(run.results.length, 16);
  const first = run.results.find((x) => x.ruleId === 'RAMPART-S041')!;
  assert.equal(first.level, 'warning');
  assert.match(first.locations[0]!.physicalLocation.artifactLocation.uri, /sinks\.js$/);
  assert.equal(first.locations[0]!.physicalLocation.region.startLine, 19);
  const usage = await runCli(['lint', tree, '--format', 'xml'], { env: {} });
  assert.equal(usage.code, 2);
});
