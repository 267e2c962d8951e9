/**
 * More than one Host header line (RFC 9112 §3.2: the server MUST answer 400). node:http
 * keeps only the first in `req.headers.host` (rawHeaders holds both), fetch runtimes join
 * them into one list: every adapter must refuse the request the same way, before
 * hostGuard or the application reads either value. Raw bytes on the socket, all five adapters.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { hostGuard } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';
import type { SecurityEventRecord } from '../core/types.ts';

function get(url: string, lines: string): Promise<string> {
  return rawRequest(url, `GET /reset HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`);
}

function bodyOf(response: string): string {
  return response.slice(response.indexOf('\r\n\r\n') + 4);
}

const AMBIGUOUS = 'The request target is ambiguous: more than one Host header.';

test('two Host lines are refused with the same 400 problem on every adapter, whichever comes first', async (t) => {
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example'] })], { events: { emit: (e) => void events.push(e) } }),
    async (app) => {
      events.length = 0;
      for (const lines of [
        'Host: app.example\r\nHost: evil.example\r\n',
        'Host: evil.example\r\nHost: app.example\r\n',
        'Host: app.example\r\nHost: app.example\r\n',
        'host: app.example\r\nX-A: 1\r\nHOST: evil.example\r\n',
      ]) {
        const response = await get(app.url, lines);
        assert.equal(statusOf(response), 400, `${app.adapter}: ${JSON.stringify(lines)}`);
        assert.match(response, /content-type: application\/problem\+json/i);
        assert.equal((JSON.parse(bodyOf(response)) as { detail: string }).detail, AMBIGUOUS, app.adapter);
      }
      assert.ok(events.length >= 4 && events.every((e) => e.event === 'INVALID_REQUEST_TARGET' && e.detail === 'more than one Host header'));
      assert.equal(statusOf(await get(app.url, 'Host: app.example\r\nX-Host: evil.example\r\n')), 200, 'one Host line passes');
    },
  );
});

test('two Host lines are refused without hostGuard too (the application would read one of them)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([], { events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await get(app.url, 'Host: app.example\r\nHost: evil.example\r\n')), 400, app.adapter);
      assert.equal(statusOf(await get(app.url, 'Host: app.example\r\n')), 200, app.adapter);
    },
  );
});

test('behind a trusted proxy, two X-Forwarded-Host lines or two Forwarded hosts are refused on every adapter', async (t) => {
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example'] })], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } }),
    async (app) => {
      for (const xfh of [
        'X-Forwarded-Host: app.example\r\nX-Forwarded-Host: evil.example\r\n',
        'X-Forwarded-Host: evil.example\r\nX-Forwarded-Host: app.example\r\n',
        'X-Forwarded-Host: app.example\r\nX-Forwarded-Host: app.example\r\n',
      ]) {
        assert.equal(statusOf(await get(app.url, `Host: app.example\r\n${xfh}`)), 400, `${app.adapter}: ${JSON.stringify(xfh)}`);
      }
      assert.equal(statusOf(await get(app.url, 'Host: app.example\r\nX-Forwarded-Host: app.example\r\n')), 200, app.adapter);
    },
  );
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example'] })], { trustProxy: ['127.0.0.1'], proxyHeaders: 'forwarded', events: { emit: () => undefined } }),
    async (app) => {
      for (const fwd of [
        'Forwarded: host=app.example\r\nForwarded: host=evil.example\r\n',
        'Forwarded: host=evil.example\r\nForwarded: host=app.example\r\n',
      ]) {
        assert.equal(statusOf(await get(app.url, `Host: app.example\r\n${fwd}`)), 400, `${app.adapter}: ${JSON.stringify(fwd)}`);
      }
      assert.equal(statusOf(await get(app.url, 'Host: app.example\r\nForwarded: for=192.0.2.1\r\nForwarded: host=app.example\r\n')), 200, app.adapter);
    },
  );
});
