import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import { PAGE_CSP, PAGE_STYLE, PAGE_STYLE_HASH, rejectionPage } from './rejection-page.ts';

test('the page CSP hash is the SHA-256 of the page stylesheet', () => {
  assert.equal(PAGE_STYLE_HASH, `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`);
  assert.match(PAGE_CSP, /^default-src 'none'; /);
  assert.ok(!PAGE_CSP.includes('script-src') && !PAGE_CSP.includes('unsafe'));
});

test('rejectionPage: exact Content-Length, no-store, plain-language words, Retry-After only when it is a delay', () => {
  const page = rejectionPage(429, 'ERR_RAMPART_RATE_LIMITED', 30);
  const headers = page.headers as Record<string, string>;
  const body = page.body as Uint8Array;
  assert.equal(headers['content-length'], String(body.byteLength));
  assert.equal(headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(headers['cache-control'], 'no-store');
  const text = new TextDecoder().decode(body);
  assert.ok(text.includes('<title>429 Too many requests</title>'));
  assert.ok(text.includes('Please wait 30 seconds before trying again.'));
  assert.ok(new TextDecoder().decode(rejectionPage(429, undefined, 1).body as Uint8Array).includes('Please wait 1 second before'));
  assert.ok(!new TextDecoder().decode(rejectionPage(429, undefined, Number.NaN).body as Uint8Array).includes('Please wait'));
  assert.ok(new TextDecoder().decode(rejectionPage(403, 'ERR_RAMPART_CSRF_REJECTED').body as Uint8Array).includes('<h1>This form could not be verified</h1>'));
  assert.ok(new TextDecoder().decode(rejectionPage(418).body as Uint8Array).includes('<h1>Request refused</h1>'));
  assert.ok(new TextDecoder().decode(rejectionPage(599).body as Uint8Array).includes('<h1>Server error</h1>'));
  assert.equal(rejectionPage(429, 'ERR_RAMPART_RATE_LIMITED', 30), page, 'pages are built once per status, code and delay');
});
