/**
 * Request data reaching SQL and shell sinks in shapes `rampart lint` used to miss: SQL whose
 * first piece is only a keyword (`"select " + req.query.a`, `"SELECT " + cols + " FROM t"`),
 * and a shell command held in a variable initialised from request data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintSource } from './lint-rules.ts';

const found = (lines: readonly string[]): string[] => lintSource(`${lines.join('\n')}\n`, 'app.ts').findings.map((f) => `${f.line} ${f.id}`);

test('SQL concatenated from a bare keyword and request data is reported, in a query call or built outside one', () => {
  assert.deepEqual(
    found([
      'db.query("select " + req.query.a);',
      'db.query("SELECT " + req.query.cols + " FROM users");',
      'const q = "SELECT " + req.query.cols + " FROM users WHERE id = $1";',
      'pool.query("DELETE " + "FROM t WHERE id = " + req.params.id);',
    ]),
    ['1 RAMPART-S001', '2 RAMPART-S001', '3 RAMPART-S002', '4 RAMPART-S001'],
  );
  // Names and constants in structural slots, and keyword-only strings that are not SQL, stay clean.
  assert.deepEqual(
    found([
      'db.query("SELECT " + COLUMNS + " FROM users");',
      'db.query("select " + cols + " from users");',
      'cache.get("select " + key);',
      'const label = "Select " + count + " items";',
      'const hint = "select " + req.query.a;',
      'const ask = "Delete " + item.name + " from your favourites?";',
    ]),
    [],
  );
});

test('a shell command in a variable initialised from request data is reported at exec/execSync/spawn with shell: true', () => {
  assert.deepEqual(
    found([
      "const cmd = 'rm -rf ' + req.body.path; execSync(cmd);",
      "require('child_process').execSync(cmd);",
      `let c = \`ls \${req.query.d}\`;`,
      'child.exec(c, done);',
      'const raw = req.body.cmd;',
      'spawn(raw, { shell: true });',
      'spawn(req.body.cmd, { shell: true });',
      'exec(req.query.cmd);',
      `cp.spawnSync(\`tar \${req.body.f}\`, { cwd, shell: true });`,
    ]),
    ['1 RAMPART-S030', '2 RAMPART-S030', '4 RAMPART-S030', '6 RAMPART-S030', '7 RAMPART-S030', '8 RAMPART-S030', '9 RAMPART-S030'],
  );
  // Constant commands, argument arrays without a shell, a request value only tested, a regex's exec,
  // a variable reassigned a constant, and SQL run by a database's exec stay clean.
  assert.deepEqual(
    found([
      "const cmd = 'ls -l'; exec(cmd);",
      'const file = req.body.f; spawn("tar", ["-xf", file]);',
      'const args = req.query.verbose ? "ls -l" : "ls"; exec(args);',
      'const m = pattern.exec(req.query.q); const r = /x/.exec(req.body.s);',
      'let d = req.query.d; d = "ls"; exec(d);',
      "const sql = 'SELECT * FROM t WHERE a = $1'; db.exec(sql);",
      'const own = req.body.cmd; spawn(own, { shell: false });',
    ]),
    [],
  );
});

test('the concatenation and shell-command reads stay bounded on hostile input: one finding per sink, no deep recursion', () => {
  const lines = 20_000;
  assert.equal(lintSource('a = req.body.x + b; exec(a);\n'.repeat(lines), 'app.ts').findings.length, lines);
  assert.equal(lintSource(`q = ${'"SELECT " + req.body.x + '.repeat(lines)}1;`, 'app.ts').findings.length, 0);
  assert.equal(lintSource(`spawn(c, ${'{'.repeat(lines)}`, 'app.ts').findings.length, 0);
  assert.equal(lintSource(`db.query(${'"SELECT " + ('.repeat(lines)}`, 'app.ts').findings.length, 0);
});
