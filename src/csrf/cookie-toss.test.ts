/**
 * Cookie tossing (black-box pass 6A): with `hostPrefix` off a sibling subdomain can plant a
 * `csrf_token` cookie with a longer Path, which the browser sends before the user's own. Every
 * well-formed token cookie is checked (planted-many.test.ts), so the planted one no longer locks the user out, and a
 * planted cookie never makes a request pass that its own check would refuse.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { csrf } from './index.ts';
import { TokenSigner, maskToken, unmaskToken } from './token.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter, type RunningApp } from '../../test/helpers/adapters.ts';
import type { SecurityEventRecord } from '../core/types.ts';

process.env.RAMPART_SILENT = '1';

const SECRET = 'Y29va2llLXRvc3Npbmctc2hvdWxkLW5vdC1sb2NrLXVzZXJzLW91dA';
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

/** The token a GET hands out in its csrf_token cookie (masked). */
async function cookieToken(app: RunningApp, headers: Record<string, string> = {}): Promise<string> {
  const r = await fetch(`${app.url}/form`, { headers });
  await r.arrayBuffer();
  const line = r.headers.getSetCookie().find((l) => l.startsWith('csrf_token='));
  assert.ok(line, 'a token cookie is issued on GET');
  return line.slice('csrf_token='.length).split(';')[0]!;
}

async function post(app: RunningApp, cookie: string, token: string | undefined, body?: string): Promise<{ status: number; reason: string }> {
  const headers: Record<string, string> = { ...SAME_ORIGIN, cookie };
  if (token !== undefined) headers['x-csrf-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const r = await fetch(`${app.url}/submit`, { method: 'POST', headers, body: body ?? null });
  const text = await r.text();
  return { status: r.status, reason: r.status === 403 ? ((JSON.parse(text) as { reason: string }).reason ?? '') : '' };
}

test("every adapter: a planted csrf_token sent before the user's own cookie does not lock the user out (header and form field)", async (t) => {
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: SECRET })], { events: { emit: (r) => void events.push(r) } }),
    async (app) => {
      const mine = await cookieToken(app);
      const forged = maskToken(new TokenSigner([Buffer.from('some-other-secret-the-attacker-holds-32b')]).issue(''));
      for (const planted of ['junk', forged, `${mine.slice(0, -2)}AA`]) {
        const cookie = `csrf_token=${planted}; csrf_token=${mine}`;
        assert.equal((await post(app, cookie, mine)).status, 200, `planted ${planted.slice(0, 12)}…: header`);
        assert.equal((await post(app, cookie, undefined, `_csrf_token=${encodeURIComponent(mine)}`)).status, 200, 'form field');
      }
      // Several planted cookies (one per Path the attacker could use) before the user's.
      const many = Array.from({ length: 12 }, (_, i) => `csrf_token=junk${i}`).join('; ');
      assert.equal((await post(app, `${many}; csrf_token=${mine}`, mine)).status, 200, 'twelve planted cookies');
      // A safe request keeps the user's valid cookie rather than issuing another one.
      const get = await fetch(`${app.url}/form`, { headers: { cookie: `csrf_token=junk; csrf_token=${mine}` } });
      await get.arrayBuffer();
      assert.equal(get.headers.getSetCookie().filter((l) => l.startsWith('csrf_token=')).length, 0, 'no new token cookie');
    },
  );
});

test('every adapter: with several token cookies, a request passes only when one of them verifies and matches the submitted token', async (t) => {
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: SECRET })], { events: { emit() {} } }),
    async (app) => {
      const mine = await cookieToken(app);
      const other = await cookieToken(app);
      assert.notEqual(unmaskToken(mine), unmaskToken(other));
      // The submitted token must equal a cookie that verifies: another valid token does not pass.
      assert.deepEqual(await post(app, `csrf_token=junk; csrf_token=${mine}`, other), { status: 403, reason: 'token mismatch' });
      // Submitting the planted (unsigned) value itself never passes.
      assert.deepEqual(await post(app, `csrf_token=junk; csrf_token=${mine}`, 'junk'), { status: 403, reason: 'token mismatch' });
      assert.deepEqual(await post(app, 'csrf_token=junk; csrf_token=junk2', 'junk'), { status: 403, reason: 'bad signature' });
      assert.deepEqual(await post(app, `csrf_token=junk; csrf_token=${mine}`, undefined), { status: 403, reason: 'missing token' });
      assert.deepEqual(await post(app, 'csrf_token=; other=1', mine), { status: 403, reason: 'missing token' });
    },
  );
});

test("every adapter: with sessionId, an attacker's own signed token planted beside the victim's cookie is refused", async (t) => {
  const sessionId = (req: { cookie(n: string): string | undefined }) => req.cookie('sid');
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: SECRET, sessionId })], { events: { emit() {} } }),
    async (app) => {
      const attackers = await cookieToken(app, { cookie: 'sid=attacker' });
      const victims = await cookieToken(app, { cookie: 'sid=victim' });
      const cookie = `sid=victim; csrf_token=${attackers}; csrf_token=${victims}`;
      // A cross-site form can only carry the attacker's token: refused, as with the attacker's cookie alone.
      assert.deepEqual(await post(app, cookie, attackers), { status: 403, reason: 'token mismatch' });
      assert.deepEqual(await post(app, `sid=victim; csrf_token=${attackers}`, attackers), { status: 403, reason: 'bad signature' });
      // The victim's own page still works with the planted cookie in front.
      assert.equal((await post(app, cookie, victims)).status, 200);
    },
  );
});
