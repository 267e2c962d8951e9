import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { signHttpMessage, verifyHttpMessage, requireHttpSignature } from './index.ts';
import { isRampartError, type RampartErrorCode } from '../../errors.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';

const ed = generateKeyPairSync('ed25519');
const keys = { k: { key: ed.publicKey, algorithm: 'ed25519' as const } };

/** A GET signed by a signer whose clock is `offset` seconds ahead of ours (negative: behind). */
async function signedAt(offset: number, url = 'https://api.example/x'): Promise<{ method: string; url: string; headers: Record<string, string> }> {
  const m = { method: 'GET', url, headers: {} as Record<string, string> };
  Object.assign(m.headers, await signHttpMessage({ key: ed.privateKey, keyId: 'k', algorithm: 'ed25519', created: Math.floor(Date.now() / 1000) + offset }, m));
  return m;
}

async function rejectsWith(p: Promise<unknown>, code: RampartErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => isRampartError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));
}

test('RFC 9421 created slightly in the future (a signer clock 1–2 s ahead) verifies within the default clock tolerance', async () => {
  assert.deepEqual(await verifyHttpMessage({ keys }, await signedAt(1)), { keyId: 'k' });
  assert.deepEqual(await verifyHttpMessage({ keys }, await signedAt(2)), { keyId: 'k' });
});

test('RFC 9421 created far in the future is ERR_RAMPART_SIGNATURE_NOT_YET_VALID, not "too old"; clockTolerance sets the allowance', async () => {
  await rejectsWith(verifyHttpMessage({ keys }, await signedAt(60)), 'ERR_RAMPART_SIGNATURE_NOT_YET_VALID');
  await rejectsWith(verifyHttpMessage({ keys, clockTolerance: 0 }, await signedAt(60)), 'ERR_RAMPART_SIGNATURE_NOT_YET_VALID');
  assert.deepEqual(await verifyHttpMessage({ keys, clockTolerance: 120 }, await signedAt(60)), { keyId: 'k' });
  // an old signature is still expired, whatever the tolerance for the future
  await rejectsWith(verifyHttpMessage({ keys, clockTolerance: 120 }, await signedAt(-400)), 'ERR_RAMPART_SIGNATURE_EXPIRED');
  for (const bad of [-1, 301, Number.NaN, '5']) {
    assert.throws(
      () => requireHttpSignature({ keys, clockTolerance: bad as number }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
    );
  }
});

test('requireHttpSignature through every adapter: a future signature answers 401 with ERR_RAMPART_SIGNATURE_NOT_YET_VALID; clockTolerance applies', async (t) => {
  await forEachAdapter(
    t,
    () => stack([requireHttpSignature({ keys, clockTolerance: 30 })]),
    async (app) => {
      let m = await signedAt(10, `${app.url}/orders`);
      let r = await fetch(m.url, { headers: m.headers });
      assert.equal(r.status, 200, 'within clockTolerance');
      await r.body?.cancel();
      m = await signedAt(120, `${app.url}/orders`);
      r = await fetch(m.url, { headers: m.headers });
      assert.equal(r.status, 401);
      assert.match(await r.text(), /ERR_RAMPART_SIGNATURE_NOT_YET_VALID/);
    },
  );
});
