/**
 * `rampart lint` on more spellings of its sinks: SQL grown with `+=` or `q = q + …` before the
 * query call, `Function(code)` without `new`, `globalThis['eval']`, the bracket and quoted-key
 * forms of the TLS switches, `document.writeln`. Each case is a file in a temporary tree,
 * scanned by the real CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './fixtures/run-cli.ts';
import { lintSource } from './lint-rules.ts';

interface Report {
  findings: Array<{ id: string; file: string; line: number }>;
}

async function lintFiles(files: Record<string, string>): Promise<Map<string, string[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-lint-spellings-'));
  try {
    for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
    const r = await runCli(['lint', dir, '--json'], { env: {} });
    const report = JSON.parse(r.stdout) as Report;
    const byFile = new Map<string, string[]>(Object.keys(files).map((name) => [name, []]));
    for (const f of report.findings) byFile.get(f.file.split('/').pop()!)?.push(`${f.line} ${f.id}`);
    return byFile;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const UNSAFE: Record<string, [string, string[]]> = {
  'sql_pluseq.ts': [
    `export async function f(db: any, req: any) { let sql = "SELECT * FROM users WHERE name = '"; sql += req.query.name + "'"; return db.query(sql); }\n`,
    ['1 RAMPART-S002'],
  ],
  'sql_reassign.ts': [
    'export async function f(db: any, req: any) {\n  let q = "SELECT * FROM users WHERE id = ";\n  q = q + req.params.id;\n  return db.query(q);\n}\n',
    ['3 RAMPART-S002'],
  ],
  'sql_pluseq_value.ts': [
    'export async function f(db: any, id: string) { let q = "SELECT * FROM users WHERE id = "; q += id; return db.query(q); }\n',
    ['1 RAMPART-S002'],
  ],
  'sql_pluseq_piece.ts': ["export function f(id: string) { let q = 'SELECT * FROM t'; q += ' WHERE id = ' + id; return q; }\n", ['1 RAMPART-S002']],
  'fn_call.ts': ['export const run = (code: string) => Function(code)();\n', ['1 RAMPART-S021']],
  'fn_global.ts': ['export const run = (code: string) => new globalThis.Function(code)();\n', ['1 RAMPART-S021']],
  'eval_bracket.ts': ["export const run = (code: string) => globalThis['eval'](code);\n", ['1 RAMPART-S020']],
  'eval_cast_bracket.ts': ['export const run = (code: string) => (window as any)["eval"](code);\n', ['1 RAMPART-S020']],
  'tls_env_bracket.ts': ["process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';\n", ['1 RAMPART-S050']],
  'tls_env_number.ts': ['process.env.NODE_TLS_REJECT_UNAUTHORIZED = 0 as any;\n', ['1 RAMPART-S050']],
  'tls_quoted_key.ts': ["import https from 'node:https'; export const a = new https.Agent({ 'rejectUnauthorized': false });\n", ['1 RAMPART-S050']],
  'xss_writeln.ts': ["export function f(name: string) { document.writeln('<p>' + name + '</p>'); }\n", ['1 RAMPART-S040']],
};

test('the other spellings of SQL building, string-to-code, TLS off and document.writeln are reported', async () => {
  const found = await lintFiles(Object.fromEntries(Object.entries(UNSAFE).map(([name, [source]]) => [name, source])));
  for (const [name, [, expected]] of Object.entries(UNSAFE)) assert.deepEqual(found.get(name), expected, name);
});

test('their safe look-alikes are not reported', async () => {
  const safe = {
    'sql_params.ts':
      'export async function f(db: any, req: any) {\n  let q = "SELECT * FROM users WHERE id = $1";\n  q += " AND active = $2";\n  q = q + " ORDER BY id";\n  return db.query(q, [req.params.id, true]);\n}\n',
    'sql_structural.ts': 'export function f(table: string) { let q = "SELECT * FROM "; q += TABLE_NAME; return q; }\n',
    'counter.ts': 'export function f(n: number) { let total = 0; total += n; let label = "count"; label = label + n; return [total, label]; }\n',
    'fn_type.ts':
      'export function f(cb: Function): Function { return cb; }\nexport const isFn = (x: unknown) => x instanceof Function;\nconst fns: Function[] = [];\n',
    'eval_method.ts': "export function f(redis: any, script: string) { return redis['eval'](script, 0); }\nexport const name = 'eval';\n",
    'tls_on.ts': "export const a = { 'rejectUnauthorized': true };\nprocess.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '1';\n",
    'writeln_static.ts': "export function f() { document.writeln('<p>static</p>'); console.writeln?.('x'); }\n",
  };
  const found = await lintFiles(safe);
  for (const name of Object.keys(safe)) assert.deepEqual(found.get(name), [], name);
});

test('growing SQL reads a bounded number of tokens per growth: hostile input stays a linear scan', () => {
  const head = "let q = 'SELECT a FROM t WHERE b = '; ";
  for (const source of [head + 'q = q + '.repeat(20_000), head + 'q += ('.repeat(20_000), head + "q += 'x' + ".repeat(20_000)]) {
    assert.ok(Array.isArray(lintSource(source, 'x.ts').findings));
  }
});
