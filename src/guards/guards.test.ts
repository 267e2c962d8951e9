import test from 'node:test';
import assert from 'node:assert/strict';
import { hostGuard, httpsRedirect, bodyLimit, hostName, compileHosts } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest as raw, statusOf } from '../../test/helpers/raw-http.ts';
import { isRampartError } from '../errors.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';

test('hostName parses ports, IPv6 literals and rejects junk', () => {
  assert.equal(hostName('Example.COM:8080'), 'example.com');
  assert.equal(hostName('example.com.'), 'example.com');
  assert.equal(hostName('[::1]:3000'), '[::1]');
  assert.equal(hostName('exa mple.com'), undefined);
  assert.equal(hostName('example.com@evil.com'), undefined);
  assert.equal(hostName(''), undefined);
  const m = compileHosts(['example.com', '.example.org', '[::1]', '::2']);
  assert.ok(m('example.com') && m('EXAMPLE.com:443') && m('example.org') && m('a.b.example.org') && m('[::1]:80') && m('[::2]'));
  assert.ok(!m('evil.com') && !m('example.com.evil.com') && !m('badexample.org') && !m('www.example.com'));
});

test('guard construction errors', () => {
  assert.throws(
    () => hostGuard({ allowedHosts: [] }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => hostGuard({ allowedHosts: ['http://example.com/'] }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => hostGuard({ allowedHost: ['x'] } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(() => httpsRedirect({}), /open redirect/);
  assert.throws(
    () => bodyLimit(-1),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => bodyLimit({ max: 1 } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('hostGuard through every adapter', async (t) => {
  const events: SecurityEventRecord[] = [];
  const sink: EventSink = { emit: (r) => events.push(r) };
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['127.0.0.1', '.example.org'] })], { events: sink }),
    async (app) => {
      const ok = await fetch(`${app.url}/x`);
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();
      for (const host of ['evil.com', 'example.org.evil.com', '127.0.0.1.nip.io', 'a b']) {
        const answer = await raw(app.url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(answer), 400, host);
        if (host !== 'a b') assert.match(answer, /application\/problem\+json/);
      }
      const sub = await raw(app.url, 'GET / HTTP/1.1\r\nHost: www.example.org:8080\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(sub), 200);
      // X-Forwarded-Host is ignored without a trusted proxy.
      const spoof = await raw(app.url, 'GET / HTTP/1.1\r\nHost: evil.com\r\nX-Forwarded-Host: 127.0.0.1\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(spoof), 400);
    },
  );
  assert.ok(events.some((e) => e.event === 'INVALID_HOST' && e.ip === '127.0.0.1'));
});

test('hostGuard honours X-Forwarded-Host only from trusted proxies', async (t) => {
  await forEachAdapter(
    t,
    // The proxy rewrites Host to the backend's address: that name is listed too (both readings are judged).
    () => stack([hostGuard({ allowedHosts: ['app.example.com', '127.0.0.1'] })], { trustProxy: ['127.0.0.1'] }),
    async (app) => {
      const viaProxy = await raw(app.url, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Host: app.example.com\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(viaProxy), 200);
      const bad = await raw(app.url, 'GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-Host: evil.com\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(bad), 400);
    },
  );
});

test('httpsRedirect: 301 for GET/HEAD, 308 otherwise, only to validated hosts', async (t) => {
  await forEachAdapter(
    t,
    () => stack([httpsRedirect({ allowedHosts: ['app.example.com'] })], { trustProxy: ['127.0.0.1'] }),
    async (app) => {
      let answer = await raw(app.url, 'GET /a/b?x=1 HTTP/1.1\r\nHost: app.example.com:8080\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(answer), 301);
      assert.match(answer, /\r\nlocation: https:\/\/app\.example\.com\/a\/b\?x=1\r\n/i);
      answer = await raw(app.url, 'POST /submit HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(answer), 308);
      // Unlisted host: never redirected anywhere.
      answer = await raw(app.url, 'GET / HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n');
      assert.doesNotMatch(answer, /location:/i);
      // Scheme-relative path cannot smuggle another host into Location.
      answer = await raw(app.url, 'GET //evil.com/x HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n');
      assert.match(answer, /\r\nlocation: https:\/\/app\.example\.com\/\r\n/i);
      // A trusted proxy reporting https: no redirect.
      answer = await raw(app.url, 'GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(answer), 200);
      // ACME challenges stay on http.
      answer = await raw(app.url, 'GET /.well-known/acme-challenge/abc HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(answer), 200);
    },
  );
});

test('httpsRedirect ignores X-Forwarded-Proto from untrusted peers', async (t) => {
  await forEachAdapter(
    t,
    () => stack([httpsRedirect({ host: 'secure.example' })]),
    async (app) => {
      const answer = await raw(app.url, 'GET /p HTTP/1.1\r\nHost: whatever\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(answer), 301);
      assert.match(answer, /location: https:\/\/secure\.example\/p\r\n/i);
    },
  );
});

test('bodyLimit: Content-Length and chunked bodies over the limit get 413; smaller bodies reach the app intact', async (t) => {
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([bodyLimit({ maxBytes: 1000 })], { events: { emit: (r) => events.push(r) } }),
    async (app) => {
      let r = await fetch(`${app.url}/u`, { method: 'POST', body: 'a'.repeat(1000) });
      assert.equal(r.status, 200);
      assert.equal((await r.json()).body.length, 1000);
      r = await fetch(`${app.url}/u`, { method: 'POST', body: 'a'.repeat(1001) });
      assert.equal(r.status, 413);
      assert.equal(r.headers.get('content-type'), 'application/problem+json');
      await r.arrayBuffer();
      // Chunked upload, cut while streaming.
      const chunked = await raw(
        app.url,
        `POST /u HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${'200\r\n' + 'b'.repeat(512) + '\r\n'}${'200\r\n' + 'b'.repeat(512) + '\r\n'}0\r\n\r\n`,
      );
      assert.equal(statusOf(chunked), 413, chunked.slice(0, 200));
      const small = await raw(app.url, `POST /u HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
      assert.equal(statusOf(small), 200);
      assert.match(small, /"body":"hello"/);
      // Smuggling shape: both framing headers → 400 (from the HTTP parser or from rampart).
      const both = await raw(
        app.url,
        'POST /u HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
      );
      assert.equal(statusOf(both), 400);
    },
  );
  assert.ok(events.some((e) => e.event === 'BODY_LIMIT_EXCEEDED'));
});
