import test from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { TOKEN_LENGTH, TokenSigner, sameToken } from './token.ts';

const A = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';
const B = 'Zq8Lm3Np7Rt2Vx6Bc1Df5Gh9Jk4Ws0Ey3Ua8Io2Pe6Q=';

test('tokens are {43 base64url}.{43 base64url}, unique, and verify only for their session', () => {
  const signer = new TokenSigner([A]);
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const t = signer.issue('s1');
    assert.match(t, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    assert.equal(t.length, TOKEN_LENGTH);
    assert.equal(seen.has(t), false);
    seen.add(t);
  }
  const t = signer.issue('s1');
  assert.equal(signer.verify(t, 's1'), true);
  assert.equal(signer.verify(t, 's2'), false);
  assert.equal(signer.verify(t, ''), false);
  assert.equal(new TokenSigner([A]).issue('').length, TOKEN_LENGTH);
});

test('the MAC is HMAC-SHA256 over a domain-separated, length-prefixed message', () => {
  const signer = new TokenSigner([A]);
  const t = signer.issue('user-7');
  const [random, mac] = t.split('.');
  const expected = createHmac('sha256', A).update(`rampart/csrf/v1\n6:user-7\n${random}`).digest('base64url');
  assert.equal(mac, expected);
  // A bare HMAC of the random part (no domain, no session) is not accepted.
  const bare = `${random}.${createHmac('sha256', A).update(random!).digest('base64url')}`;
  assert.equal(signer.verify(bare, 'user-7'), false);
});

test('tampered or malformed tokens do not verify', () => {
  const signer = new TokenSigner([A]);
  const t = signer.issue('');
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  for (const bad of [flip(t, 0), flip(t, 50), flip(t, 86), t.slice(0, -1), `${t}A`, t.replace('.', '_'), '', '.', `${t.slice(44)}.${t.slice(0, 43)}`]) {
    assert.equal(signer.verify(bad, ''), false, bad);
  }
});

test('rotation: the first secret signs, every secret verifies', () => {
  const old = new TokenSigner([A]).issue('s');
  const rotated = new TokenSigner([B, A]);
  assert.equal(rotated.verify(old, 's'), true);
  const fresh = rotated.issue('s');
  assert.equal(new TokenSigner([B]).verify(fresh, 's'), true);
  assert.equal(new TokenSigner([A]).verify(fresh, 's'), false);
  assert.equal(new TokenSigner([B]).verify(old, 's'), false);
});

test('sameToken compares exactly', () => {
  assert.equal(sameToken('abc', 'abc'), true);
  assert.equal(sameToken('abc', 'abd'), false);
  assert.equal(sameToken('abc', 'abcd'), false);
  assert.equal(sameToken('é', 'e'), false);
});
