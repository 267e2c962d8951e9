/**
 * A time claim that JSON reads as a non-finite number (`"exp":1e400` is Infinity) is refused:
 * a token must never be valid forever, or not-before never, because of an overflowing number.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createJwt } from './index.ts';

process.env.RAMPART_SILENT = '1';

const secret = randomBytes(32).toString('base64url');
const part = (text: string) => Buffer.from(text).toString('base64url');

/** A compact HS256 JWS over the raw payload text, signed with node:crypto (not rampart's signer). */
function craft(payloadJson: string): string {
  const input = `${part('{"alg":"HS256","typ":"JWT"}')}.${part(payloadJson)}`;
  return `${input}.${createHmac('sha256', Buffer.from(secret)).update(input).digest('base64url')}`;
}

const jwt = createJwt({ algorithm: 'HS256', secret, issuer: 'iss', audience: 'aud' });
const exp = Math.floor(Date.now() / 1000) + 600;

test('the crafted tokens verify when their time claims are finite (the signing here matches)', async () => {
  const claims = await jwt.verify(craft(`{"sub":"u","iss":"iss","aud":"aud","exp":${exp},"iat":${exp - 600}}`));
  assert.equal(claims.sub, 'u');
});

for (const [name, payload] of [
  ['exp 1e400 (Infinity)', '{"sub":"u","iss":"iss","aud":"aud","exp":1e400}'],
  ['nbf -1e400 (-Infinity)', `{"sub":"u","iss":"iss","aud":"aud","exp":${exp},"nbf":-1e400}`],
  ['iat -1e400 (-Infinity)', `{"sub":"u","iss":"iss","aud":"aud","exp":${exp},"iat":-1e400}`],
] as const) {
  test(`a non-finite time claim is refused with ERR_RAMPART_JWT_CLAIM: ${name}`, async () => {
    await assert.rejects(jwt.verify(craft(payload)), { code: 'ERR_RAMPART_JWT_CLAIM' });
  });
}

test('an infinitely future nbf or iat stays refused as not yet valid', async () => {
  for (const claim of ['nbf', 'iat'])
    await assert.rejects(jwt.verify(craft(`{"sub":"u","iss":"iss","aud":"aud","exp":${exp},"${claim}":1e400}`)), { code: 'ERR_RAMPART_JWT_NOT_YET_VALID' });
});
