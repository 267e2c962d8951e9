import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { createJwt, type JwtOptions } from './index.ts';
import { isRampartError, type RampartErrorCode } from '../../errors.ts';
import type { SecurityEventRecord } from '../../core/types.ts';
import { python } from '../../../test/helpers/python.ts';

const SECRET = 'Ao17wbByFx9rJjJR_Kq6LjEJ4YSO1f9tuCvKogesgdOGlQ4m';
/** The issuer and audience every verifier is built with, and the claims its tokens carry. */
const ID = { issuer: 'https://id.example', audience: 'api' } as const;
const IA = { iss: 'https://id.example', aud: 'api' };
const b64u = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function hs256(header: object, payload: object, secret: string | Buffer = SECRET): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

async function rejectsWith(p: Promise<unknown>, code: RampartErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isRampartError(e), `expected RampartError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

test('HS256 sign/verify round trip with iss, aud, typ, iat and exp', async () => {
  const jwt = createJwt({ algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example', audience: 'api', expiresIn: 60 });
  const token = await jwt.sign({ sub: 'u1', roles: ['editor'], iss: 'evil' });
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
  const claims = await jwt.verify(token);
  assert.equal(claims.sub, 'u1');
  assert.equal(claims.iss, 'https://id.example', 'registered claims come from the options, not the caller');
  assert.equal(claims.aud, 'api');
  assert.equal(claims.exp! - claims.iat!, 60);
});

test('each failure cause has its own code; INVALID_TOKEN event without the token', async () => {
  const events: SecurityEventRecord[] = [];
  const jwt = createJwt({ algorithm: 'HS256', secret: SECRET, issuer: 'iss', audience: 'aud', events: { emit: (r) => events.push(r) } });
  const base = { iss: 'iss', aud: 'aud', iat: now(), exp: now() + 60 };
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...base, exp: now() - 10 })), 'ERR_RAMPART_JWT_EXPIRED');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...base, nbf: now() + 100 })), 'ERR_RAMPART_JWT_NOT_YET_VALID');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...base, iat: now() + 100 })), 'ERR_RAMPART_JWT_NOT_YET_VALID');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { iss: 'iss', aud: 'aud' })), 'ERR_RAMPART_JWT_CLAIM'); // missing exp
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...base, exp: String(now() + 60) })), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...base, iss: 'other' })), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...base, aud: 'other' })), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256', typ: 'at+jwt' }, base)), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, base, 'x'.repeat(40))), 'ERR_RAMPART_JWT_SIGNATURE');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS384' }, base)), 'ERR_RAMPART_JWT_ALGORITHM');
  const ok = await jwt.verify(hs256({ alg: 'HS256', typ: 'application/JWT' }, base));
  assert.equal(ok.iss, 'iss');
  const ok2 = await jwt.verify(hs256({ alg: 'HS256' }, { ...base, exp: now() - 3 }).replace(/x/, 'x')).catch((e) => e);
  assert.ok(isRampartError(ok2, 'ERR_RAMPART_JWT_EXPIRED'));
  const tolerant = createJwt({ algorithm: 'HS256', secret: SECRET, clockTolerance: 30, ...ID });
  assert.ok(await tolerant.verify(hs256({ alg: 'HS256' }, { ...IA, exp: now() - 10 })));
  assert.ok(events.length >= 10);
  for (const e of events) {
    assert.equal(e.event, 'INVALID_TOKEN');
    assert.match(e.detail!, /^jwt: ERR_RAMPART_JWT_/);
    assert.ok(!e.detail!.includes('ey'), 'no token material in events');
  }
});

test('malformed input of any kind is ERR_RAMPART_JWT_MALFORMED, never a crash', async () => {
  const jwt = createJwt({ algorithm: 'HS256', secret: SECRET, ...ID });
  const cases: unknown[] = [
    '',
    'a',
    'a.b',
    'a.b.c.d',
    '..',
    'e30.e30.',
    '!!.e30.sig',
    `${b64u('[1]')}.${b64u({})}.x`,
    `${b64u('not json')}.${b64u({})}.x`,
    `${b64u('null')}.${b64u({})}.x`,
    null,
    42,
    {},
    ['a.b.c'],
    `${b64u({ alg: 'HS256' })}.${b64u('[]')}.${'A'.repeat(43)}`,
  ];
  for (const token of cases) {
    await assert.rejects(
      jwt.verify(token as string),
      (e: unknown) => isRampartError(e) && /^ERR_RAMPART_JWT_(MALFORMED|SIGNATURE|ALGORITHM)$/.test(e.code),
      String(token),
    );
  }
  // Over 8 KB: refused before any parsing (even a perfectly valid token).
  const big = await jwt.sign({ pad: 'x'.repeat(9000) });
  await rejectsWith(jwt.verify(big), 'ERR_RAMPART_JWT_MALFORMED');
  await rejectsWith(jwt.verify('A'.repeat(1_000_000)), 'ERR_RAMPART_JWT_MALFORMED');
});

test('attack: alg none in every spelling is refused', async () => {
  const jwt = createJwt({ algorithm: 'HS256', secret: SECRET, ...ID });
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    await rejectsWith(jwt.verify(`${b64u({ alg })}.${b64u({ sub: 'admin', exp: now() + 60 })}.`), 'ERR_RAMPART_JWT_ALGORITHM');
  }
  await rejectsWith(jwt.verify(`${b64u({})}.${b64u({ ...IA, exp: now() + 60 })}.`), 'ERR_RAMPART_JWT_ALGORITHM');
  assert.throws(
    () => createJwt({ algorithm: 'none' as never, secret: SECRET, ...ID }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('attack: HS/RS confusion with the public key as HMAC secret fails', async () => {
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const jwt = createJwt({ algorithm: 'RS256', publicKey: pem, ...ID });
  const forged = hs256({ alg: 'HS256', typ: 'JWT' }, { ...IA, sub: 'admin', exp: now() + 60 }, pem);
  await rejectsWith(jwt.verify(forged), 'ERR_RAMPART_JWT_ALGORITHM');
  // the real thing works
  const signer = createJwt({ algorithm: 'RS256', privateKey: rsa.privateKey, ...ID });
  assert.equal((await jwt.verify(await signer.sign({ sub: 'u' }))).sub, 'u');
  // configuring a PEM key as an HMAC secret, or a public key with HS256, is a construction error
  assert.throws(
    () => createJwt({ algorithm: 'HS256', secret: pem, ...ID }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => createJwt({ algorithm: 'HS256', publicKey: pem, ...ID } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => createJwt({ algorithm: 'RS256', secret: SECRET, ...ID }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('attack: a JWKS key without alg does not let the token choose the algorithm', async () => {
  const jwk = await exportJWK(rsa.publicKey); // no "alg" member
  const jwt = createJwt({ algorithm: 'RS256', jwks: { keys: [{ ...jwk, kid: 'k1' }] }, ...ID });
  const good = await new SignJWT({ ...IA, sub: 'u', exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(rsa.privateKey);
  assert.equal((await jwt.verify(good)).sub, 'u');
  const ps = await new SignJWT({ ...IA, sub: 'u', exp: now() + 60 }).setProtectedHeader({ alg: 'PS256', kid: 'k1' }).sign(rsa.privateKey);
  await rejectsWith(jwt.verify(ps), 'ERR_RAMPART_JWT_ALGORITHM');
  const n = Buffer.from(jwk.n!, 'base64url');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256', kid: 'k1' }, { ...IA, exp: now() + 60 }, n)), 'ERR_RAMPART_JWT_ALGORITHM');
});

test('attack: crit headers refused; jku, x5u, jwk and x5c never select a key', async () => {
  const jwt = createJwt({ algorithm: 'RS256', privateKey: rsa.privateKey, ...ID });
  const crit = await new SignJWT({ ...IA, exp: now() + 60 })
    .setProtectedHeader({ alg: 'RS256', crit: ['exp'] } as never)
    .sign(rsa.privateKey)
    .catch(() => undefined);
  const critToken = crit ?? `${b64u({ alg: 'RS256', crit: ['x'], x: 1 })}.${b64u({ ...IA, exp: now() + 60 })}.AAAA`;
  await rejectsWith(jwt.verify(critToken), 'ERR_RAMPART_JWT_MALFORMED');
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attackerJwk = await exportJWK(attacker.publicKey);
  let fetched = 0;
  const server = http.createServer((_req, res) => {
    fetched++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [attackerJwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  try {
    for (const header of [{ jku: url }, { x5u: url }, { jwk: attackerJwk }, { x5c: ['MIIB'] }]) {
      const forged = await new SignJWT({ ...IA, sub: 'admin', exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', ...header }).sign(attacker.privateKey);
      await rejectsWith(jwt.verify(forged), 'ERR_RAMPART_JWT_SIGNATURE');
    }
    assert.equal(fetched, 0, 'the verifier never fetched the attacker URL');
  } finally {
    server.close();
  }
});

test('kid rotation; kid injection strings only miss the key map', async () => {
  const keys = [
    { kid: 'new', secret: randomBytes(32) },
    { kid: 'old', secret: randomBytes(32) },
  ];
  const jwt = createJwt({ algorithm: 'HS256', keys, ...ID });
  const oldSigner = createJwt({ algorithm: 'HS256', keys, currentKid: 'old', ...ID });
  const t1 = await jwt.sign({ sub: 'a' });
  assert.equal(JSON.parse(Buffer.from(t1.split('.')[0]!, 'base64url').toString()).kid, 'new');
  assert.equal((await jwt.verify(await oldSigner.sign({ sub: 'b' }))).sub, 'b', 'tokens of the previous key still verify');
  for (const kid of ['../../../../dev/null', "' OR '1'='1", 'http://evil.example/key', 'new\u0000', '__proto__', 'constructor', 42, null, 'x'.repeat(300)]) {
    await rejectsWith(jwt.verify(hs256({ alg: 'HS256', kid }, { ...IA, exp: now() + 60 }, '')), 'ERR_RAMPART_JWT_SIGNATURE');
  }
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { ...IA, exp: now() + 60 }, keys[0]!.secret)), 'ERR_RAMPART_JWT_SIGNATURE');
  assert.equal((await jwt.verify(hs256({ alg: 'HS256', kid: 'old' }, { ...IA, exp: now() + 60 }, keys[1]!.secret))).exp! > 0, true);
});

test('remote JWKS is fetched once, cached, and refetched at most once per cooldown', async () => {
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = { ...(await exportJWK(kp.publicKey)), kid: 'e1', use: 'sig' };
  let fetched = 0;
  const server = http.createServer((_req, res) => {
    fetched++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const jwt = createJwt({ algorithm: 'ES256', jwks: url, jwksCooldown: 60, ...ID });
    const token = await new SignJWT({ ...IA, sub: 'svc', exp: now() + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).sign(kp.privateKey);
    for (let i = 0; i < 5; i++) assert.equal((await jwt.verify(token)).sub, 'svc');
    assert.equal(fetched, 1);
    const unknown = await new SignJWT({ ...IA, exp: now() + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).sign(kp.privateKey);
    for (let i = 0; i < 5; i++) await rejectsWith(jwt.verify(unknown), 'ERR_RAMPART_JWT_SIGNATURE');
    assert.ok(fetched <= 2, `unknown kids must not hammer the issuer (fetched ${fetched})`);
    assert.throws(
      () => createJwt({ algorithm: 'ES256', jwks: 'http://example.com/jwks', ...ID }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
    );
  } finally {
    server.close();
  }
});

test('construction rejects weak or mismatched keys and unknown options', () => {
  const bad: Array<[unknown, RampartErrorCode]> = [
    [{ algorithm: 'HS256', secret: 'short' }, 'ERR_RAMPART_CONFIG'],
    [{ algorithm: 'HS512', secret: 'x'.repeat(40) }, 'ERR_RAMPART_CONFIG'],
    [{ algorithm: 'HS256' }, 'ERR_RAMPART_CONFIG'],
    [{ algorithm: 'HS256', secret: SECRET, expiresin: 5 }, 'ERR_RAMPART_UNKNOWN_OPTION'],
    [{ algorithm: 'ES256', privateKey: rsa.privateKey }, 'ERR_RAMPART_CONFIG'],
    [{ algorithm: 'RS256', privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }, 'ERR_RAMPART_CONFIG'],
    [{ algorithm: 'RS256', publicKey: 'not a pem' }, 'ERR_RAMPART_CONFIG'],
    [
      {
        algorithm: 'HS256',
        keys: [
          { kid: 'a', secret: SECRET },
          { kid: 'a', secret: SECRET },
        ],
      },
      'ERR_RAMPART_CONFIG',
    ],
    [{ algorithm: 'HS256', keys: [{ kid: 'a', secret: SECRET }], currentKid: 'b' }, 'ERR_RAMPART_CONFIG'],
    [{ algorithm: 'HS256', secret: SECRET, keys: [{ kid: 'a', secret: SECRET }] }, 'ERR_RAMPART_CONFIG'],
    ['HS256', 'ERR_RAMPART_CONFIG'],
  ];
  for (const [options, code] of bad)
    assert.throws(
      // with issuer and audience, so that each case fails for its own reason
      () => createJwt((typeof options === 'object' ? { ...ID, ...options } : options) as JwtOptions),
      (e) => isRampartError(e, code),
      JSON.stringify(options, (_k, v) => (typeof v === 'object' && v?.type ? 'key' : v)),
    );
  const opts = { algorithm: 'HS256' as const, secret: SECRET, issuer: 'i', audience: ['a', 'b'] };
  const frozen = JSON.stringify(opts);
  createJwt(opts);
  assert.equal(JSON.stringify(opts), frozen, 'options are not mutated');
});

test('verify-only: a publicKey cannot sign', async () => {
  const jwt = createJwt({ algorithm: 'ES256', publicKey: ec.publicKey as KeyObject, ...ID });
  await assert.rejects(jwt.sign({}), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
});

test('interop: PyJWT verifies rampart tokens and rampart verifies PyJWT tokens (HS256, RS256, ES256)', async (t) => {
  const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const hs = createJwt({ algorithm: 'HS256', secret: SECRET, issuer: 'rampart', audience: 'py' });
  const rs = createJwt({ algorithm: 'RS256', privateKey: rsaPem, issuer: 'rampart', audience: 'py' });
  const es = createJwt({ algorithm: 'ES256', privateKey: ecPem, issuer: 'rampart', audience: 'py' });
  const data = {
    secret: SECRET,
    rsa: rsaPem,
    ec: ecPem,
    hs: await hs.sign({ sub: 'u-hs' }),
    rs: await rs.sign({ sub: 'u-rs' }),
    es: await es.sign({ sub: 'u-es' }),
  };
  const out = await python(
    t,
    ['jwt', 'cryptography'],
    `import jwt, time
from cryptography.hazmat.primitives import serialization
rsa = serialization.load_pem_private_key(data['rsa'].encode(), None)
ec = serialization.load_pem_private_key(data['ec'].encode(), None)
opts = dict(audience='py', issuer='rampart', options={'require': ['exp', 'iat']})
got = [jwt.decode(data['hs'], data['secret'], algorithms=['HS256'], **opts)['sub'],
       jwt.decode(data['rs'], rsa.public_key(), algorithms=['RS256'], **opts)['sub'],
       jwt.decode(data['es'], ec.public_key(), algorithms=['ES256'], **opts)['sub']]
claims = {'sub': 'from-py', 'iss': 'rampart', 'aud': 'py', 'iat': int(time.time()), 'exp': int(time.time()) + 60}
print(json.dumps({'got': got,
  'hs': jwt.encode(claims, data['secret'], algorithm='HS256'),
  'rs': jwt.encode(claims, rsa, algorithm='RS256', headers={'kid': 'py'}),
  'es': jwt.encode(claims, ec, algorithm='ES256'),
  'expired': jwt.encode({**claims, 'exp': int(time.time()) - 100}, data['secret'], algorithm='HS256')}))`,
    data,
  );
  if (out === undefined) return;
  const r = JSON.parse(out) as { got: string[]; hs: string; rs: string; es: string; expired: string };
  assert.deepEqual(r.got, ['u-hs', 'u-rs', 'u-es']);
  assert.equal((await hs.verify(r.hs)).sub, 'from-py');
  assert.equal((await rs.verify(r.rs)).sub, 'from-py');
  assert.equal((await es.verify(r.es)).sub, 'from-py');
  await rejectsWith(hs.verify(r.expired), 'ERR_RAMPART_JWT_EXPIRED');
  await rejectsWith(rs.verify(r.hs), 'ERR_RAMPART_JWT_ALGORITHM');
});

test('issuer and audience are required at construction, and every token must carry them', async () => {
  for (const options of [
    { algorithm: 'HS256', secret: SECRET },
    { algorithm: 'HS256', secret: SECRET, audience: 'api' },
    { algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example' },
    { algorithm: 'RS256', publicKey: rsa.publicKey },
    { algorithm: 'HS256', keys: [{ kid: 'a', secret: SECRET }], issuer: 'https://id.example' },
    { algorithm: 'HS256', secret: SECRET, issuer: '', audience: 'api' },
    { algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example', audience: [] },
  ]) {
    assert.throws(
      () => createJwt(options as JwtOptions),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /issuer|audience/.test((e as Error).message),
      JSON.stringify(options, (_k, v) => (typeof v === 'object' && v?.type ? 'key' : v)),
    );
  }
  const jwt = createJwt({ algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example', audience: ['api', 'admin'] });
  const exp = now() + 60;
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { iss: 'evil', aud: 'api', exp })), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { iss: 'https://id.example', aud: 'other-service', exp })), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { aud: 'api', exp })), 'ERR_RAMPART_JWT_CLAIM');
  await rejectsWith(jwt.verify(hs256({ alg: 'HS256' }, { iss: 'https://id.example', exp })), 'ERR_RAMPART_JWT_CLAIM');
  assert.equal((await jwt.verify(hs256({ alg: 'HS256' }, { iss: 'https://id.example', aud: ['x', 'admin'], exp }))).exp, exp);
});

test('HS* secrets pass the shared secret check: repeated, zero, placeholder and sequential secrets are refused', () => {
  const weak: Array<string | Uint8Array> = [
    'x'.repeat(32),
    Buffer.alloc(32),
    'changeme'.repeat(4),
    '0123456789abcdef0123456789abcdef',
    'your-secret-key-here-0000000000000',
    'x'.repeat(64),
  ];
  for (const secret of weak) {
    for (const options of [
      { algorithm: 'HS256', secret, issuer: 'i', audience: 'a' },
      { algorithm: 'HS256', keys: [{ kid: 'k', secret }], issuer: 'i', audience: 'a' },
    ]) {
      assert.throws(
        () => createJwt(options as JwtOptions),
        (e) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /openssl rand/.test((e as Error).message) && !(e as Error).message.includes(String(secret)),
        String(secret),
      );
    }
  }
  createJwt({ algorithm: 'HS256', secret: randomBytes(32), issuer: 'i', audience: 'a' });
  createJwt({ algorithm: 'HS512', secret: randomBytes(64).toString('base64url'), issuer: 'i', audience: 'a' });
});

test('iat in the future: refused beyond clockTolerance (NOT_YET_VALID), accepted within it; a non-numeric iat is refused', async () => {
  const strict = createJwt({ algorithm: 'HS256', secret: SECRET, ...ID });
  const tolerant = createJwt({ algorithm: 'HS256', secret: SECRET, clockTolerance: 60, ...ID });
  const exp = now() + 600;
  await rejectsWith(strict.verify(hs256({ alg: 'HS256' }, { ...IA, iat: now() + 5, exp })), 'ERR_RAMPART_JWT_NOT_YET_VALID');
  await rejectsWith(tolerant.verify(hs256({ alg: 'HS256' }, { ...IA, iat: now() + 120, exp })), 'ERR_RAMPART_JWT_NOT_YET_VALID');
  // `1e400` is valid JSON that parses to Infinity (JSON.stringify cannot write it: the payload is raw text).
  const infinite = hs256({ alg: 'HS256' }, `{"iss":"${IA.iss}","aud":"${IA.aud}","iat":1e400,"exp":${exp}}` as unknown as object);
  await rejectsWith(tolerant.verify(infinite), 'ERR_RAMPART_JWT_NOT_YET_VALID');
  assert.ok(await tolerant.verify(hs256({ alg: 'HS256' }, { ...IA, iat: now() + 30, exp })), 'within the tolerance');
  // NumericDate may be fractional (RFC 7519 §2): a token issued this very millisecond is not "in the future".
  assert.ok(await strict.verify(hs256({ alg: 'HS256' }, { ...IA, iat: Date.now() / 1000 - 0.0005, exp })), 'fractional iat of now');
  for (const iat of [String(now()), null, true, [now()], { t: now() }]) {
    await rejectsWith(tolerant.verify(hs256({ alg: 'HS256' }, { ...IA, iat, exp })), 'ERR_RAMPART_JWT_CLAIM');
  }
});

test('interop: PyJWT tokens with iat in the future are refused by rampart as by PyJWT (same leeway)', async (t) => {
  const verifier = createJwt({ algorithm: 'HS256', secret: SECRET, issuer: 'py', audience: 'rampart', clockTolerance: 60 });
  const out = await python(
    t,
    ['jwt'],
    `import jwt, time
now = int(time.time())
def token(skew):
    return jwt.encode({'sub': 'p', 'iss': 'py', 'aud': 'rampart', 'iat': now + skew, 'exp': now + 600}, data['secret'], algorithm='HS256')
def pyjwt_accepts(t):
    try:
        jwt.decode(t, data['secret'], algorithms=['HS256'], audience='rampart', issuer='py', leeway=60)
        return True
    except jwt.ImmatureSignatureError:
        return False
tokens = {'past': token(-30), 'within': token(45), 'beyond': token(120), 'far': token(86400)}
print(json.dumps({name: [t, pyjwt_accepts(t)] for name, t in tokens.items()}))`,
    { secret: SECRET },
  );
  if (out === undefined) return;
  const r = JSON.parse(out) as Record<'past' | 'within' | 'beyond' | 'far', [string, boolean]>;
  assert.deepEqual(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v[1]])), { past: true, within: true, beyond: false, far: false });
  assert.equal((await verifier.verify(r.past[0])).sub, 'p');
  assert.equal((await verifier.verify(r.within[0])).sub, 'p');
  await rejectsWith(verifier.verify(r.beyond[0]), 'ERR_RAMPART_JWT_NOT_YET_VALID');
  await rejectsWith(verifier.verify(r.far[0]), 'ERR_RAMPART_JWT_NOT_YET_VALID');
});
