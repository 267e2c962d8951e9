// Two Authorization lines: node:http keeps the first (it is in node's drop-duplicates list),
// fetch runtimes join both with ", ". Every adapter must refuse such a request the same way
// rather than authenticate whichever credential its parser happened to keep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { createJwt, requireJwt } from '../jwt/index.ts';
import { apiKeys, requireApiKey } from '../apikeys/index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type RunningApp } from '../../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../../test/helpers/raw-http.ts';
import type { SecurityEventRecord } from '../../core/types.ts';

const jwt = createJwt({ algorithm: 'HS256', secret: 'repeated-credentials-secret-9Qw2Lx7Zk4Pm', issuer: 'https://id.example', audience: 'api' });

/** Send GET / with `lines` (already `Name: value`) verbatim; resolve with status, challenge and body. */
async function send(app: RunningApp, lines: readonly string[]): Promise<{ status: number; challenge: string | undefined; body: string }> {
  const host = new URL(app.url).host;
  const response = await rawRequest(app.url, `GET / HTTP/1.1\r\nHost: ${host}\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`);
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const challenge = /^www-authenticate: (.*)$/im.exec(head)?.[1];
  return { status: statusOf(response), challenge, body };
}

function assertRefused(r: { status: number; challenge: string | undefined; body: string }, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.body}`);
  assert.equal(r.challenge, 'Bearer realm="api", error="invalid_request"', what);
  assert.match(r.body, /ERR_RAMPART_AUTH_AMBIGUOUS/, what);
}

test('requireJwt refuses more than one Authorization header identically on every adapter', async (t) => {
  const good = await jwt.sign({ sub: 'u1' });
  const other = await jwt.sign({ sub: 'u2' });
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt, required: false })], { events: { emit: (r) => events.push(r) } }),
    async (app) => {
      events.length = 0;
      assertRefused(await send(app, [`Authorization: Bearer ${good}`, 'Authorization: Bearer x.y.z']), 'good then bad');
      assertRefused(await send(app, ['Authorization: Bearer x.y.z', `Authorization: Bearer ${good}`]), 'bad then good');
      assertRefused(await send(app, [`Authorization: Bearer ${good}`, `authorization: Bearer ${other}`]), 'two valid tokens');
      assertRefused(await send(app, [`Authorization: Bearer ${good}`, `Authorization: Bearer ${good}`]), 'the same token twice');
      assert.deepEqual(
        events.map((e) => [e.event, e.detail]),
        Array.from({ length: 4 }, () => ['INVALID_TOKEN', 'jwt: more than one Authorization credential']),
      );
      const one = await send(app, [`Authorization: Bearer ${good}`]);
      assert.equal(one.status, 200, one.body);
      assert.equal(one.body, 'u1');
    },
    (req) => ({ body: String((req.view?.locals.user as { id?: string } | undefined)?.id ?? 'anon') }),
  );
});

test('requireApiKey refuses repeated Authorization or X-API-Key headers identically on every adapter', async (t) => {
  const db = new PGlite();
  const keys = apiKeys({ secret: 'repeated-credentials-apikey-7Hs3Nq8Vd2Rx', database: db, table: 'repeated_keys' });
  const a = await keys.create({ owner: 'acme' });
  const b = await keys.create({ owner: 'bolt' });
  try {
    await forEachAdapter(
      t,
      () => stack([requireApiKey({ keys })]),
      async (app) => {
        assertRefused(await send(app, [`Authorization: Bearer ${a.key}`, `Authorization: Bearer ${b.key}`]), 'two bearer keys');
        assertRefused(await send(app, [`Authorization: Bearer ${a.key}`, 'Authorization: Bearer rk_live_nope']), 'good then bad bearer');
        assertRefused(await send(app, [`X-API-Key: ${a.key}`, `X-API-Key: ${b.key}`]), 'two x-api-key lines');
        const one = await send(app, [`X-API-Key: ${a.key}`]);
        assert.equal(one.status, 200, one.body);
        assert.equal(one.body, 'acme');
        const bearer = await send(app, [`Authorization: Bearer ${b.key}`]);
        assert.equal(bearer.body, 'bolt');
      },
      (req) => ({ body: String((req.view?.locals.user as { id?: string } | undefined)?.id ?? 'anon') }),
    );
  } finally {
    await keys.close();
  }
});

test('requireApiKey refuses an X-API-Key and a different Authorization: Bearer key on every adapter', async (t) => {
  const db = new PGlite();
  const keys = apiKeys({ secret: 'repeated-credentials-apikey-7Hs3Nq8Vd2Rx', database: db, table: 'cross_keys' });
  const a = await keys.create({ owner: 'acme' });
  const b = await keys.create({ owner: 'bolt' });
  const events: SecurityEventRecord[] = [];
  try {
    await forEachAdapter(
      t,
      () => stack([requireApiKey({ keys })], { events: { emit: (r) => events.push(r) } }),
      async (app) => {
        events.length = 0;
        assertRefused(await send(app, [`X-API-Key: ${a.key}`, `Authorization: Bearer ${b.key}`]), 'x-api-key A + bearer B');
        assertRefused(await send(app, [`Authorization: Bearer ${b.key}`, `X-API-Key: ${a.key}`]), 'bearer B + x-api-key A');
        assertRefused(await send(app, [`X-API-Key: ${a.key}`, 'Authorization: Bearer rk_live_nope']), 'x-api-key A + bad bearer');
        assertRefused(
          await send(app, [`X-API-Key: ${a.key}`, `Authorization: Bearer ${a.key}`, `Authorization: Bearer ${b.key}`]),
          'x-api-key + two bearer lines',
        );
        assertRefused(await send(app, [`X-API-Key: ${a.key}`, 'Authorization: Bearer']), 'x-api-key + empty bearer');
        assert.deepEqual(
          events.map((e) => e.event),
          Array.from({ length: 5 }, () => 'INVALID_TOKEN'),
        );
        // The same key in both places is one credential; a non-Bearer Authorization (a proxy's Basic) is not an API key.
        const same = await send(app, [`X-API-Key: ${a.key}`, `Authorization: Bearer ${a.key}`]);
        assert.equal(same.status, 200, same.body);
        assert.equal(same.body, 'acme');
        const basic = await send(app, [`X-API-Key: ${a.key}`, 'Authorization: Basic YTpi']);
        assert.equal(basic.status, 200, basic.body);
        assert.equal(basic.body, 'acme');
      },
      (req) => ({ body: String((req.view?.locals.user as { id?: string } | undefined)?.id ?? 'anon') }),
    );
  } finally {
    await keys.close();
  }
});
