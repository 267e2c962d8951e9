import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './lint-lexer.ts';

/**
 * `source` behind a proxy that counts every character read by index (`source[i]`) and throws
 * once more than `limit` were read, so a quadratic scan fails fast instead of running on.
 */
function counted(source: string, limit: number): { text: string; reads: () => number } {
  let reads = 0;
  const text = new Proxy(Object(source) as object, {
    get(_target, prop) {
      if (prop === 'length') return source.length;
      if (typeof prop === 'string' && prop.length > 0 && prop.charCodeAt(0) >= 48 && prop.charCodeAt(0) <= 57) {
        if (++reads > limit) throw new Error(`more than ${limit} character reads`);
        return source[Number(prop)];
      }
      const value = (source as unknown as Record<string | symbol, unknown>)[prop];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(source) : value;
    },
  }) as unknown as string;
  return { text, reads: () => reads };
}

// Regex literals that never close (an unclosed `[` class), many on one line: each failed look-ahead
// used to scan to the line end and the next `/` to scan it again.
const HOSTILE: Record<string, (size: number) => string> = {
  'x=/[': (size) => 'x=/['.repeat(size / 4),
  '(/[': (size) => '(/['.repeat(size / 3),
  'if(a)/[': (size) => 'if(a)/['.repeat(size / 7),
  'x=/[\\]': (size) => 'x=/[\\]'.repeat(size / 6),
  'x=/\\': (size) => 'x=/\\'.repeat(size / 4),
  '/[ in a template': (size) => `\`\${${'x=/['.repeat(size / 4)}}\``,
  '/[ in many templates': (size) => `\`\${/[}\``.repeat(size / 7),
  'lines of /[': (size) => `${'x=/['.repeat(1000)}\n`.repeat(size / 4001),
  'regexes that close, one line': (size) => 'x=/[/]/;'.repeat(size / 8),
};

for (const [shape, make] of Object.entries(HOSTILE)) {
  test(`lexer: unterminated regex literals (${shape}) cost a bounded number of reads per character, at 64 KB and 256 KB`, () => {
    for (const size of [64 * 1024, 256 * 1024]) {
      const source = make(size);
      const { text, reads } = counted(source, source.length * 16);
      const tokens = tokenize(text);
      assert.ok(tokens.length > 0);
      assert.ok(reads() <= source.length * 16, `${shape} at ${size}: ${reads()} reads`);
    }
  });
}

test('lexer: a `/` whose regex never closes on its line is still a division, and a later regex on the line is still a regex', () => {
  const kinds = (s: string): string[] => tokenize(s).map((t) => `${t.kind} ${t.text}`);
  assert.deepEqual(kinds('a = /[x; b = /c/g'), ['ident a', 'punct =', 'punct /', 'punct [', 'ident x', 'punct ;', 'ident b', 'punct =', 'regex /c/g']);
  assert.deepEqual(kinds('x = /[/; y = /]/\nz = /d/'), ['ident x', 'punct =', 'regex /[/; y = /]/', 'ident z', 'punct =', 'regex /d/']);
  // After a failed look-ahead, a later `/` on the line is answered from what it read: same tokens.
  assert.deepEqual(kinds('a = /[x; b = /e\\//i; c = /[\nd = /e/'), [
    ...['ident a', 'punct =', 'punct /', 'punct [', 'ident x', 'punct ;', 'ident b', 'punct =', 'regex /e\\//i', 'punct ;'],
    ...['ident c', 'punct =', 'punct /', 'punct [', 'ident d', 'punct =', 'regex /e/'],
  ]);
  assert.deepEqual(kinds('a=/\\/[;b=/e\\//;'), [
    'ident a',
    'punct =',
    'punct /',
    'punct \\',
    'punct /',
    'punct [',
    'punct ;',
    'ident b',
    'punct =',
    'regex /e\\//',
    'punct ;',
  ]);
});
