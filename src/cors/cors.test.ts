import test from 'node:test';
import assert from 'node:assert/strict';
import { cors, normalizeOrigin } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

const ORIGIN = 'https://app.example.com';

test('normalizeOrigin: scheme/host lower-cased, default ports dropped, paths rejected', () => {
  assert.equal(normalizeOrigin('HTTPS://App.Example.com:443'), 'https://app.example.com');
  assert.equal(normalizeOrigin('http://a.example:80'), 'http://a.example');
  assert.equal(normalizeOrigin('http://a.example:8080'), 'http://a.example:8080');
  assert.equal(normalizeOrigin('https://a.example/'), undefined);
  assert.equal(normalizeOrigin('https://user@a.example'), undefined);
  assert.equal(normalizeOrigin('null'), undefined);
  assert.equal(normalizeOrigin('https://a.example:99999'), undefined);
});

test('construction errors say how to fix the configuration', () => {
  const code = (fn: () => unknown, expected: string) => assert.throws(fn, (e: unknown) => isRampartError(e) && e.code === expected && e.message.length > 20);
  code(() => cors({ origins: '*', allowCredentials: true }), 'ERR_RAMPART_CONFIG');
  assert.throws(() => cors({ origins: '*', allowCredentials: true }), /list the origins/);
  code(() => cors({ origins: ['https://a.example/path'] }), 'ERR_RAMPART_CONFIG');
  code(() => cors({ origins: [] }), 'ERR_RAMPART_CONFIG');
  code(() => cors({ origins: /app\.example\.com/ }), 'ERR_RAMPART_CONFIG');
  code(() => cors({ origins: [ORIGIN], allowCredential: true } as never), 'ERR_RAMPART_UNKNOWN_OPTION');
  assert.throws(() => cors({ origins: [ORIGIN], allowCredential: true } as never), /allowCredentials/);
  code(() => cors({} as never), 'ERR_RAMPART_CONFIG');
  code(() => cors({ origins: [ORIGIN], maxAge: -1 }), 'ERR_RAMPART_CONFIG');
  code(() => cors({ origins: [ORIGIN], methods: ['GET\r\nX: y'] }), 'ERR_RAMPART_CONFIG');
});

test('cors through every adapter', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([
        cors({
          origins: [ORIGIN, 'http://localhost:5173'],
          allowCredentials: true,
          exposeHeaders: ['x-request-id'],
          headers: ['content-type', 'x-csrf-token'],
        }),
      ]),
    async (app) => {
      // Allowed simple request.
      let r = await fetch(`${app.url}/api`, { headers: { origin: ORIGIN } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
      assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
      assert.equal(r.headers.get('access-control-expose-headers'), 'x-request-id');
      assert.match(r.headers.get('vary') ?? '', /Origin/);
      await r.arrayBuffer();

      // Lookalike origins never match.
      for (const evil of [
        'https://app.example.com.evil.com',
        'https://evil-app.example.com',
        'http://app.example.com',
        'https://app.example.com:8443',
        'null',
      ]) {
        r = await fetch(`${app.url}/api`, { headers: { origin: evil } });
        assert.equal(r.headers.get('access-control-allow-origin'), null, evil);
        assert.equal(r.headers.get('access-control-allow-credentials'), null, evil);
        assert.match(r.headers.get('vary') ?? '', /Origin/, 'the answer depends on the origin');
        await r.arrayBuffer();
      }
      // Default port spelled out still matches.
      r = await fetch(`${app.url}/api`, { headers: { origin: 'https://app.example.com:443' } });
      assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example.com:443');
      await r.arrayBuffer();

      // Allowed preflight: 204 with methods, headers, max-age; the app is not called.
      r = await fetch(`${app.url}/api`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'Content-Type, X-CSRF-Token' },
      });
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(r.headers.get('access-control-allow-methods') ?? '', /PUT/);
      assert.equal(r.headers.get('access-control-allow-headers'), 'content-type, x-csrf-token');
      assert.equal(r.headers.get('access-control-max-age'), '86400');
      assert.equal(await r.text(), '');

      // Disallowed preflights carry no CORS headers.
      const denied: Array<Record<string, string>> = [
        { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
        { origin: ORIGIN, 'access-control-request-method': 'TRACE' },
        { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-secret' },
        { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-private-network': 'true' },
      ];
      for (const headers of denied) {
        r = await fetch(`${app.url}/api`, { method: 'OPTIONS', headers });
        assert.equal(r.status, 204);
        assert.equal(r.headers.get('access-control-allow-origin'), null, JSON.stringify(headers));
        assert.equal(r.headers.get('access-control-allow-methods'), null);
        await r.arrayBuffer();
      }

      // A plain OPTIONS (not a preflight) reaches the app.
      r = await fetch(`${app.url}/api`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
      assert.equal(r.status, 200);
      assert.equal((await r.json()).method, 'OPTIONS');
    },
  );
});

test("origins '*' without credentials answers '*' and never the null origin", async (t) => {
  await forEachAdapter(
    t,
    () => stack([cors({ origins: '*' })]),
    async (app) => {
      let r = await fetch(`${app.url}/`, { headers: { origin: 'https://anyone.example' } });
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('access-control-allow-credentials'), null);
      await r.arrayBuffer();
      r = await fetch(`${app.url}/`, { headers: { origin: 'null' } });
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      await r.arrayBuffer();
      r = await fetch(`${app.url}/`, {
        method: 'OPTIONS',
        headers: { origin: 'https://x.example', 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-anything' },
      });
      assert.equal(r.headers.get('access-control-allow-headers'), '*');
      await r.arrayBuffer();
    },
  );
});

test('RegExp and predicate origins; private network access when enabled', async (t) => {
  await forEachAdapter(
    t,
    () => stack([cors({ origins: /^https:\/\/[a-z]+\.example\.com$/, privateNetwork: true })]),
    async (app) => {
      let r = await fetch(`${app.url}/`, { headers: { origin: 'https://shop.example.com' } });
      assert.equal(r.headers.get('access-control-allow-origin'), 'https://shop.example.com');
      await r.arrayBuffer();
      r = await fetch(`${app.url}/`, { headers: { origin: 'https://shop.example.com.evil.io' } });
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      await r.arrayBuffer();
      r = await fetch(`${app.url}/`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'GET', 'access-control-request-private-network': 'true' },
      });
      assert.equal(r.headers.get('access-control-allow-private-network'), 'true');
      await r.arrayBuffer();
    },
  );
  const predicate = cors({ origins: (o) => o.endsWith('.trusted.example') });
  const s = stack([predicate]);
  assert.equal(s.middleware.length, 1);
});

