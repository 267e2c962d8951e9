// The content of a sensitive XML/HTML element is masked whole, to its matching end tag (or to
// the end of the text when there is none): child elements, comments and CDATA included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactString } from './redact.ts';
import { maskElementValues } from './redact-names.ts';

const CASES: Array<[string, string]> = [
  ['<password><value>hunter2</value></password>', '<password>***</password>'],
  ['<credentials><password><string>hunter2</string></password></credentials>', '<credentials>***</credentials>'],
  ['<password>\n  <![CDATA[hunter2]]>\n</password>', '<password>\n  <![CDATA[***]]>\n</password>'],
  ['<password><!-- x -->hunter2</password>', '<password>***</password>'],
  ['<password>hun<!---->ter2</password>', '<password>***</password>'],
  ['<password>hun<!---->ter2', '<password>***'],
  ['<password>hunter2</pass>', '<password>***'],
  ['<token>abc</token><token>def</token>', '<token>***</token><token>***</token>'],
  ['<user><name>ann</name><password>hunter2</password><role>admin</role></user>', '<user><name>ann</name><password>***</password><role>admin</role></user>'],
  ['<x:Password>hunter2</x:Password > ok', '<x:Password>***</x:Password > ok'],
  ['<password><b>hunter2</b></passwordX>', '<password>***'],
];

test('maskElementValues: everything inside a sensitive element is masked, to its end tag or the end of the text', () => {
  for (const [text, expected] of CASES) assert.equal(redactString(text), expected, text);
});

test('maskElementValues: many unclosed or nested sensitive elements are scanned once', () => {
  const n = 1 << 14;
  for (const text of ['<password><a>'.repeat(n), '<password>x</passwordX>'.repeat(n), '<password><!--'.repeat(n), '<token>a</token>'.repeat(n)]) {
    let reads = 0;
    const original = String.prototype.indexOf;
    String.prototype.indexOf = function (this: string, search: string, from?: number): number {
      const at = original.call(this, search, from);
      reads += (at === -1 ? this.length : at + search.length) - (from ?? 0);
      return at;
    };
    try {
      maskElementValues(text, '***');
    } finally {
      String.prototype.indexOf = original;
    }
    assert.ok(reads <= 4 * text.length + 16, `${reads} characters searched for ${text.length}`);
  }
});
