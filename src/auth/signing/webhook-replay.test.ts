import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { requireWebhook, signWebhook, verifyWebhook, memoryNonceStore, type NonceStore } from './index.ts';
import { isRampartError } from '../../errors.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type RunningApp } from '../../../test/helpers/adapters.ts';

const SECRET = 'Zq3vT9xLm2Pw8Rk4Ys7Nb1Hc6Jd0Fg5A';
const STANDARD_SECRET = `whsec_${Buffer.from(SECRET).toString('base64')}`;
const BODY = '{"action":"paid","amount":100}';

async function post(app: RunningApp, headers: Record<string, string>, body = BODY): Promise<string> {
  const r = await fetch(`${app.url}/hook`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  const text = await r.text();
  return r.status === 401 ? `401 ${/ERR_RAMPART_[A-Z_]+/.exec(text)?.[0]}` : String(r.status);
}

function githubHeaders(body = BODY): Record<string, string> {
  return { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
}

function stripeHeader(t: number, body = BODY): string {
  return `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
}

const REPLAY = '401 ERR_RAMPART_SIGNATURE_REPLAY';

for (const store of ['a nonceStore', 'no nonceStore (the default)'] as const) {
  const options = (): { nonceStore?: NonceStore } => (store === 'a nonceStore' ? { nonceStore: memoryNonceStore() } : {});

  test(`requireWebhook with ${store}, GitHub: a delivery is refused again whatever X-GitHub-Delivery says (the key is the signed body)`, async (t) => {
    await forEachAdapter(
      t,
      () => stack([requireWebhook({ provider: 'github', secret: SECRET, ...options() })]),
      async (app) => {
        assert.equal(await post(app, { ...githubHeaders(), 'x-github-delivery': 'd-1' }), '200');
        assert.equal(await post(app, { ...githubHeaders(), 'x-github-delivery': 'd-1' }), REPLAY, 'same delivery id');
        assert.equal(await post(app, { ...githubHeaders(), 'x-github-delivery': 'd-2' }), REPLAY, 'new delivery id');
        assert.equal(await post(app, githubHeaders()), REPLAY, 'no delivery id');
        const sig = githubHeaders()['x-hub-signature-256']!;
        assert.equal(await post(app, { 'x-hub-signature-256': sig.toUpperCase().replace('SHA256=', 'sha256=') }), REPLAY, 'upper-case hex');
        const other = '{"action":"paid","amount":101}';
        assert.equal(await post(app, { ...githubHeaders(other), 'x-github-delivery': 'd-3' }, other), '200', 'another body is another delivery');
      },
    );
  });

  test(`requireWebhook with ${store}, Stripe: rewritten Stripe-Signature headers are replays; a retry with a new timestamp is not`, async (t) => {
    await forEachAdapter(
      t,
      () => stack([requireWebhook({ provider: 'stripe', secret: SECRET, ...options() })]),
      async (app) => {
        const now = Math.floor(Date.now() / 1000);
        const header = stripeHeader(now);
        const v1 = header.slice(header.indexOf('v1=') + 3);
        assert.equal(await post(app, { 'stripe-signature': header }), '200');
        assert.equal(await post(app, { 'stripe-signature': header }), REPLAY, 'identical');
        assert.equal(await post(app, { 'stripe-signature': `${header},v1=00` }), REPLAY, 'extra v1');
        assert.equal(await post(app, { 'stripe-signature': `t=${now}, v1=${v1}` }), REPLAY, 'space after the comma');
        assert.equal(await post(app, { 'stripe-signature': `t=${now},v1=${v1.toUpperCase()}` }), REPLAY, 'upper-case hex');
        assert.equal(await post(app, { 'stripe-signature': `v1=${v1},t=${now}` }), REPLAY, 'reordered');
        assert.equal(await post(app, { 'stripe-signature': stripeHeader(now - 1) }), '200', 'a retry is signed anew with its own timestamp');
      },
    );
  });

  test(`requireWebhook with ${store}, Standard Webhooks: svix-* names and extra signatures are replays; a new attempt is not`, async (t) => {
    await forEachAdapter(
      t,
      () => stack([requireWebhook({ provider: 'standard', secret: STANDARD_SECRET, ...options() })]),
      async (app) => {
        const now = Math.floor(Date.now() / 1000);
        const sw = signWebhook({ secret: STANDARD_SECRET, id: 'msg_1', body: BODY, timestamp: now });
        assert.equal(await post(app, sw), '200');
        assert.equal(await post(app, sw), REPLAY, 'identical');
        const svix = { 'svix-id': sw['webhook-id'], 'svix-timestamp': sw['webhook-timestamp'], 'svix-signature': sw['webhook-signature'] };
        assert.equal(await post(app, svix), REPLAY, 'svix-* header names');
        assert.equal(await post(app, { ...sw, 'webhook-signature': `${sw['webhook-signature']} v1,AAAA` }), REPLAY, 'extra signature');
        const retry = signWebhook({ secret: STANDARD_SECRET, id: 'msg_1', body: BODY, timestamp: now - 1 });
        assert.equal(await post(app, retry), '200', 'a retry carries a new timestamp and signature');
      },
    );
  });
}

test('requireWebhook: allowReplay: true is the explicit opt-out, announced once; it contradicts nonceStore', async () => {
  const { configWarnings } = await import('../../core/events.ts');
  const shield = stack([requireWebhook({ provider: 'stripe', secret: SECRET, allowReplay: true })]);
  const handler = shield.fetch(() => new Response('ok'));
  const header = stripeHeader(Math.floor(Date.now() / 1000));
  const send = () => handler(new Request('https://h.example/hook', { method: 'POST', headers: { 'stripe-signature': header }, body: BODY }));
  assert.equal((await send()).status, 200);
  assert.equal((await send()).status, 200);
  assert.match(configWarnings().join('\n'), /requireWebhook\.allowReplay/);
  await shield.close();
  assert.throws(
    () => requireWebhook({ provider: 'stripe', secret: SECRET, allowReplay: true, nonceStore: memoryNonceStore() }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => requireWebhook({ provider: 'stripe', secret: SECRET, replayWindow: 60 }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /github/.test((e as Error).message),
  );
});

test('verifyWebhook returns the replay key (what the signature covers) and how long to keep it', () => {
  const now = Math.floor(Date.now() / 1000);
  const header = stripeHeader(now);
  const a = verifyWebhook({ provider: 'stripe', secret: SECRET, body: BODY, headers: { 'stripe-signature': header }, time: now });
  const b = verifyWebhook({
    provider: 'stripe',
    secret: SECRET,
    body: BODY,
    headers: { 'stripe-signature': `${header.toUpperCase().replace('T=', 't=').replace('V1=', 'v1=')},v1=00` },
    time: now,
  });
  assert.equal(a.replayKey, b.replayKey);
  assert.ok(a.replayTtl > 300 && a.replayTtl <= 302, String(a.replayTtl));
  const c = verifyWebhook({ provider: 'stripe', secret: SECRET, body: BODY, headers: { 'stripe-signature': stripeHeader(now - 1) }, time: now });
  assert.notEqual(a.replayKey, c.replayKey);
  const g = verifyWebhook({ provider: 'github', secret: SECRET, body: BODY, headers: githubHeaders(), replayWindow: 600 });
  assert.equal(g.replayTtl, 600);
  assert.doesNotMatch(g.replayKey, new RegExp(SECRET));
});
