import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { signHttpMessage, verifyHttpMessage, requireHttpSignature } from './index.ts';
import { isRampartError } from '../../errors.ts';

const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = ed.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const message = () => ({ method: 'GET', url: 'https://api.example/orders', headers: {} as Record<string, string> });

/** Public (or asymmetric) key material that must never serve as an HMAC secret. */
const NOT_HMAC_SECRETS: ReadonlyArray<[string, unknown]> = [
  ['an ed25519 public key PEM', PUBLIC_PEM],
  ['an RSA public key PEM', rsa.publicKey.export({ type: 'pkcs1', format: 'pem' })],
  ['a certificate-shaped PEM', `-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString('base64')}\n-----END CERTIFICATE-----\n`],
  ['the bytes of a public key PEM', Buffer.from(PUBLIC_PEM)],
  ['a public KeyObject', ed.publicKey],
  ['a private KeyObject', ed.privateKey],
  ['a public JWK', ed.publicKey.export({ format: 'jwk' })],
  ['a weak secret', 'x'.repeat(32)],
];

test('hmac-sha256 HTTP signature keys: a public key (PEM, its bytes, KeyObject, JWK) or a weak secret is a construction error', async () => {
  for (const [label, key] of NOT_HMAC_SECRETS) {
    const keys = { k1: { key: key as string, algorithm: 'hmac-sha256' as const } };
    assert.throws(
      () => requireHttpSignature({ keys }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG') && !String((e as Error).message).includes(PUBLIC_PEM.slice(30, 60)),
      `requireHttpSignature: ${label}`,
    );
    await assert.rejects(verifyHttpMessage({ keys }, message()), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'), `verifyHttpMessage: ${label}`);
    await assert.rejects(
      signHttpMessage({ key: key as string, keyId: 'k1', algorithm: 'hmac-sha256' }, message()),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      `signHttpMessage: ${label}`,
    );
  }
});

test('hmac-sha256 HTTP signature keys: the error says how to fix a public key given as an HMAC secret', () => {
  assert.throws(
    () => requireHttpSignature({ keys: { k1: { key: PUBLIC_PEM, algorithm: 'hmac-sha256' } } }),
    (e) => /PEM/.test((e as Error).message) && /ed25519|asymmetric/.test((e as Error).message),
  );
  assert.throws(
    () => requireHttpSignature({ keys: { k1: { key: ed.publicKey as never, algorithm: 'hmac-sha256' } } }),
    (e) => /asymmetric/.test((e as Error).message),
  );
});

test('hmac-sha256 HTTP signature keys: random secret bytes, a secret KeyObject and an oct JWK sign and verify', async () => {
  const bytes = randomBytes(32);
  const forms: unknown[] = [bytes, bytes.toString('base64url'), createSecretKey(bytes), { kty: 'oct', k: bytes.toString('base64url') }];
  for (const key of forms) {
    const m = message();
    Object.assign(m.headers, await signHttpMessage({ key: key as string, keyId: 'k1', algorithm: 'hmac-sha256' }, m));
    assert.deepEqual(await verifyHttpMessage({ keys: { k1: { key: key as string, algorithm: 'hmac-sha256' } }, allowReplay: true }, m), { keyId: 'k1' });
  }
});