test("headers: ['*'] with credentials reflects only a valid token list of requested headers, through every adapter", async (t) => {
  await forEachAdapter(
    t,
    () => stack([cors({ origins: [ORIGIN], headers: ['*'], allowCredentials: true })]),
    async (app) => {
      const preflight = (asked: string): Promise<Response> =>
        fetch(`${app.url}/`, {
          method: 'OPTIONS',
          headers: { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': asked },
        });
      let r = await preflight('X-Custom, content-type');
      assert.equal(r.headers.get('access-control-allow-headers'), 'x-custom, content-type');
      await r.arrayBuffer();
      for (const bad of ['x-a: injected', 'x-a, <script>', 'x a', 'x-a;b=1', '"quoted"']) {
        r = await preflight(bad);
        assert.equal(r.headers.get('access-control-allow-headers'), null, bad);
        assert.equal(r.headers.get('access-control-allow-origin'), null, bad);
        await r.arrayBuffer();
      }
    },
  );
});

test("default methods: the seed's list (GET, POST, PUT, PATCH, DELETE, OPTIONS) plus HEAD, through every adapter", async (t) => {
  await forEachAdapter(
    t,
    () => stack([cors({ origins: [ORIGIN] })]),
    async (app) => {
      for (const method of ['OPTIONS', 'PATCH', 'DELETE']) {
        const r = await fetch(`${app.url}/api`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': method } });
        assert.equal(r.status, 204, method);
        assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN, method);
        const allowed = (r.headers.get('access-control-allow-methods') ?? '').split(', ');
        assert.deepEqual([...allowed].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'], method);
        await r.arrayBuffer();
      }
    },
  );
});

test('cors: a RegExp or function that accepts any origin cannot be combined with allowCredentials (it is * in disguise)', () => {
  for (const origins of [/^.*$/, /^https?:\/\/.+$/, /^[\s\S]*$/i, () => true]) {
    assert.throws(
      () => cors({ origins, allowCredentials: true }),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /accepts any origin/.test((e as Error).message),
      String(origins),
    );
    assert.doesNotThrow(() => cors({ origins }), 'without credentials it is allowed');
  }
  assert.doesNotThrow(() => cors({ origins: /^https:\/\/([a-z0-9-]+\.)?example\.com$/, allowCredentials: true }));
  assert.doesNotThrow(() => cors({ origins: (o: string) => o.endsWith('.example.com'), allowCredentials: true }));
});
