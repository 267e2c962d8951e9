import test from 'node:test';
import assert from 'node:assert/strict';
import { rampart } from '../preset.ts';
import { csrf } from './index.ts';
import { forEachAdapter, type RunningApp } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

process.env.RAMPART_SILENT = '1';

const SECRET = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';
const PARTNER = 'https://partner.example';

/** A cross-site form POST from the partner's page, as a browser sends it. */
async function partnerFormPost(app: RunningApp): Promise<{ status: number; reason: unknown }> {
  const r = await fetch(`${app.url}/transfer`, {
    method: 'POST',
    headers: { origin: PARTNER, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'to=attacker&amount=1000',
  });
  const text = await r.text();
  let reason: unknown;
  try {
    reason = JSON.parse(text).reason;
  } catch {
    reason = undefined;
  }
  return { status: r.status, reason };
}

test('preset: the CORS allowlist is not trusted by CSRF (a cross-site form POST from a CORS origin is refused)', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ cors: { origins: [PARTNER] }, log: false }),
    async (app) => {
      const r = await partnerFormPost(app);
      assert.equal(r.status, 403, "CORS lets the partner read, not write with the user's cookies");
      assert.equal(r.reason, 'cross-site request');
    },
  );
  // The same with tokens on (mode 'both').
  await forEachAdapter(
    t,
    () => rampart({ cors: { origins: [PARTNER], allowCredentials: true }, csrf: { secret: SECRET }, log: false }),
    async (app) => {
      const r = await partnerFormPost(app);
      assert.equal(r.status, 403);
      assert.equal(r.reason, 'cross-site request');
    },
  );
});

test('preset: listing the origin in csrf.trustedOrigins lets it through the origin layer', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ cors: { origins: [PARTNER] }, csrf: { trustedOrigins: [PARTNER] }, log: false }),
    async (app) => {
      const r = await partnerFormPost(app);
      assert.equal(r.status, 200, JSON.stringify(r));
      // Another cross-site origin stays refused.
      const other = await fetch(`${app.url}/transfer`, {
        method: 'POST',
        headers: { origin: 'https://other.example', 'sec-fetch-site': 'cross-site' },
        body: 'x',
      });
      assert.equal(other.status, 403);
      await other.arrayBuffer();
    },
  );
});

test('csrf.corsOrigins is gone: it is refused with a message naming csrf.trustedOrigins', () => {
  assert.throws(
    () => csrf({ secret: SECRET, corsOrigins: [PARTNER] } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /trustedOrigins/.test((e as Error).message),
  );
});
