/**
 * `rampart lint`'s SQL rules on numbered placeholders built by interpolation: `$${n}` puts a
 * parameter number after `$` (`limit $${params.length + 1}`), which is a parameter, not a value
 * spliced into the SQL — unless the number comes from request data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintSource } from './lint-rules.ts';

function findings(lines: readonly string[]): string[] {
  return lintSource(lines.join('\n'), 'app.ts').findings.map((f) => `${f.line} ${f.id}`);
}

test('a placeholder number interpolated after $ is a parameter, not a value', () => {
  const dollar = '$';
  assert.deepEqual(
    findings([
      `await db.query(\`select * from t where a = ${dollar}\${params.length + 1}\`, [...params, a]);`,
      `const text = \`select a from t where b = ${dollar}\${p.length} and c = ${dollar}\${i + 2}\`;`,
      `await db.query('select * from t where id = ${dollar}' + (values.length + 1), values);`,
    ]),
    [],
  );
  assert.deepEqual(
    findings([
      `await db.query(\`select * from t where a = ${dollar}\${req.query.n}\`);`,
      `await db.query(\`select * from t where a = ${dollar}\${id + name}\`);`,
      `await db.query(\`select * from t where a = \${count + 1}\`);`,
      `await db.query(\`select * from t where a = ${dollar}\${req.query.length}\`);`,
    ]),
    ['1 RAMPART-S001', '2 RAMPART-S001', '3 RAMPART-S001', '4 RAMPART-S001'],
  );
});
