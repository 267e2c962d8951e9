import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors.ts';
import { withErrorTable } from '../scripts/readme-errors.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('README starts with the two commands', () => {
  const head = readme.split('\n').slice(0, 6).join('\n');
  assert.match(head, /npm ci && npm start/);
  assert.match(head, /npm ci && npm test/);
});

test('README documents every error code, generated from the catalogue', () => {
  assert.equal(withErrorTable(readme), readme, 'run: node scripts/readme-errors.ts');
  for (const code of Object.keys(ERROR_CODES)) assert.ok(readme.includes(`\`${code}\``), code);
});

test('every code in the catalogue is documented and every ERR_RAMPART_ code used in src exists', async () => {
  const { readdirSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const used = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/'(ERR_RAMPART_[A-Z0-9_]+)'/g)) used.add(m[1]!);
      }
    }
  };
  walk(new URL('../src', import.meta.url).pathname);
  for (const code of used) assert.ok(code in ERROR_CODES, `${code} is thrown but missing from src/errors.ts`);
  for (const [code, entry] of Object.entries(ERROR_CODES)) assert.ok(entry.description.length > 20, `${code} needs a real description`);
});
