/**
 * Many planted token cookies (black-box pass 7A): 16 junk `csrf_token` cookies in front of
 * the user's own gave 403, although planted cookies are not supposed to lock users out.
 * Values that cannot be a token are skipped without counting, and every well-formed one
 * that fits in the Cookie header is compared with the submitted token (no HMAC per cookie,
 * so the count costs no signature checks).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { csrf } from './index.ts';
import { MASKED_LENGTH, TokenSigner, maskToken } from './token.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter, type RunningApp } from '../../test/helpers/adapters.ts';
import { nodeCrypto } from '../core/builtin.ts';

process.env.RAMPART_SILENT = '1';

const SECRET = 'bWFueS1wbGFudGVkLWNvb2tpZXMtc2hvdWxkLW5vdC1sb2NrLW91dA';
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

async function cookieToken(app: RunningApp, cookie?: string): Promise<string | undefined> {
  const r = await fetch(`${app.url}/form`, { headers: cookie === undefined ? {} : { cookie } });
  await r.arrayBuffer();
  const line = r.headers.getSetCookie().find((l) => l.startsWith('csrf_token='));
  return line?.slice('csrf_token='.length).split(';')[0];
}

async function post(app: RunningApp, cookie: string, token: string, asForm = false): Promise<{ status: number; reason: string }> {
  const headers: Record<string, string> = { ...SAME_ORIGIN, cookie };
  let body: string | null = null;
  if (asForm) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = `_csrf_token=${encodeURIComponent(token)}`;
  } else headers['x-csrf-token'] = token;
  const r = await fetch(`${app.url}/submit`, { method: 'POST', headers, body });
  const text = await r.text();
  return { status: r.status, reason: r.status === 403 ? ((JSON.parse(text) as { reason: string }).reason ?? '') : '' };
}

/** `n` cookies named csrf_token with the given values. */
const planted = (values: readonly string[]): string => values.map((v) => `csrf_token=${v}`).join('; ');
const malformed = (n: number): string[] => Array.from({ length: n }, (_, i) => `junk${i}`);
/** Values shaped like a masked token (171 base64url characters) that no key signed. */
const unsigned = (n: number): string[] => Array.from({ length: n }, () => nodeCrypto().randomBytes(128).toString('base64url'));
const foreign = new TokenSigner([Buffer.from('a-secret-the-attacker-holds-of-32-bytes!')]);
const attackerSigned = (n: number): string[] => Array.from({ length: n }, () => maskToken(foreign.issue('')));

test("every adapter: planted csrf_token cookies in front of the user's own do not lock the user out, however many fit in the header", async (t) => {
  assert.equal(unsigned(1)[0]!.length, MASKED_LENGTH);
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: SECRET })], { events: { emit() {} } }),
    async (app) => {
      const mine = (await cookieToken(app))!;
      const fronts: Array<[string, string[]]> = [
        ['16 malformed', malformed(16)],
        ['300 malformed', malformed(300)],
        ['60 unsigned well-formed', unsigned(60)],
        ['60 signed with another key', attackerSigned(60)],
        ['40 malformed and 40 unsigned', [...malformed(40), ...unsigned(40)]],
      ];
      for (const [name, values] of fronts) {
        const cookie = `${planted(values)}; csrf_token=${mine}`;
        assert.deepEqual(await post(app, cookie, mine), { status: 200, reason: '' }, `${name}: header`);
        assert.deepEqual(await post(app, cookie, mine, true), { status: 200, reason: '' }, `${name}: form field`);
        // Submitting a planted value still never passes.
        assert.equal((await post(app, cookie, values[values.length - 1]!)).status, 403, `${name}: a planted value submitted`);
      }
      // Nothing but planted cookies: refused, with the reason the single cookie would get.
      assert.deepEqual(await post(app, planted(malformed(20)), 'junk1'), { status: 403, reason: 'bad signature' });
      assert.deepEqual(await post(app, planted(unsigned(20)), mine), { status: 403, reason: 'bad signature' });
    },
  );
});

test('every adapter: a page rendered while 60 planted cookies sit in front of the token cookie can still be submitted', async (t) => {
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: SECRET })], { events: { emit() {} } }),
    async (app) => {
      const mine = (await cookieToken(app))!;
      const front = planted([...malformed(30), ...unsigned(60)]);
      // The safe request either keeps the user's cookie or issues a fresh one (which replaces it).
      const fresh = await cookieToken(app, `${front}; csrf_token=${mine}`);
      const current = fresh ?? mine;
      assert.deepEqual(await post(app, `${front}; csrf_token=${current}`, current), { status: 200, reason: '' });
    },
  );
});
