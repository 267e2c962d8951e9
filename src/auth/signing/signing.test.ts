import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import {
  signRequest,
  verifyRequest,
  requireSignedRequest,
  verifyWebhook,
  signWebhook,
  requireWebhook,
  signHttpMessage,
  verifyHttpMessage,
  memoryNonceStore,
  redisNonceStore,
  postgresNonceStore,
} from './index.ts';
import { isRampartError, type RampartErrorCode } from '../../errors.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';
import { startRedis } from '../../../test/helpers/services.ts';
import type { SecurityEventRecord } from '../../core/types.ts';

const SECRET = 'request-signing-secret-of-32-bytes!!';

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: RampartErrorCode): Promise<void> {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  await assert.rejects(run, (e: unknown) => isRampartError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));
}

test('seed HMAC request signing: round trip, tampering, window, replay', async () => {
  const body = '{"amount":100}';
  const now = 1_800_000_000;
  const headers = signRequest({ secret: SECRET, method: 'post', path: '/api/secure/pay?x=1', body, timestamp: now });
  const store = memoryNonceStore();
  const base = { secret: SECRET, method: 'POST', path: '/api/secure/pay?x=1', body, headers, now, nonceStore: store };
  await verifyRequest(base);
  await rejectsWith(verifyRequest(base), 'ERR_RAMPART_SIGNATURE_REPLAY');
  const fresh = () => signRequest({ secret: SECRET, method: 'POST', path: '/api/secure/pay?x=1', body, timestamp: now });
  await rejectsWith(verifyRequest({ ...base, headers: fresh(), body: '{"amount":1000}' }), 'ERR_RAMPART_SIGNATURE_INVALID');
  await rejectsWith(verifyRequest({ ...base, headers: fresh(), path: '/api/secure/pay?x=2' }), 'ERR_RAMPART_SIGNATURE_INVALID');
  await rejectsWith(verifyRequest({ ...base, headers: fresh(), method: 'PUT' }), 'ERR_RAMPART_SIGNATURE_INVALID');
  await rejectsWith(verifyRequest({ ...base, headers: fresh(), now: now + 301 }), 'ERR_RAMPART_SIGNATURE_EXPIRED');
  await rejectsWith(verifyRequest({ ...base, headers: fresh(), now: now - 301 }), 'ERR_RAMPART_SIGNATURE_EXPIRED');
  await verifyRequest({ ...base, headers: fresh(), now: now + 299 });
  await verifyRequest({ ...base, headers: fresh(), secret: ['another-secret-of-at-least-32-bytes!!', SECRET] });
  await rejectsWith(verifyRequest({ ...base, headers: { 'x-timestamp': String(now) } }), 'ERR_RAMPART_SIGNATURE_MISSING');
  await rejectsWith(verifyRequest({ ...base, headers: { ...fresh(), 'x-signature': 'zz' } }), 'ERR_RAMPART_SIGNATURE_INVALID');
  await rejectsWith(verifyRequest({ ...base, headers: { ...fresh(), 'x-timestamp': '1e9' } }), 'ERR_RAMPART_SIGNATURE_INVALID');
  assert.throws(
    () => signRequest({ secret: 'short', method: 'GET', path: '/' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('GitHub X-Hub-Signature-256: the documented example verifies', () => {
  // docs.github.com "Validating webhook deliveries": secret, payload and expected signature.
  const headers = { 'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' };
  verifyWebhook({ provider: 'github', secret: "It's a Secret to Everybody", body: 'Hello, World!', headers });
  assert.throws(
    () => verifyWebhook({ provider: 'github', secret: "It's a Secret to Everybody", body: 'Hello, World?', headers }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_INVALID'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'github', secret: 'x', body: 'Hello, World!', headers: {} }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_MISSING'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'github', secret: 'x', body: 'a', headers: { 'x-hub-signature-256': 'sha1=abc' } }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_INVALID'),
  );
});

test('Stripe-style t=…,v1=… with tolerance and rotation', () => {
  const secret = 'whsec_stripe_test_secret';
  const body = '{"id":"evt_1","object":"event"}';
  const t = 1_700_000_000;
  const sig = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const headers = { 'stripe-signature': `t=${t},v1=${'0'.repeat(64)},v1=${sig},v0=deadbeef` };
  verifyWebhook({ provider: 'stripe', secret, body, headers, now: t + 10 });
  assert.throws(
    () => verifyWebhook({ provider: 'stripe', secret, body, headers, now: t + 301 }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_EXPIRED'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'stripe', secret, body: body + ' ', headers, now: t }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_INVALID'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'stripe', secret, body, headers: { 'stripe-signature': `t=${t}` }, now: t }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_MISSING'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'stripe', secret, body, headers: { 'stripe-signature': `v1=${sig}` }, now: t }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_MISSING'),
  );
});

test('Standard Webhooks: the specification test vector verifies; signWebhook reproduces it', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const headers = {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  verifyWebhook({ provider: 'standard', secret, body, headers, now: 1614265330 });
  assert.deepEqual(signWebhook({ secret, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', body, timestamp: 1614265330 }), headers);
  verifyWebhook({
    provider: 'standard',
    secret,
    body,
    headers: { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` },
    now: 1614265330,
  });
  const svix = { 'svix-id': headers['webhook-id'], 'svix-timestamp': headers['webhook-timestamp'], 'svix-signature': headers['webhook-signature'] };
  verifyWebhook({ provider: 'standard', secret, body, headers: new Headers(svix), now: 1614265330 });
  assert.throws(
    () => verifyWebhook({ provider: 'standard', secret, body, headers, now: 1614265330 + 600 }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_EXPIRED'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'standard', secret, body: '{"test": 2432232315}', headers, now: 1614265330 }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_INVALID'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'standard', secret, body, headers: { ...headers, 'webhook-id': 'msg_other' }, now: 1614265330 }),
    (e) => isRampartError(e, 'ERR_RAMPART_SIGNATURE_INVALID'),
  );
  assert.throws(
    () => verifyWebhook({ provider: 'gitlab' as never, secret, body, headers }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

// RFC 9421 Appendix B.1.4 / B.1.5 test keys and the B.2 test request.
const RFC_SHARED_SECRET = Buffer.from('uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==', 'base64');
const RFC_ED25519 = { kty: 'OKP', crv: 'Ed25519', d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' };
/** The body of the RFC 9421 test request (its Content-Digest is sha-512 of these bytes). */
const RFC_BODY = '{"hello": "world"}';
const RFC_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  body: RFC_BODY,
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  } as Record<string, string>,
};

test('RFC 9421 B.2.5 (hmac-sha256) and B.2.6 (ed25519): verify the published signatures and reproduce them', async () => {
  const b25 = {
    'signature-input': 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    signature: 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:',
  };
  const b26 = {
    'signature-input': 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    signature: 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
  };
  // The RFC's examples cover fewer components than rampart's defaults, are years old and are
  // verified more than once: they go through the named relaxations.
  const relaxed = { allowPartialCoverage: true, allowReplay: true, maxAge: 0 } as const;
  const keys = {
    'test-shared-secret': { key: RFC_SHARED_SECRET, algorithm: 'hmac-sha256' as const },
    'test-key-ed25519': { key: { kty: 'OKP', crv: 'Ed25519', x: RFC_ED25519.x }, algorithm: 'ed25519' as const },
  };
  assert.deepEqual(await verifyHttpMessage({ keys, ...relaxed }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...b25 } }), {
    keyId: 'test-shared-secret',
  });
  assert.deepEqual(await verifyHttpMessage({ keys, ...relaxed }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...b26 } }), {
    keyId: 'test-key-ed25519',
  });
  const produced25 = await signHttpMessage(
    {
      key: RFC_SHARED_SECRET,
      keyId: 'test-shared-secret',
      algorithm: 'hmac-sha256',
      label: 'sig-b25',
      created: 1618884473,
      nonce: false,
      components: ['date', '@authority', 'content-type'],
    },
    RFC_REQUEST,
  );
  assert.deepEqual(produced25, b25);
  const produced26 = await signHttpMessage(
    {
      key: RFC_ED25519,
      keyId: 'test-key-ed25519',
      algorithm: 'ed25519',
      label: 'sig-b26',
      created: 1618884473,
      nonce: false,
      components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
    },
    RFC_REQUEST,
  );
  assert.deepEqual(produced26, b26);
  // Tampering with a covered component, unknown keys, and age limits.
  await rejectsWith(
    verifyHttpMessage({ keys, ...relaxed }, { ...RFC_REQUEST, url: 'https://evil.example/foo', headers: { ...RFC_REQUEST.headers, ...b26 } }),
    'ERR_RAMPART_SIGNATURE_INVALID',
  );
  await rejectsWith(
    verifyHttpMessage({ keys: { other: keys['test-key-ed25519'] }, ...relaxed }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...b26 } }),
    'ERR_RAMPART_SIGNATURE_MISSING',
  );
  await rejectsWith(
    verifyHttpMessage({ keys, allowPartialCoverage: true, allowReplay: true }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...b26 } }),
    'ERR_RAMPART_SIGNATURE_EXPIRED',
  );
  await rejectsWith(
    verifyHttpMessage({ keys, ...relaxed, requiredComponents: ['content-digest'] }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...b26 } }),
    'ERR_RAMPART_SIGNATURE_INVALID',
  );
  await rejectsWith(
    verifyHttpMessage({ keys, ...relaxed }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, 'signature-input': 'garbage((', signature: 'x' } }),
    'ERR_RAMPART_SIGNATURE_INVALID',
  );
  // a fresh ES256 signature with the default components round-trips under the default checks
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sig = await signHttpMessage({ key: ec.privateKey, keyId: 'k', algorithm: 'ecdsa-p256-sha256' }, RFC_REQUEST);
  assert.match(sig['signature-input'], /^sig1=\("@method" "@target-uri" "content-digest"\);created=\d+;keyid="k";nonce="[A-Za-z0-9_-]{22}"$/);
  const ecKeys = { k: { key: ec.publicKey, algorithm: 'ecdsa-p256-sha256' as const } };
  // requiredComponents add to the defaults
  await rejectsWith(
    verifyHttpMessage({ keys: ecKeys, requiredComponents: ['content-length'] }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...sig } }),
    'ERR_RAMPART_SIGNATURE_INVALID',
  );
  assert.deepEqual(
    await verifyHttpMessage({ keys: ecKeys, requiredComponents: ['content-digest'] }, { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, ...sig } }),
    { keyId: 'k' },
  );
});

test('requireSignedRequest and requireWebhook through every adapter (raw body kept for the app)', async (t) => {
  const events: SecurityEventRecord[] = [];
  const whSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const webhook = requireWebhook({ provider: 'standard', secret: whSecret });
  await forEachAdapter(
    t,
    () =>
      stack(
        [
          requireSignedRequest({ secret: SECRET, nonceStore: memoryNonceStore(), paths: '/api/secure/' }),
          { name: 'route', handle: (req) => (req.path.startsWith('/webhooks/') ? webhook.handle(req, undefined as never) : undefined) },
        ],
        { events: { emit: (r) => events.push(r) } },
      ),
    async (app) => {
      events.length = 0;
      const body = JSON.stringify({ amount: 5, note: 'ünïcode' });
      const headers = signRequest({ secret: SECRET, method: 'POST', path: '/api/secure/pay?q=1', body });
      let r = await fetch(`${app.url}/api/secure/pay?q=1`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { body: string }).body, body, 'the application still reads the body');
      r = await fetch(`${app.url}/api/secure/pay?q=1`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      assert.equal(r.status, 401, 'replay refused');
      assert.match(await r.text(), /ERR_RAMPART_SIGNATURE_REPLAY/);
      r = await fetch(`${app.url}/api/secure/pay`, { method: 'POST', body });
      assert.equal(r.status, 401);
      await r.body?.cancel();
      r = await fetch(`${app.url}/public`, { method: 'POST', body });
      assert.equal(r.status, 200, 'other paths are not checked');
      await r.body?.cancel();

      const delivery = signWebhook({ secret: whSecret, id: `msg_${app.adapter}`, body });
      r = await fetch(`${app.url}/webhooks/in`, { method: 'POST', headers: { ...delivery, 'content-type': 'application/json' }, body });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { body: string }).body, body);
      r = await fetch(`${app.url}/webhooks/in`, { method: 'POST', headers: { ...delivery, 'content-type': 'application/json' }, body: body.replace('5', '6') });
      assert.equal(r.status, 401);
      await r.body?.cancel();
      assert.deepEqual(
        events.map((e) => e.event),
        ['INVALID_TOKEN', 'INVALID_TOKEN', 'INVALID_TOKEN'],
      );
    },
  );
});

test('redis nonce store refuses replays across instances', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const a = new Redis(redis.url);
  const b = new Redis(redis.url);
  try {
    const sa = redisNonceStore(a);
    const sb = redisNonceStore(b);
    const headers = signRequest({ secret: SECRET, method: 'GET', path: '/x' });
    await verifyRequest({ secret: SECRET, method: 'GET', path: '/x', headers, nonceStore: sa });
    await rejectsWith(verifyRequest({ secret: SECRET, method: 'GET', path: '/x', headers, nonceStore: sb }), 'ERR_RAMPART_SIGNATURE_REPLAY');
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('postgres nonce store (PGlite) refuses replays and accepts a nonce again after expiry', async () => {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  const store = postgresNonceStore({ database: db });
  assert.equal(await store.add('n-1', 60), true);
  assert.equal(await store.add('n-1', 60), false);
  assert.equal(await store.add('n-2', 0.001), true);
  await db.query(`update rampart_nonces set expires_at = now() - interval '1 second' where nonce = 'n-2'`);
  assert.equal(await store.add('n-2', 60), true, 'an expired nonce row is reused');
  assert.equal(await store.prune(), 0);
  const headers = signRequest({ secret: SECRET, method: 'GET', path: '/y' });
  await verifyRequest({ secret: SECRET, method: 'GET', path: '/y', headers, nonceStore: store });
  await rejectsWith(verifyRequest({ secret: SECRET, method: 'GET', path: '/y', headers, nonceStore: store }), 'ERR_RAMPART_SIGNATURE_REPLAY');
  await db.close();
});

test('a failing nonce store fails closed: ERR_RAMPART_NONCE_STORE, 503 in middleware', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 });
  client.on('error', () => {});
  for (let i = 0; i < 100 && client.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const store = redisNonceStore(client);
  const { serve } = await import('../../../test/helpers/adapters.ts');
  const shield = stack([requireSignedRequest({ secret: SECRET, nonceStore: store })]);
  const running = await serve('hono', shield);
  try {
    await redis.kill();
    const headers = signRequest({ secret: SECRET, method: 'GET', path: '/z' });
    await rejectsWith(verifyRequest({ secret: SECRET, method: 'GET', path: '/z', headers, nonceStore: store }), 'ERR_RAMPART_NONCE_STORE');
    const r = await fetch(`${running.url}/z`, { headers: signRequest({ secret: SECRET, method: 'GET', path: '/z' }) });
    assert.equal(r.status, 503);
    await r.body?.cancel();
  } finally {
    await running.close();
    client.disconnect();
  }
});

test('requireHttpSignature (RFC 9421) through every adapter: signature plus Content-Digest over the raw body', async (t) => {
  const { requireHttpSignature, httpSignatureOf, contentDigest } = await import('./index.ts');
  const ed = generateKeyPairSync('ed25519');
  const keys = { 'client-1': { key: ed.publicKey, algorithm: 'ed25519' as const } };
  assert.throws(
    () => requireHttpSignature({ keys: { k: { key: 'not a key', algorithm: 'ed25519' } } }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => requireHttpSignature({ keys: { k: { key: ed.publicKey, algorithm: 'rsa-md5' as never } } }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  await forEachAdapter(
    t,
    () => stack([requireHttpSignature({ keys, requiredComponents: ['@method', '@path', 'content-digest'] })]),
    async (app) => {
      const body = JSON.stringify({ order: 42 });
      const url = `${app.url}/orders?x=1`;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-digest': contentDigest(body) };
      Object.assign(
        headers,
        await signHttpMessage(
          {
            key: ed.privateKey,
            keyId: 'client-1',
            algorithm: 'ed25519',
            components: ['@method', '@authority', '@path', '@query', 'content-digest', 'content-type'],
          },
          { method: 'POST', url, headers },
        ),
      );
      let r = await fetch(url, { method: 'POST', headers, body });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), `client-1:${body}`);
      r = await fetch(url, { method: 'POST', headers, body: body.replace('42', '43') });
      assert.equal(r.status, 401, 'a changed body fails the digest');
      await r.body?.cancel();
      r = await fetch(`${app.url}/orders?x=2`, { method: 'POST', headers, body });
      assert.equal(r.status, 401, 'a changed query fails the signature');
      await r.body?.cancel();
      r = await fetch(url, { method: 'POST', body });
      assert.equal(r.status, 401);
      assert.match(await r.text(), /ERR_RAMPART_SIGNATURE_MISSING/);
      const partial = { ...headers };
      Object.assign(
        partial,
        await signHttpMessage(
          { key: ed.privateKey, keyId: 'client-1', algorithm: 'ed25519', components: ['@method', '@authority'] },
          { method: 'POST', url, headers },
        ),
      );
      r = await fetch(url, { method: 'POST', headers: partial, body });
      assert.equal(r.status, 401, 'required components must be covered');
      await r.body?.cancel();
    },
    (req) => ({ body: `${httpSignatureOf(req.native)?.keyId}:${req.body}` }),
  );
});

// ---- issue 12 item 5: signed requests are safe by default ----

const SILENT = process.env.RAMPART_SILENT;
process.env.RAMPART_SILENT = '1';
test.after(() => {
  if (SILENT === undefined) delete process.env.RAMPART_SILENT;
  else process.env.RAMPART_SILENT = SILENT;
});

test('RFC 9421 defaults: a signature over content-type for GET /status does not authorise DELETE /admin/users/1', async () => {
  const ed = generateKeyPairSync('ed25519');
  const keys = { k: { key: ed.publicKey, algorithm: 'ed25519' as const } };
  const signed = { method: 'GET', url: 'https://api.example/status', headers: { 'content-type': 'application/json' } as Record<string, string> };
  Object.assign(signed.headers, await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['content-type'] }, signed));
  const attack = { ...signed, method: 'DELETE', url: 'https://api.example/admin/users/1' };
  await rejectsWith(verifyHttpMessage({ keys }, attack), 'ERR_RAMPART_SIGNATURE_INVALID');
  await rejectsWith(verifyHttpMessage({ keys }, signed), 'ERR_RAMPART_SIGNATURE_INVALID');
  // @authority + @path without @query leaves the query open: not enough either.
  const noQuery = { method: 'GET', url: 'https://api.example/status', headers: {} as Record<string, string> };
  Object.assign(
    noQuery.headers,
    await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['@method', '@authority', '@path'] }, noQuery),
  );
  await rejectsWith(verifyHttpMessage({ keys }, { ...noQuery, url: 'https://api.example/status?delete=1' }), 'ERR_RAMPART_SIGNATURE_INVALID');
  // Either accepted spelling of the target verifies.
  for (const components of [
    ['@method', '@target-uri'],
    ['@method', '@authority', '@path', '@query'],
  ]) {
    const ok = { method: 'GET', url: 'https://api.example/status', headers: {} as Record<string, string> };
    Object.assign(ok.headers, await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components }, ok));
    assert.deepEqual(await verifyHttpMessage({ keys }, ok), { keyId: 'k' });
  }
});

test('RFC 9421 defaults: an exact replay is refused (ERR_RAMPART_SIGNATURE_REPLAY), also with a malleated ECDSA signature', async () => {
  const ed = generateKeyPairSync('ed25519');
  const keys = { k: { key: ed.publicKey, algorithm: 'ed25519' as const } };
  const message = { method: 'POST', url: 'https://api.example/pay', headers: {} as Record<string, string> };
  Object.assign(
    message.headers,
    await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['@method', '@target-uri'] }, message),
  );
  assert.deepEqual(await verifyHttpMessage({ keys }, message), { keyId: 'k' });
  await rejectsWith(verifyHttpMessage({ keys }, message), 'ERR_RAMPART_SIGNATURE_REPLAY');
  // Two separate requests with the same content are told apart by the signer's default nonce.
  const again = { method: 'POST', url: 'https://api.example/pay', headers: {} as Record<string, string> };
  Object.assign(again.headers, await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['@method', '@target-uri'] }, again));
  assert.deepEqual(await verifyHttpMessage({ keys }, again), { keyId: 'k' });
  // ECDSA: (r, n - s) is a second valid signature over the same content; still a replay.
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecKeys = { e: { key: ec.publicKey, algorithm: 'ecdsa-p256-sha256' as const } };
  const m2 = { method: 'POST', url: 'https://api.example/pay', headers: {} as Record<string, string> };
  Object.assign(
    m2.headers,
    await signHttpMessage({ key: ec.privateKey, keyId: 'e', algorithm: 'ecdsa-p256-sha256', components: ['@method', '@target-uri'] }, m2),
  );
  const store = memoryNonceStore();
  await verifyHttpMessage({ keys: ecKeys, nonceStore: store }, m2);
  const raw = Buffer.from(/:([^:]+):/.exec(m2.headers.signature!)![1]!, 'base64');
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  const malleated = Buffer.concat([raw.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
  const m3 = { ...m2, headers: { ...m2.headers, signature: `sig1=:${malleated.toString('base64')}:` } };
  await rejectsWith(verifyHttpMessage({ keys: ecKeys, nonceStore: store }, m3), 'ERR_RAMPART_SIGNATURE_REPLAY');
});

test('RFC 9421 defaults: a body needs a covered Content-Digest that matches it (RFC 9530)', async () => {
  const { contentDigest } = await import('./index.ts');
  const ed = generateKeyPairSync('ed25519');
  const keys = { k: { key: ed.publicKey, algorithm: 'ed25519' as const } };
  const body = '{"amount":5}';
  const noDigest = { method: 'POST', url: 'https://api.example/pay', headers: {} as Record<string, string>, body };
  Object.assign(
    noDigest.headers,
    await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['@method', '@target-uri'] }, noDigest),
  );
  await rejectsWith(verifyHttpMessage({ keys }, { ...noDigest, body: '{"amount":5000}' }), 'ERR_RAMPART_SIGNATURE_INVALID');
  const withDigest = { method: 'POST', url: 'https://api.example/pay', headers: { 'content-digest': contentDigest(body) } as Record<string, string>, body };
  Object.assign(
    withDigest.headers,
    await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['@method', '@target-uri', 'content-digest'] }, withDigest),
  );
  await rejectsWith(verifyHttpMessage({ keys }, { ...withDigest, body: '{"amount":5000}' }), 'ERR_RAMPART_SIGNATURE_INVALID');
  assert.deepEqual(await verifyHttpMessage({ keys }, withDigest), { keyId: 'k' });
  // A message that announces a body the caller did not pass cannot be checked: a config error, not a pass.
  const announced = { method: 'POST', url: 'https://api.example/pay', headers: { ...withDigest.headers, 'content-length': '12' } };
  await rejectsWith(verifyHttpMessage({ keys }, announced), 'ERR_RAMPART_CONFIG');
});

test('RFC 9421 relaxations are named options, announced once', async () => {
  const { configWarnings } = await import('../../core/events.ts');
  const { requireHttpSignature } = await import('./index.ts');
  const ed = generateKeyPairSync('ed25519');
  const keys = { k: { key: ed.publicKey, algorithm: 'ed25519' as const } };
  const message = { method: 'GET', url: 'https://api.example/status', headers: { 'content-type': 'text/plain' } as Record<string, string> };
  Object.assign(message.headers, await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', components: ['content-type'] }, message));
  const loose = { keys, allowPartialCoverage: true, allowReplay: true };
  assert.deepEqual(await verifyHttpMessage(loose, message), { keyId: 'k' });
  assert.deepEqual(await verifyHttpMessage(loose, message), { keyId: 'k' });
  requireHttpSignature(loose);
  const warnings = configWarnings().join('\n');
  assert.match(warnings, /allowPartialCoverage/);
  assert.match(warnings, /allowReplay/);
  assert.throws(
    () => requireHttpSignature({ keys, allowReplay: 'yes' as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('requireHttpSignature defaults through every adapter: cross-endpoint reuse, replay and body swap refused', async (t) => {
  const { requireHttpSignature, contentDigest } = await import('./index.ts');
  const ed = generateKeyPairSync('ed25519');
  const keys = { 'client-1': { key: ed.publicKey, algorithm: 'ed25519' as const } };
  await forEachAdapter(
    t,
    () => stack([requireHttpSignature({ keys })]),
    async (app) => {
      // A content-type-only signature made for GET /status, replayed on DELETE /admin/users/1.
      const status = { method: 'GET', url: `${app.url}/status`, headers: { 'content-type': 'application/json' } as Record<string, string> };
      Object.assign(
        status.headers,
        await signHttpMessage({ key: ed.privateKey, keyId: 'client-1', algorithm: 'ed25519', components: ['content-type'] }, status),
      );
      let r = await fetch(`${app.url}/admin/users/1`, { method: 'DELETE', headers: status.headers });
      assert.equal(r.status, 401, 'cross-endpoint reuse refused');
      assert.match(await r.text(), /ERR_RAMPART_SIGNATURE_INVALID/);
      // A complete signature is accepted once; the exact same request again is a replay.
      const body = JSON.stringify({ order: 42 });
      const url = `${app.url}/orders?x=1`;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-digest': contentDigest(body) };
      Object.assign(
        headers,
        await signHttpMessage(
          { key: ed.privateKey, keyId: 'client-1', algorithm: 'ed25519', components: ['@method', '@target-uri', 'content-digest'] },
          { method: 'POST', url, headers },
        ),
      );
      r = await fetch(url, { method: 'POST', headers, body });
      assert.equal(r.status, 200);
      await r.body?.cancel();
      r = await fetch(url, { method: 'POST', headers, body });
      assert.equal(r.status, 401, 'exact replay refused');
      assert.match(await r.text(), /ERR_RAMPART_SIGNATURE_REPLAY/);
      // A signature that does not cover the body: another body is refused.
      const bare: Record<string, string> = { 'content-type': 'application/json' };
      Object.assign(
        bare,
        await signHttpMessage(
          { key: ed.privateKey, keyId: 'client-1', algorithm: 'ed25519', components: ['@method', '@target-uri'] },
          { method: 'POST', url, headers: bare },
        ),
      );
      r = await fetch(url, { method: 'POST', headers: bare, body: body.replace('42', '43') });
      assert.equal(r.status, 401, 'a body without a covered content-digest is refused');
      await r.body?.cancel();
    },
  );
});

test('requireSignedRequest and verifyRequest refuse replays without a configured nonce store', async (t) => {
  const headers = signRequest({ secret: SECRET, method: 'GET', path: '/replay-default' });
  await verifyRequest({ secret: SECRET, method: 'GET', path: '/replay-default', headers });
  await rejectsWith(verifyRequest({ secret: SECRET, method: 'GET', path: '/replay-default', headers }), 'ERR_RAMPART_SIGNATURE_REPLAY');
  await forEachAdapter(
    t,
    () => stack([requireSignedRequest({ secret: SECRET })]),
    async (app) => {
      const signed = signRequest({ secret: SECRET, method: 'POST', path: '/api/pay', body: 'x=1' });
      let r = await fetch(`${app.url}/api/pay`, { method: 'POST', headers: signed, body: 'x=1' });
      assert.equal(r.status, 200);
      await r.body?.cancel();
      r = await fetch(`${app.url}/api/pay`, { method: 'POST', headers: signed, body: 'x=1' });
      assert.equal(r.status, 401, 'replay refused by the default nonce store');
      assert.match(await r.text(), /ERR_RAMPART_SIGNATURE_REPLAY/);
    },
  );
  const { configWarnings } = await import('../../core/events.ts');
  requireSignedRequest({ secret: SECRET, allowReplay: true } as never);
  assert.match(configWarnings().join('\n'), /requireSignedRequest\.allowReplay/);
});

test('memoryNonceStore is bounded and fails closed when full of live entries', async () => {
  const store = memoryNonceStore({ max: 2 });
  assert.equal(await store.add('a', 60), true);
  assert.equal(await store.add('b', 0.001), true);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(await store.add('c', 60), true, 'an expired entry makes room');
  await assert.rejects(store.add('d', 60), 'full of live entries: refuse instead of forgetting one (that would re-open a replay)');
  assert.equal(await store.add('a', 60), false, 'a live entry is still known');
});
