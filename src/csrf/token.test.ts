import test from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { MASKED_LENGTH, TOKEN_LENGTH, TokenSigner, maskToken, sameToken, unmaskToken } from './token.ts';

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

test('maskToken: a fresh string each time, same length and alphabet, never containing the token; unmaskToken inverts it', () => {
  const signer = new TokenSigner([A]);
  const token = signer.issue('s');
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const wire = maskToken(token);
    assert.equal(wire.length, MASKED_LENGTH);
    assert.match(wire, /^[A-Za-z0-9_-]{171}$/);
    assert.equal(seen.has(wire), false);
    seen.add(wire);
    assert.equal(wire.includes(token.slice(0, 12)), false);
    assert.equal(wire.includes(token.slice(44, 56)), false);
    assert.equal(unmaskToken(wire), token);
  }
  // The pad is the first half: XOR of the halves gives the token's bytes.
  const wire = Buffer.from(maskToken(token), 'base64url');
  const bytes = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) bytes[i] = wire[i]! ^ wire[64 + i]!;
  assert.equal(`${bytes.toString('base64url', 0, 32)}.${bytes.toString('base64url', 32)}`, token);
});

test('unmaskToken: plain tokens pass through, malformed and non-canonical values are refused', () => {
  const token = new TokenSigner([A]).issue('');
  assert.equal(unmaskToken(token), token, 'a token issued before masking');
  const wire = maskToken(token);
  // 128 bytes leave two spare bits in the last character: another letter with the same
  // 4 significant bits decodes to the same bytes, but only the canonical form is accepted.
  const last = wire.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sibling = alphabet[alphabet.indexOf(last) + 1]!;
  assert.deepEqual(Buffer.from(`${wire.slice(0, -1)}${sibling}`, 'base64url'), Buffer.from(wire, 'base64url'));
  assert.equal(unmaskToken(`${wire.slice(0, -1)}${sibling}`), undefined);
  for (const bad of [
    '',
    wire.slice(0, -1),
    `${wire}A`,
    `${wire.slice(0, -1)}=`,
    `${wire.slice(0, 100)}+${wire.slice(101)}`,
    `${wire.slice(0, 100)} ${wire.slice(101)}`,
    'x'.repeat(200),
  ]) {
    assert.equal(unmaskToken(bad), undefined, bad);
  }
  // A changed character in either half changes the token (which then fails verification).
  for (const i of [0, 63, 86, 120, 169]) {
    const c = wire[i] === 'A' ? 'B' : 'A';
    const changed = unmaskToken(`${wire.slice(0, i)}${c}${wire.slice(i + 1)}`);
    assert.notEqual(changed, token, `position ${i}`);
  }
});
