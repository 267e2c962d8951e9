import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJwt, requireJwt, jwtClaims } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';
import type { SecurityEventRecord } from '../../core/types.ts';
import { isRampartError } from '../../errors.ts';

const jwt = createJwt({ algorithm: 'HS256', secret: 'an-hmac-secret-that-is-long-enough-0123456789', issuer: 'https://id.example', audience: 'api' });

test('requireJwt through every adapter: 401 challenges, claims for the handler, events', async (t) => {
  const token = await jwt.sign({ sub: 'u1', roles: ['editor'], scope: 'read write' });
  const expired = await jwt.sign({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 });
  let events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt })], { events: { emit: (r) => events.push(r) } }),
    async (app) => {
      events = [];
      let r = await fetch(`${app.url}/me`);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="api"');
      assert.equal(r.headers.get('content-type'), 'application/problem+json');
      assert.equal(((await r.json()) as { code: string }).code, 'ERR_RAMPART_AUTH_REQUIRED');

      r = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${expired}` } });
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="api", error="invalid_token"');
      assert.equal(((await r.json()) as { code: string }).code, 'ERR_RAMPART_JWT_EXPIRED');

      r = await fetch(`${app.url}/me`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      assert.equal(r.status, 401);
      await r.body?.cancel();
      r = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${'A'.repeat(9000)}` } });
      assert.equal(r.status, 401);
      await r.body?.cancel();

      r = await fetch(`${app.url}/me`, { headers: { authorization: `bearer ${token}` } });
      assert.equal(r.status, 200);
      const body = (await r.json()) as { sub: string; user: { id: string; roles: string[]; permissions: string[] } };
      assert.equal(body.sub, 'u1');
      assert.deepEqual(body.user, { id: 'u1', roles: ['editor'], permissions: ['read', 'write'] });

      assert.deepEqual(
        events.map((e) => e.event),
        ['AUTH_REQUIRED', 'INVALID_TOKEN', 'INVALID_TOKEN', 'INVALID_TOKEN'],
      );
      for (const e of events) {
        assert.equal(e.ip, '127.0.0.1');
        assert.ok(!JSON.stringify(e).includes(expired.slice(0, 20)), 'tokens never reach events');
      }
    },
    (req) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: jwtClaims(req.native)?.sub, user: req.view?.locals.user }),
    }),
  );
});

test('requireJwt({ required: false }) lets anonymous requests through; bad options fail at construction', async (t) => {
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt, required: false, cookie: 'at' })]),
    async (app) => {
      const anon = await fetch(`${app.url}/`);
      assert.equal(await anon.text(), 'anon');
      const viaCookie = await fetch(`${app.url}/`, { headers: { cookie: `at=${await jwt.sign({ sub: 'c1' })}` } });
      assert.equal(await viaCookie.text(), 'c1');
    },
    (req) => ({ body: String(jwtClaims(req.native)?.sub ?? 'anon') }),
  );
  assert.throws(
    () => requireJwt({} as never),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => requireJwt({ jwt, realms: 'x' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => requireJwt({ jwt, realm: 'a"b' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('requireJwt refuses a valid token without a usable subject (sub) through every adapter', async (t) => {
  const noSub = await jwt.sign({ scope: 'orders:read' });
  const emptySub = await jwt.sign({ sub: '', scope: 'orders:read' });
  const numericSub = await jwt.sign({ sub: 42, scope: 'orders:read' });
  const blankSubs = [await jwt.sign({ sub: ' ' }), await jwt.sign({ sub: '\t\n' }), await jwt.sign({ sub: '\u00a0\u3000' })];
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt, required: false })], { events: { emit: (r) => events.push(r) } }),
    async (app) => {
      for (const token of [noSub, emptySub, numericSub, ...blankSubs]) {
        events.length = 0;
        const r = await fetch(`${app.url}/`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(r.status, 401);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="api", error="invalid_token"');
        const body = (await r.json()) as { code: string; detail: string };
        assert.equal(body.code, 'ERR_RAMPART_JWT_CLAIM');
        assert.match(body.detail, /subject|sub/);
        assert.deepEqual(
          events.map((e) => e.event),
          ['INVALID_TOKEN'],
        );
      }
      const ok = await fetch(`${app.url}/`, { headers: { authorization: `Bearer ${await jwt.sign({ sub: 'u1' })}` } });
      assert.equal(await ok.text(), 'u1');
    },
    (req) => ({ body: String((req.view?.locals.user as { id?: string } | undefined)?.id ?? 'anon') }),
  );
});

/**
 * `required: false` makes only an absent Authorization header anonymous: a header that is
 * sent is a credential, and one that is not a valid Bearer token (no token, a stray `%00`,
 * another scheme) is 401 invalid_token, as with `required: true`, on every adapter.
 */
test('requireJwt({ required: false }) refuses a present but malformed Authorization header through every adapter', async (t) => {
  const token = await jwt.sign({ sub: 'u1' });
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt, required: false })], { events: { emit: (r) => events.push(r) } }),
    async (app) => {
      for (const value of ['Bearer', 'Bearer ', `Bearer ${token}%00`, `Bearer ${token}.x`, 'Basic YTpi', `Token ${token}`]) {
        events.length = 0;
        const r = await fetch(`${app.url}/`, { headers: { authorization: value } });
        assert.equal(r.status, 401, `${JSON.stringify(value)} on ${app.adapter}`);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="api", error="invalid_token"');
        await r.body?.cancel();
        assert.deepEqual(
          events.map((e) => e.event),
          ['INVALID_TOKEN'],
        );
      }
      const anon = await fetch(`${app.url}/`);
      assert.equal(anon.status, 200);
      assert.equal(await anon.text(), 'anon');
      const ok = await fetch(`${app.url}/`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(await ok.text(), 'u1');
    },
    (req) => ({ body: String((req.view?.locals.user as { id?: string } | undefined)?.id ?? 'anon') }),
  );
});

