/**
 * More spellings of the same sinks, run through the real `rampart lint` on temporary files:
 * eval destructured from the global object, template-literal keys (el[`innerHTML`],
 * process.env[`NODE_TLS_REJECT_UNAUTHORIZED`]), a computed rejectUnauthorized key,
 * document?.write with request data, and request data appended to innerHTML (an error, as `=`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './fixtures/run-cli.ts';

interface Report {
  findings: Array<{ id: string; severity: string; line: number }>;
}

/** `line id severity` of every finding of `rampart lint --json` on a file holding `lines`, and the exit code. */
async function lint(lines: readonly string[]): Promise<{ code: number | null; found: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-lint-forms-'));
  try {
    writeFileSync(join(dir, 'app.ts'), `${lines.join('\n')}\n`);
    const r = await runCli(['lint', dir, '--json'], { env: {} });
    const report = JSON.parse(r.stdout) as Report;
    return { code: r.code, found: report.findings.map((f) => `${f.line} ${f.id} ${f.severity}`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('rampart lint reports eval destructured from the global object, template-literal keys and a computed rejectUnauthorized', async () => {
  const { code, found } = await lint([
    'const { eval: e2 } = globalThis; e2(req.body.code);',
    'const { eval: run } = window;',
    'const { log, eval } = globalThis;',
    'el[`innerHTML`] = req.body.html;',
    "process.env[`NODE_TLS_REJECT_UNAUTHORIZED`] = '0';",
    'const o = { ["rejectUnauthorized"]: false };',
    'const p = { [`rejectUnauthorized`]: false };',
    'const agent = { rejectUnauthorized: !1 };',
  ]);
  assert.equal(code, 1);
  assert.deepEqual(found, [
    '1 RAMPART-S020 error',
    '2 RAMPART-S020 error',
    '3 RAMPART-S020 error',
    '4 RAMPART-S040 error',
    '5 RAMPART-S050 error',
    '6 RAMPART-S050 error',
    '7 RAMPART-S050 error',
    '8 RAMPART-S050 error',
  ]);
});

test('rampart lint: request data written with document?.write or appended to innerHTML is an error (exit 1)', async () => {
  for (const line of [
    'document?.write(req.body.html);',
    'document.writeln(req.query.q);',
    'el.innerHTML += req.body.html;',
    'el.innerHTML = req.query.html;',
  ]) {
    const { code, found } = await lint([line]);
    assert.equal(code, 1, line);
    assert.deepEqual(found, ['1 RAMPART-S040 error'], line);
  }
});

test('rampart lint: the safe look-alikes of these forms stay quiet', async () => {
  const { code, found } = await lint([
    'const { eval: evaluate } = options;',
    'const o = { eval: false, [`rejectUnauthorized`]: true };',
    'const { log } = globalThis; const key = `innerHTML`; el[`textContent`] = req.body.text;',
    "process.env[`NODE_TLS_REJECT_UNAUTHORIZED`] = '1';",
    "document?.write('<p>static</p>'); doc.write(req.body.html);",
    'el.innerHTML += escapeHtml(req.body.html);',
    'const agent = { rejectUnauthorized: !0 };',
  ]);
  assert.deepEqual(found, []);
  assert.equal(code, 0);
});
