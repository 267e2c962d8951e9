import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from './fixtures/run-cli.ts';
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
  assert.deepEqual(lintSource(safe, 'safe.ts'), []);
});

test('the scanner stays linear on adversarial input', () => {
  const hostile = ['`'.repeat(1) + '${'.repeat(50_000), 'query('.repeat(50_000), "'SELECT ".repeat(20_000), '/['.repeat(50_000), 'a='.repeat(50_000)];
  for (const source of hostile) {
    const findings = lintSource(source, 'x.ts');
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
