import assert from 'node:assert/strict';
import test from 'node:test';
import { prefersHtml } from './accept.ts';

test('prefersHtml: browsers navigating get HTML', () => {
  // Chromium, Firefox and Safari navigation Accept headers
  assert.equal(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8'), true);
  assert.equal(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), true);
  assert.equal(prefersHtml('text/html, */*'), true);
  assert.equal(prefersHtml('text/html'), true);
  assert.equal(prefersHtml('TEXT/HTML;Q=0.5'), true);
  assert.equal(prefersHtml('text/*'), true);
});

test('prefersHtml: API clients, wildcards and missing headers get problem+json', () => {
  assert.equal(prefersHtml(undefined), false);
  assert.equal(prefersHtml(''), false);
  assert.equal(prefersHtml('*/*'), false);
  assert.equal(prefersHtml('application/json'), false);
  assert.equal(prefersHtml('application/json, text/html'), false);
  assert.equal(prefersHtml('application/problem+json, text/html;q=0.9'), false);
  assert.equal(prefersHtml('text/html;q=0.5, application/json'), false);
  assert.equal(prefersHtml('text/html;q=0.5, */*'), false);
  assert.equal(prefersHtml('text/html;q=0, */*'), false);
  assert.equal(prefersHtml('image/png'), false);
});

test('prefersHtml: q-values decide, the most specific range wins for each type', () => {
  assert.equal(prefersHtml('application/json;q=0.5, text/html'), true);
  assert.equal(prefersHtml('*/*;q=0.1, text/html;q=0.2'), true);
  assert.equal(prefersHtml('text/html, application/*;q=0.9'), true);
  // text/html;q=0 refuses HTML even though */* would allow it
  assert.equal(prefersHtml('*/*, text/html;q=0'), false);
  // application/json is explicitly refused, so HTML ranks higher
  assert.equal(prefersHtml('application/json;q=0, application/problem+json;q=0, text/html;q=0.1'), true);
  // the better of the two JSON types counts
  assert.equal(prefersHtml('application/json;q=0.1, application/problem+json;q=1, text/html;q=0.5'), false);
});

test('prefersHtml: malformed q-values and oversized headers are ignored', () => {
  assert.equal(prefersHtml('text/html;q=2'), false);
  assert.equal(prefersHtml('text/html;q=abc, */*'), false);
  assert.equal(prefersHtml('text/html;level=1;q=0.9, */*;q=0.1'), true);
  assert.equal(prefersHtml(`${'x/y, '.repeat(1000)}text/html`), false);
  assert.equal(prefersHtml(`${'a/b,'.repeat(100)}text/html`), false);
});
