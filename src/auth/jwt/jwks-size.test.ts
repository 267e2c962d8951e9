import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { createJwt } from './index.ts';
import { isRampartError } from '../../errors.ts';

// A remote JWKS is read up to a bound: a server streaming an endless body must not make one
// verify() buffer it all (the black-box test saw 1.2 GB of RSS for a 200 MB answer).

const ID = { issuer: 'https://id.example', audience: 'api' } as const;
const MIB = 1_048_576;

interface Served {
  url: string;
  /** Resolves when the response ends: true when the client went away before all of it was sent. */
  outcome: Promise<{ aborted: boolean; sent: number }>;
  close(): void;
}

/** A JWKS endpoint streaming `total` bytes of one JSON document, as fast as the client reads. */
async function hugeJwks(total: number, withLength: boolean): Promise<Served> {
  let report!: (value: { aborted: boolean; sent: number }) => void;
  const outcome = new Promise<{ aborted: boolean; sent: number }>((resolve) => (report = resolve));
  const chunk = `{"kty":"RSA","n":"${'A'.repeat(MIB - 32)}","e":"AQAB"},`;
  const head = '{"keys":[';
  const tail = '{"kty":"oct","k":"AA"}]}';
  const length = head.length + Math.ceil(total / chunk.length) * chunk.length + tail.length;
  const server = http.createServer((_req, res) => {
    let sent = 0;
    const body = Readable.from(
      (function* () {
        yield head;
        while (sent < total) {
          sent += chunk.length;
          yield chunk;
        }
        yield tail;
      })(),
    );
    res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(length) } : {}) });
    res.on('close', () => report({ aborted: !res.writableFinished, sent }));
    body.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    outcome,
    close: () => server.close(),
  };
}

for (const withLength of [false, true]) {
  test(`remote JWKS: a ${withLength ? 'declared' : 'chunked'} 64 MiB answer is cut off at the bound and verify() fails with ERR_RAMPART_JWT_SIGNATURE`, async () => {
    const served = await hugeJwks(64 * MIB, withLength);
    try {
      const jwt = createJwt({ algorithm: 'RS256', jwks: served.url, ...ID });
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = await new SignJWT({ sub: 'u1', iss: ID.issuer, aud: ID.audience, exp: Math.floor(Date.now() / 1000) + 60 })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(privateKey);
      await assert.rejects(jwt.verify(token), (e: unknown) => isRampartError(e, 'ERR_RAMPART_JWT_SIGNATURE') && /could not be obtained/.test(e.message));
      const { aborted, sent } = await served.outcome;
      assert.equal(aborted, true, 'the client closed the connection before the whole body was sent');
      assert.ok(sent < 64 * MIB, `sent ${sent} bytes`);
    } finally {
      served.close();
    }
  });
}

test('remote JWKS: a normal key set below the bound still verifies', async () => {
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = { ...(await exportJWK(kp.publicKey)), kid: 'e1', use: 'sig' };
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const jwt = createJwt({ algorithm: 'ES256', jwks: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, ...ID });
    const token = await new SignJWT({ sub: 'u2', iss: ID.issuer, aud: ID.audience, exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'e1' })
      .sign(kp.privateKey);
    assert.equal((await jwt.verify(token)).sub, 'u2');
  } finally {
    server.close();
  }
});
