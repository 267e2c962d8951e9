import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { checkHeader } from '../core/options.ts';
import { setCheckedHeader } from './node-checked-header.ts';

function response(): http.ServerResponse {
  const req = new http.IncomingMessage(null as never);
  req.method = 'GET';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  return new http.ServerResponse(req);
}

test('a pair checked at construction lands in node record as setHeader would put it', () => {
  checkHeader('X-Checked-Test', 'yes', 'test');
  const res = response();
  setCheckedHeader(res, 'X-Checked-Test', 'yes');
  assert.equal(res.getHeader('x-checked-test'), 'yes');
  assert.deepEqual(res.getHeaderNames(), ['x-checked-test']);
  res.writeHead(200, { 'content-type': 'text/plain' });
  assert.match((res as unknown as { _header: string })._header, /\r\nX-Checked-Test: yes\r\n/);
});

test('anything not checked still goes through node validation', () => {
  const res = response();
  assert.throws(() => setCheckedHeader(res, 'X-Unchecked', 'a\u0001b'), { code: 'ERR_INVALID_CHAR' });
  checkHeader('X-Checked-Test', 'yes', 'test');
  assert.throws(() => setCheckedHeader(res, 'X-Checked-Test', 'other\u0001'), { code: 'ERR_INVALID_CHAR' });
});

test('a wrapped setHeader is called, and a head already sent throws as setHeader does', () => {
  checkHeader('X-Checked-Test', 'yes', 'test');
  const res = response();
  const seen: string[] = [];
  const original = res.setHeader;
  res.setHeader = function (name: string, value: number | string | readonly string[]) {
    seen.push(name);
    return original.call(this, name, value);
  };
  setCheckedHeader(res, 'X-Checked-Test', 'yes');
  assert.deepEqual(seen, ['X-Checked-Test']);
  const sent = response();
  sent.writeHead(204).end();
  assert.throws(() => setCheckedHeader(sent, 'X-Checked-Test', 'yes'), { code: 'ERR_HTTP_HEADERS_SENT' });
});
