import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { rateLimit } from './index.ts';
import { isRampartError } from '../errors.ts';

const T0 = 60_000 * 16_666_667; // aligned to a 60 s window

function recorder(): { events: SecurityEventRecord[]; sink: { emit(r: SecurityEventRecord): void } } {
  const events: SecurityEventRecord[] = [];
  return { events, sink: { emit: (r) => events.push(r) } };
}

test('options: unknown names and bad values fail at construction', () => {
  assert.throws(
    () => rateLimit({ maxRequest: 5 } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION') && /maxRequests/.test(e.message),
  );
  assert.throws(() => rateLimit({ maxRequests: 0 }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rateLimit({ window: -1 }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rateLimit({ algorithm: 'leaky' as never }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rateLimit({ allowlist: ['10.0.0.0/33'] }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rateLimit({ rules: [{ match: '/x', maxRequests: 1, window: 1, windw: 2 } as never] }), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  assert.throws(() => rateLimit({ rules: [{ match: 'login', maxRequests: 1, window: 1 }] }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rateLimit({ failOpen: true, failClosed: true }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rateLimit({ headers: { legacyy: true } as never }), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  const opts = Object.freeze({ maxRequests: 5, window: 10, rules: Object.freeze([Object.freeze({ match: '/a', maxRequests: 1, window: 1 })]) });
  rateLimit(opts); // frozen options: never mutated
});

test('limit, headers, 429 problem+json, Retry-After and one RATE_LIMIT_HIT per key per window', async (t) => {
  let now = T0 + 15_000;
  let rec = recorder();
  await forEachAdapter(
    t,
    () => {
      now = T0 + 15_000;
      rec = recorder();
      return stack([rateLimit({ maxRequests: 3, window: 60, now: () => now })], { events: rec.sink });
    },
    async (app) => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${app.url}/items`, { method: 'POST', body: `b${i}` });
        assert.equal(r.status, 200);
        assert.equal((await r.json()).body, `b${i}`);
        assert.equal(r.headers.get('x-ratelimit-limit'), '3');
        assert.equal(r.headers.get('x-ratelimit-remaining'), String(2 - i));
        assert.equal(r.headers.get('x-ratelimit-reset'), '60'); // sliding: fully restored one window after the last request
        assert.equal(r.headers.get('ratelimit-policy'), '"default";q=3;w=60');
        assert.equal(r.headers.get('ratelimit'), `"default";r=${2 - i};t=60`);
      }
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${app.url}/items`);
        assert.equal(r.status, 429);
        assert.equal(r.headers.get('content-type'), 'application/problem+json');
        assert.match(r.headers.get('retry-after')!, /^[1-9]\d*$/);
        assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
        const body = await r.json();
        assert.equal(body.status, 429);
      }
      const hits = rec.events.filter((e) => e.event === 'RATE_LIMIT_HIT');
      assert.equal(hits.length, 1, 'one event per key per window, not per rejected request');
      assert.equal(hits[0]!.ip, '127.0.0.1');
      assert.equal(hits[0]!.path, '/items');
      // One window after the last admission nothing counted weighs anything: the full quota
      // again (never a longer wait than the window), and a new hit is reported once.
      now = T0 + 75_000;
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${app.url}/items`)).status, 200);
      assert.equal((await fetch(`${app.url}/items`)).status, 429);
      assert.equal((await fetch(`${app.url}/items`)).status, 429);
      assert.equal(rec.events.filter((e) => e.event === 'RATE_LIMIT_HIT').length, 2);
    },
  );
});

test('per-route rules: first match wins, the global limit still applies', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([
        rateLimit({
          maxRequests: 4,
          window: 60,
          now: () => T0,
          rules: [
            { match: { method: 'POST', path: '/login' }, maxRequests: 2, window: 60, name: 'login' },
            { match: /^\/api\//, maxRequests: 100, window: 60 },
          ],
        }),
      ]),
    async (app) => {
      const post = (): Promise<Response> => fetch(`${app.url}/login`, { method: 'POST', body: 'x' });
      assert.equal((await post()).status, 200);
      const second = await post();
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('ratelimit-policy'), '"login";q=2;w=60, "default";q=4;w=60');
      assert.equal(second.headers.get('ratelimit'), '"login";r=0;t=60');
      const third = await post();
      assert.equal(third.status, 429);
      assert.equal(third.headers.get('x-ratelimit-limit'), '2');
      // GET /login is not the POST rule; the global limit (4) has 2 left.
      assert.equal((await fetch(`${app.url}/login`)).status, 200);
      assert.equal((await fetch(`${app.url}/api/x`)).status, 200);
      const over = await fetch(`${app.url}/api/y`);
      assert.equal(over.status, 429);
      assert.equal(over.headers.get('x-ratelimit-limit'), '4');
    },
  );
});

test('X-Forwarded-For without trustProxy does not change the key; with a trusted proxy it does', async (t) => {
  await t.test('untrusted', async (t) => {
    await forEachAdapter(
      t,
      () => stack([rateLimit({ maxRequests: 2, window: 60, now: () => T0 })]),
      async (app) => {
        const codes = [];
        for (let i = 0; i < 4; i++) codes.push((await fetch(app.url, { headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status);
        assert.deepEqual(codes, [200, 200, 429, 429]);
      },
    );
  });
  await t.test('trusted proxy', async (t) => {
    await forEachAdapter(
      t,
      () => stack([rateLimit({ maxRequests: 2, window: 60, now: () => T0 })], { trustProxy: ['127.0.0.1'] }),
      async (app) => {
        const codes = [];
        for (let i = 0; i < 4; i++) codes.push((await fetch(app.url, { headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status);
        assert.deepEqual(codes, [200, 200, 200, 200]);
      },
    );
  });
});

test('IPv6 clients in one /64 share a key; another /64 does not (ipv6Prefix configurable)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([rateLimit({ maxRequests: 2, window: 60, now: () => T0 })], { trustProxy: ['127.0.0.1'] }),
    async (app) => {
      const from = async (ip: string): Promise<number> => (await fetch(app.url, { headers: { 'x-forwarded-for': ip } })).status;
      assert.equal(await from('2001:db8:1:2::1'), 200);
      assert.equal(await from('2001:db8:1:2:ffff:ffff:ffff:fffe'), 200);
      assert.equal(await from('2001:db8:1:2:abcd::9'), 429);
      assert.equal(await from('2001:db8:1:3::1'), 200);
    },
  );
  await t.test('ipv6Prefix: 128 keys each address', async (t) => {
    await forEachAdapter(
      t,
      () => stack([rateLimit({ maxRequests: 1, window: 60, now: () => T0, ipv6Prefix: 128 })], { trustProxy: ['127.0.0.1'] }),
      async (app) => {
        const from = async (ip: string): Promise<number> => (await fetch(app.url, { headers: { 'x-forwarded-for': ip } })).status;
        assert.equal(await from('2001:db8::1'), 200);
        assert.equal(await from('2001:db8::2'), 200);
        assert.equal(await from('2001:db8::1'), 429);
      },
    );
  });
});

test('allowlist and skip let requests through uncounted and without headers', async (t) => {
  await forEachAdapter(
    t,
    () => stack([rateLimit({ maxRequests: 1, window: 60, now: () => T0, allowlist: ['127.0.0.0/8'] })]),
    async (app) => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(app.url);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-ratelimit-limit'), null);
      }
    },
  );
  await t.test('skip', async (t) => {
    await forEachAdapter(
      t,
      () => stack([rateLimit({ maxRequests: 1, window: 60, now: () => T0, skip: (req) => req.path === '/health' })]),
      async (app) => {
        for (let i = 0; i < 3; i++) assert.equal((await fetch(`${app.url}/health`)).status, 200);
        assert.equal((await fetch(`${app.url}/x`)).status, 200);
        assert.equal((await fetch(`${app.url}/x`)).status, 429);
      },
    );
  });
});

test('burst: a per-second limit on top of the per-minute one', async (t) => {
  let now = T0;
  await forEachAdapter(
    t,
    () => {
      now = T0;
      return stack([rateLimit({ maxRequests: 100, window: 60, burst: 3, now: () => now })]);
    },
    async (app) => {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await fetch(app.url)).status);
      assert.deepEqual(codes, [200, 200, 200, 429]);
      const r = await fetch(app.url);
      assert.equal(r.headers.get('x-ratelimit-limit'), '3');
      assert.equal(r.headers.get('retry-after'), '1'); // sliding 1 s window: never longer than the window
      now = T0 + 2000;
      assert.equal((await fetch(app.url)).status, 200);
    },
  );
});

test('custom key: the event carries a digest, never the raw key; a bad key fails closed', async (t) => {
  let rec = recorder();
  await forEachAdapter(
    t,
    () => {
      rec = recorder();
      return stack([rateLimit({ maxRequests: 1, window: 60, now: () => T0, key: (req) => req.header('x-api-key') ?? '' })], { events: rec.sink });
    },
    async (app) => {
      const headers = { 'x-api-key': 'sk_live_SECRET_VALUE' };
      assert.equal((await fetch(app.url, { headers })).status, 200);
      assert.equal((await fetch(app.url, { headers })).status, 429);
      const hit = rec.events.find((e) => e.event === 'RATE_LIMIT_HIT')!;
      assert.ok(!JSON.stringify(hit).includes('SECRET'));
      assert.match(hit.detail!, /key #[0-9a-f]{12}/);
      assert.equal((await fetch(app.url)).status, 500);
    },
  );
});

test('headers: false sends none but Retry-After on 429; legacy-only and standard-only', async (t) => {
  await forEachAdapter(
    t,
    () => stack([rateLimit({ maxRequests: 1, window: 60, now: () => T0, headers: false })]),
    async (app) => {
      const ok = await fetch(app.url);
      assert.equal(ok.headers.get('x-ratelimit-limit'), null);
      assert.equal(ok.headers.get('ratelimit'), null);
      const no = await fetch(app.url);
      assert.equal(no.status, 429);
      assert.equal(no.headers.get('retry-after'), '60'); // sliding window, limit 1: free again one window after the admitted request
      assert.equal(no.headers.get('ratelimit-policy'), null);
    },
  );
  const legacy = rateLimit({ headers: { standard: false } });
  const standard = rateLimit({ headers: { legacy: false } });
  const seen = (m: typeof legacy): Record<string, string> => {
    const out: Record<string, string> = {};
    const view = { ip: '192.0.2.1', path: '/', method: 'GET', header: () => undefined, emit: () => {} } as never;
    m.handle(view, { set: (k: string, v: string) => (out[k.toLowerCase()] = v), append() {}, get: () => undefined, onHead() {} });
    return out;
  };
  assert.deepEqual(Object.keys(seen(legacy)).sort(), ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
  assert.deepEqual(Object.keys(seen(standard)).sort(), ['ratelimit', 'ratelimit-policy']);
  await legacy.close();
  await standard.close();
});

test('memory-store decisions are synchronous (no promise on the hot path)', async () => {
  const m = rateLimit({ maxRequests: 5, window: 60 });
  const view = { ip: '192.0.2.1', path: '/', method: 'GET', header: () => undefined, emit: () => {} } as never;
  const res = { set() {}, append() {}, get: () => undefined, onHead() {} };
  const d = m.handle(view, res);
  assert.equal(d, undefined);
  await m.close();
});

test('1,000,000 spoofed keys through the middleware keep the store bounded', async () => {
  const m = rateLimit({ maxRequests: 5, window: 60, now: () => T0, key: (req) => req.header('x-k')! });
  const res = { set() {}, append() {}, get: () => undefined, onHead() {} };
  for (let i = 0; i < 1_000_000; i++) {
    const k = `spoof${i}`;
    m.handle({ ip: '192.0.2.1', path: '/', method: 'GET', header: () => k, emit: () => {} } as never, res);
  }
  assert.ok((m.store as unknown as { size: number }).size <= 200_000);
  await m.close();
});
