/**
 * Case-insensitive routers lower-case (or upper-case) with Unicode rules: Fastify's
 * `caseSensitive: false` turns `/api/%E2%84%AAeys` (U+212A KELVIN SIGN) into `/api/keys`
 * and runs that route. The canonical path must read every such path as the router does,
 * so a rule on `/api/keys/` or `/checkout` covers it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { canonicalPath } from './canonical.ts';
import { stack } from '../stack/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { requireSignedRequest } from '../auth/signing/hmac-request.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

const SECRET = 'signing-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';
const KELVIN = '%E2%84%AA'; // U+212A, lower-cases to "k"

/** Every code point whose lower- or upper-case form holds an ASCII character. */
function casesOntoAscii(): string[] {
  const found: string[] = [];
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (/[\0-\x7f]/.test(c.toLowerCase()) || /[\0-\x7f]/.test(c.toUpperCase())) found.push(c);
  }
  return found;
}

test('canonicalPath: a character that lower- or upper-cases into ASCII reads as the router reads it', () => {
  const chars = casesOntoAscii();
  assert.ok(chars.includes('\u212a') && chars.includes('\u0130') && chars.includes('\u017f'), 'the loop finds K, İ and ſ');
  for (const c of chars) {
    const sent = canonicalPath(`/x${encodeURIComponent(c)}y`).path;
    for (const routed of [c.toLowerCase(), c.toUpperCase()]) {
      const reading = canonicalPath(`/x${encodeURIComponent(routed)}y`).path;
      assert.equal(sent, reading, `U+${c.codePointAt(0)!.toString(16)} read as ${JSON.stringify(routed)}`);
    }
    // Unencoded (a rule entry, or a runtime that hands decoded paths) reads the same.
    assert.equal(canonicalPath(`/x${c}y`).path, sent);
  }
  assert.equal(canonicalPath(`/api/${KELVIN}eys/list`).path, '/api/keys/list');
  assert.equal(canonicalPath(`/CHEC${KELVIN}OUT`).path, '/checkout');
  assert.equal(canonicalPath('/chec\u212aout').path, '/checkout');
  assert.equal(canonicalPath('/%C5%BFecret').path, '/secret'); // ſ upper-cases to S
  assert.equal(canonicalPath('/adm%C4%B0n').path, '/admi\u0307n'); // İ lower-cases to i + U+0307
  assert.equal(canonicalPath('/CAF%C3%89').path, '/café'); // non-ASCII letters too: a router lower-cases them
  // Final sigma is contextual in toLowerCase; the canonical path is not.
  assert.equal(canonicalPath('/%CE%A3').path, canonicalPath('/%CF%82').path);
  assert.equal(canonicalPath('/login').path, '/login');
});

function makeShield() {
  return stack([
    rateLimit({ maxRequests: 1000, window: 60, rules: [{ match: { method: 'POST', path: '/checkout' }, maxRequests: 2, window: 60 }] }),
    requireSignedRequest({ secret: SECRET, paths: '/api/keys/' }),
  ]);
}

test('a path rule covers the Unicode case variants of its path through every adapter', async (t) => {
  await forEachAdapter(t, makeShield, async (app) => {
    const unsigned = await fetch(`${app.url}/api/${KELVIN}eys/list`);
    assert.equal(unsigned.status, 401, `${app.adapter}: unsigned /api/<KELVIN>eys/list`);
    const statuses: number[] = [];
    for (const path of ['/checkout', '/checkout', `/chec${KELVIN}out`, `/CHEC${KELVIN}OUT`, `/chec${KELVIN}out/`]) {
      const r = await fetch(`${app.url}${path}`, { method: 'POST', body: 'x' });
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [200, 200, 429, 429, 429], `${app.adapter}: the /checkout rule counts every variant`);
  });
});

for (const options of [{ caseSensitive: false }, { routerOptions: { caseSensitive: false } }]) {
  test(`Fastify ${JSON.stringify(options)}: a signed path and a rate-limit rule cover the Kelvin-sign variant`, async () => {
    const shield = makeShield();
    const app = Fastify(options as never);
    await app.register(shield.fastify());
    app.get('/api/keys/list', async () => 'SECRET-KEY-LIST');
    app.post('/checkout', async () => 'CHECKOUT');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      for (const path of [`/api/${KELVIN}eys/list`, `/API/${KELVIN}EYS/list`]) {
        const r = await fetch(url + path);
        const body = await r.text();
        assert.equal(r.status, 401, `${path}: ${body}`);
        assert.ok(!body.includes('SECRET-KEY-LIST'));
      }
      const handled: string[] = [];
      for (const path of ['/checkout', `/chec${KELVIN}out`, `/CHEC${KELVIN}OUT`, `/chec${KELVIN}out`]) {
        const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
        if ((await r.text()) === 'CHECKOUT') handled.push(path);
      }
      assert.equal(handled.length, 2, `the rule allows 2 checkouts, the handler ran for ${handled.join(', ')}`);
    } finally {
      await app.close();
      await shield.close();
    }
  });
}