test('requireJwt({ cookie }) reads the cookie only when no Authorization header is sent: a non-Bearer or malformed one beside a valid cookie token is 401 on every adapter', async (t) => {
  const token = await jwt.sign({ sub: 'u1' });
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt, cookie: 'access' })]),
    async (app) => {
      for (const value of ['Basic YTpi', 'Bearer', `Bearer ${token}%00`, 'Token abc']) {
        const r = await fetch(`${app.url}/`, { headers: { authorization: value, cookie: `access=${token}` } });
        assert.equal(r.status, 401, `${JSON.stringify(value)} with a valid cookie on ${app.adapter}`);
        await r.body?.cancel();
      }
      const fromCookie = await fetch(`${app.url}/`, { headers: { cookie: `access=${token}` } });
      assert.equal(await fromCookie.text(), 'u1');
    },
    (req) => ({ body: String((req.view?.locals.user as { id?: string } | undefined)?.id ?? 'anon') }),
  );
});

test('requireJwt through every adapter: iat in the future beyond clockTolerance is 401 NOT_YET_VALID, within it (or a fractional iat of now) passes', async (t) => {
  const secret = 'an-hmac-secret-that-is-long-enough-0123456789';
  const verifier = createJwt({ algorithm: 'HS256', secret, issuer: 'https://id.example', audience: 'api', clockTolerance: 30 });
  const strict = createJwt({ algorithm: 'HS256', secret, issuer: 'https://id.example', audience: 'api' });
  const { createHmac } = await import('node:crypto');
  const mint = (claims: Record<string, unknown>): string => {
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const base = { sub: 'u1', iss: 'https://id.example', aud: 'api', exp: now + 600 };
  const future = mint({ ...base, iat: now + 300 });
  const within = mint({ ...base, iat: now + 10 });
  const invalid = mint({ ...base, iat: 'now' });
  let events: SecurityEventRecord[] = [];
  for (const [label, shield] of [
    ['clockTolerance 30', () => stack([requireJwt({ jwt: verifier })], { events: { emit: (r) => events.push(r) } })],
    ['clockTolerance 0', () => stack([requireJwt({ jwt: strict })], { events: { emit: (r) => events.push(r) } })],
  ] as const) {
    await t.test(label, async (t) => {
      await forEachAdapter(
        t,
        shield,
        async (app) => {
          events = [];
          const call = async (token: string) => {
            const r = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
            const body = (await r.json()) as { code?: string };
            return { status: r.status, challenge: r.headers.get('www-authenticate'), code: body.code };
          };
          assert.deepEqual(await call(future), {
            status: 401,
            challenge: 'Bearer realm="api", error="invalid_token"',
            code: 'ERR_RAMPART_JWT_NOT_YET_VALID',
          });
          assert.equal((await call(invalid)).code, 'ERR_RAMPART_JWT_CLAIM');
          // A token issued this millisecond with a fractional NumericDate is not in the future.
          assert.equal((await call(mint({ ...base, iat: Date.now() / 1000 - 0.0005 }))).status, 200);
          if (label === 'clockTolerance 30') assert.equal((await call(within)).status, 200);
          else assert.equal((await call(within)).code, 'ERR_RAMPART_JWT_NOT_YET_VALID');
          assert.deepEqual(
            events.map((e) => e.detail),
            [
              'jwt: ERR_RAMPART_JWT_NOT_YET_VALID',
              'jwt: ERR_RAMPART_JWT_CLAIM',
              ...(label === 'clockTolerance 0' ? ['jwt: ERR_RAMPART_JWT_NOT_YET_VALID'] : []),
            ],
          );
        },
        (req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: jwtClaims(req.native)?.sub }) }),
      );
    });
  }
});
