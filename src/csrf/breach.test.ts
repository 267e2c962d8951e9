/**
 * BREACH (issue 12 item 13): the CSRF token must never repeat on the wire. Every response
 * carries a freshly masked token (pad || pad XOR token) that still verifies; the raw token
 * never appears in a response, so a compression-length oracle has nothing stable to find.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { csrf, csrfToken, type CsrfOptions } from './index.ts';
import { TokenSigner } from './token.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter, serve, type RunningApp, type TestApp } from '../../test/helpers/adapters.ts';

process.env.RAMPART_SILENT = '1';

const SECRET = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';

/** An HTML page with the token in a form field, as templates render it. */
const page: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<form method="post"><input type="hidden" name="_csrf_token" value="${csrfToken(req.native) ?? ''}"></form>`,
});

const shieldOf =
  (options: Partial<CsrfOptions> = {}) =>
  () =>
    stack([csrf({ secret: SECRET, ...options })], { events: { emit() {} } });

/** GET a page: the token in its form field and the token cookie it set (if any). */
async function load(app: RunningApp, cookie?: string): Promise<{ token: string; setCookie: string | undefined }> {
  const r = await fetch(`${app.url}/page`, { headers: cookie === undefined ? {} : { cookie } });
  const html = await r.text();
  const token = /name="_csrf_token" value="([^"]*)"/.exec(html)?.[1];
  assert.ok(token, `the page carries a token: ${html}`);
  const line = r.headers.getSetCookie().find((l) => l.startsWith('csrf_token='));
  return { token, setCookie: line?.split(';')[0]?.slice('csrf_token='.length) };
}

async function post(app: RunningApp, cookie: string, how: { header?: string; field?: string }): Promise<{ status: number; reason: unknown }> {
  const headers: Record<string, string> = { cookie, 'content-type': 'application/x-www-form-urlencoded' };
  if (how.header !== undefined) headers['x-csrf-token'] = how.header;
  const body = how.field === undefined ? 'a=1' : `a=1&_csrf_token=${encodeURIComponent(how.field)}`;
  const r = await fetch(`${app.url}/submit`, { method: 'POST', headers, body });
  const text = await r.text();
  let reason: unknown;
  try {
    reason = JSON.parse(text).reason;
  } catch {
    reason = undefined;
  }
  return { status: r.status, reason };
}

test('BREACH: two responses of the same session carry different token strings, and both verify', async (t) => {
  await forEachAdapter(
    t,
    shieldOf(),
    async (app) => {
      const first = await load(app);
      assert.ok(first.setCookie, 'the first page sets the token cookie');
      const cookie = `csrf_token=${first.setCookie}`;
      const second = await load(app, cookie);
      const third = await load(app, cookie);
      assert.equal(second.setCookie, undefined, 'a valid cookie is kept');
      assert.notEqual(second.token, third.token, 'each response carries its own string');
      assert.notEqual(second.token, first.token);
      assert.notEqual(second.token, first.setCookie, 'the page token is not the cookie value');
      for (const token of [first.token, second.token, third.token]) {
        assert.match(token, /^[A-Za-z0-9_-]+$/, 'base64url: safe in HTML, headers and cookies unescaped');
        assert.equal((await post(app, cookie, { header: token })).status, 200, 'header');
        assert.equal((await post(app, cookie, { field: token })).status, 200, 'form field');
      }
    },
    page,
  );
});

test('BREACH: a tampered wire token fails', async (t) => {
  await forEachAdapter(
    t,
    shieldOf(),
    async (app) => {
      const first = await load(app);
      const cookie = `csrf_token=${first.setCookie}`;
      const { token } = await load(app, cookie);
      const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const positions = [0, 1, Math.floor(token.length / 2) - 1, Math.floor(token.length / 2) + 1, token.length - 2, token.length - 1];
      for (const bad of [...positions.map((i) => flip(token, i)), token.slice(0, -1), `${token}A`, token.toUpperCase(), `${token.slice(1)}${token[0]}`]) {
        const r = await post(app, cookie, { header: bad });
        assert.equal(r.status, 403, bad);
        assert.equal(r.reason, 'token mismatch', bad);
      }
    },
    page,
  );
});

test('BREACH: a wire token from another session fails', async (t) => {
  const sessionId = (req: { cookie(n: string): string | undefined }) => req.cookie('sid');
  await forEachAdapter(
    t,
    shieldOf({ sessionId }),
    async (app) => {
      const attacker = await load(app, 'sid=attacker');
      const victim = await load(app, 'sid=victim');
      const victimCookie = `sid=victim; csrf_token=${victim.setCookie}`;
      // The attacker's masked token against the victim's cookie.
      const r = await post(app, victimCookie, { header: attacker.token });
      assert.equal(r.status, 403);
      assert.equal(r.reason, 'token mismatch');
      // The attacker's cookie and token planted in the victim's session.
      const planted = await post(app, `sid=victim; csrf_token=${attacker.setCookie}`, { header: attacker.token });
      assert.equal(planted.status, 403);
      assert.equal(planted.reason, 'bad signature');
      // The attacker's own pair in the attacker's session, and the victim's in theirs, pass.
      assert.equal((await post(app, `sid=attacker; csrf_token=${attacker.setCookie}`, { header: attacker.token })).status, 200);
      assert.equal((await post(app, victimCookie, { field: (await load(app, victimCookie)).token })).status, 200);
    },
    page,
  );
});

test('BREACH: unmasked tokens issued before masking (cookie and header) still verify', async (t) => {
  const raw = new TokenSigner([SECRET]).issue('');
  await forEachAdapter(
    t,
    shieldOf(),
    async (app) => {
      const cookie = `csrf_token=${raw}`;
      assert.equal((await post(app, cookie, { header: raw })).status, 200, 'raw header, raw cookie');
      const { token, setCookie } = await load(app, cookie);
      assert.equal(setCookie, undefined, 'an old valid cookie is kept');
      assert.equal((await post(app, cookie, { field: token })).status, 200, 'masked field, raw cookie');
      const other = new TokenSigner([SECRET]).issue('');
      assert.equal((await post(app, cookie, { header: other })).status, 403, 'another raw token');
    },
    page,
  );
});

test('BREACH: for one secret token, N wire tokens are all distinct, none contains the raw token, and a compression oracle learns nothing', async () => {
  const raw = new TokenSigner([SECRET]).issue('');
  const shield = shieldOf()();
  const app = await serve('node', shield, page);
  try {
    const N = 300;
    const wire: string[] = [];
    for (let i = 0; i < N; i++) {
      const { token, setCookie } = await load(app, `csrf_token=${raw}`);
      assert.equal(setCookie, undefined);
      wire.push(token);
    }
    assert.equal(new Set(wire).size, N, 'every response carries a different string');
    // No 8-character window of the raw token (either half, the separator) appears on the wire.
    for (const token of wire) {
      for (let i = 0; i + 8 <= raw.length; i++) assert.equal(token.includes(raw.slice(i, i + 8)), false, `raw window ${i} leaked`);
    }

    // The oracle, modelled: the attacker reflects a guess next to the secret and watches the
    // compressed length. With the raw token in the body, the right guess compresses to fewer
    // bytes (one back-reference for 24 characters); with masked tokens it gains nothing.
    const size = (secret: string, guess: string) => deflateRawSync(`<input name="_csrf_token" value="${secret}"><p>You searched for ${guess}</p>`).length;
    const right = raw.slice(0, 24);
    const wrong = [...right].reverse().join('');
    assert.ok(size(raw, right) + 8 <= size(raw, wrong), 'the model detects the unmasked token');
    let gain = 0;
    for (const token of wire) {
      const d = size(token, wrong) - size(token, right);
      assert.ok(d < 4, `a masked response leaked a long match (${d} bytes)`);
      gain += d;
    }
    assert.ok(Math.abs(gain) < N / 10, `no systematic gain for the right guess over ${N} responses (total ${gain} bytes)`);
  } finally {
    await app.close();
    await shield.close();
  }
});
