import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, RampartError, type RampartErrorCode } from './errors.ts';

const SRC = new URL('.', import.meta.url).pathname;

/** Every `new RampartError(…)` / `super(…)`-of-RampartError call in src/ (tests excluded), with its text. */
function rampartErrorCalls(): { where: string; call: string }[] {
  const calls: { where: string; call: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const opener of ['new RampartError(', 'super(']) {
          for (let at = text.indexOf(opener); at !== -1; at = text.indexOf(opener, at)) {
            // Find the matching parenthesis, skipping string and template literals.
            let i = at + opener.length;
            let depth = 1;
            let quote: string | undefined;
            for (; i < text.length && depth > 0; i++) {
              const c = text[i]!;
              if (quote !== undefined) {
                if (c === '\\') i++;
                else if (c === quote) quote = undefined;
              } else if (c === "'" || c === '"' || c === '`') quote = c;
              else if (c === '(') depth++;
              else if (c === ')') depth--;
            }
            const call = text.slice(at, i);
            if (opener === 'new RampartError(' || /^super\(\s*'ERR_RAMPART_/.test(call)) {
              calls.push({ where: `${path.slice(SRC.length)}:${text.slice(0, at).split('\n').length}`, call });
            }
            at = i;
          }
        }
      }
    }
  };
  walk(SRC);
  return calls;
}

test('every catalogued HTTP status is a 4xx or 5xx, and every entry is documented', () => {
  for (const [code, entry] of Object.entries(ERROR_CODES)) {
    assert.ok(entry.description.length > 20, `${code} needs a real description`);
    const status = (entry as { status?: number }).status;
    if (status !== undefined) assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: ${status}`);
  }
});

test('RampartError takes its status from the catalogue', () => {
  assert.equal(new RampartError('ERR_RAMPART_JWT_EXPIRED', 'x').status, 401);
  assert.equal(new RampartError('ERR_RAMPART_BODY_TOO_LARGE', 'x').status, 413);
  assert.equal(new RampartError('ERR_RAMPART_APIKEY_STORE', 'x').status, 503);
  assert.equal(new RampartError('ERR_RAMPART_CONFIG', 'x').status, undefined, 'configuration errors are never an HTTP answer');
  for (const code of Object.keys(ERROR_CODES) as RampartErrorCode[]) {
    assert.equal(new RampartError(code, 'x').status, (ERROR_CODES[code] as { status?: number }).status, code);
  }
});

test('no RampartError in src/ chooses its own status at the throw', () => {
  const calls = rampartErrorCalls();
  assert.ok(calls.length > 100, `found only ${calls.length} RampartError constructions: the scan is broken`);
  const offenders = calls.filter(({ call }) => /\bstatus\s*[:,}]/.test(call)).map(({ where, call }) => `${where}: ${call.replace(/\s+/g, ' ').slice(0, 120)}`);
  assert.deepEqual(offenders, [], 'the status comes from ERROR_CODES; a code with two statuses should be two codes');
});
