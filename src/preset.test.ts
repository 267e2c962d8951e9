import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { rampart } from './preset.ts';
import { isRampartError } from './errors.ts';
import { forEachAdapter, type TestApp } from '../test/helpers/adapters.ts';
import { rawStatus } from '../test/helpers/raw-http.ts';
import type { SecurityEventRecord } from './core/types.ts';

const ORIGIN = 'https://app.example.com';
const BODY = JSON.stringify({ data: 'x'.repeat(1200) });
const app: TestApp = () => ({ headers: { 'content-type': 'application/json' }, body: BODY });

function request(
  url: string,
  options: http.RequestOptions & { body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('preset construction: unknown sections and bad values fail with a fix', () => {
  assert.throws(
    () => rampart({ rateLimits: {} } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION') && /rateLimit/.test(e.message),
  );
  assert.throws(
    () => rampart({ cors: { origins: '*', allowCredentials: true }, log: false }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(() => rampart({ httpsRedirect: true, log: false }), /allowedHosts/);
  assert.throws(
    () => rampart({ log: 42 as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => rampart({ csrf: { secret: 'your-csrf-secret' }, log: false }),
    (e) => isRampartError(e),
  );
});

test('default preset through every adapter: headers everywhere, CORS, host, limits, CSRF, compression', async (t) => {
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () =>
      rampart({
        allowedHosts: ['127.0.0.1'],
        cors: { origins: [ORIGIN] },
        rateLimit: { maxRequests: 8, window: 60 },
        log: { emit: (r: SecurityEventRecord) => events.push(r) },
      }),
    async (server) => {
      // A normal GET: every default header, CORS for the allowed origin, gzip.
      const ok = await request(`${server.url}/api`, { headers: { origin: ORIGIN, 'accept-encoding': 'gzip' } });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['x-content-type-options'], 'nosniff');
      assert.equal(ok.headers['x-frame-options'], 'DENY');
      assert.equal(ok.headers['referrer-policy'], 'strict-origin-when-cross-origin');
      assert.equal(ok.headers['cross-origin-opener-policy'], 'same-origin');
      assert.equal(ok.headers['cross-origin-resource-policy'], 'same-origin');
      assert.match(String(ok.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
      assert.equal(ok.headers['content-encoding'], 'gzip');
      assert.equal(zlib.gunzipSync(ok.body).toString(), BODY);
      assert.ok(ok.headers['x-ratelimit-limit'] !== undefined || ok.headers['ratelimit-policy'] !== undefined);

      // The stack's own 4xx carry the security headers too: bad host (400).
      const badHost = await request(`${server.url}/api`, { headers: { host: 'evil.example' } });
      assert.equal(badHost.status, 400);
      assert.equal(badHost.headers['x-frame-options'], 'DENY');
      assert.equal(badHost.headers['x-content-type-options'], 'nosniff');

      // Cross-site form POST: rejected by the Fetch-Metadata/Origin layer (no secret configured).
      const csrf = await request(`${server.url}/api`, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      assert.equal(csrf.status, 403);
      assert.equal(csrf.headers['x-frame-options'], 'DENY');
      // Same-origin POST passes.
      const same = await request(`${server.url}/api`, {
        method: 'POST',
        headers: { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(same.status, 200);

      // Body limit.
      const big = await rawStatus(server.url, `POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nSec-Fetch-Site: same-origin\r\nContent-Length: 2000000\r\n\r\n`);
      assert.equal(big, 413);

      // Rate limit: the budget runs out → 429 with Retry-After and the security headers.
      let last: Awaited<ReturnType<typeof request>> | undefined;
      for (let i = 0; i < 10; i++) last = await request(`${server.url}/api`);
      assert.equal(last!.status, 429);
      assert.ok(Number(last!.headers['retry-after']) >= 1);
      assert.equal(last!.headers['x-frame-options'], 'DENY');
      assert.match(String(last!.headers['content-type']), /application\/problem\+json/);
    },
    app,
  );
  for (const name of ['INVALID_HOST', 'CSRF_VIOLATION', 'RATE_LIMIT_HIT', 'BODY_LIMIT_EXCEEDED']) {
    assert.ok(
      events.some((e) => e.event === name && e.ip === '127.0.0.1'),
      `${name} emitted with the client ip`,
    );
  }
});

test('every section can be switched off', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ headers: false, rateLimit: false, csrf: false, compression: false, bodyLimit: false, log: false }),
    async (server) => {
      const r = await request(`${server.url}/x`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', 'accept-encoding': 'gzip' }, body: 'a' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-frame-options'], undefined);
      assert.equal(r.headers['content-encoding'], undefined);
    },
    app,
  );
});

test('shield.blocklist blocks an address (403 with security headers) and unblocks it', async () => {
  const shield = rampart({ log: false });
  assert.ok(shield.blocklist !== undefined);
  await shield.blocklist!.block('127.0.0.0/8', { seconds: 60, reason: 'test' });
  const { serve } = await import('../test/helpers/adapters.ts');
  for (const adapter of ['node', 'hono'] as const) {
    const running = await serve(adapter, shield, app);
    const blocked = await request(`${running.url}/x`);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.headers['x-frame-options'], 'DENY');
    await running.close();
  }
  await shield.blocklist!.unblock('127.0.0.0/8');
  const running = await serve('express', shield, app);
  assert.equal((await request(`${running.url}/x`)).status, 200);
  await running.close();
  await shield.close();
  assert.equal(rampart({ blocklist: false, log: false }).blocklist, undefined);
});
