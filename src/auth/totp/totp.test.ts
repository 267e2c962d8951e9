import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totp, hotp, recoveryCodes, base32Encode, base32Decode } from './index.ts';
import { isRampartError } from '../../errors.ts';
import { python } from '../../../test/helpers/python.ts';

const b32 = (ascii: string) => base32Encode(Buffer.from(ascii));
const SHA1_KEY = b32('12345678901234567890');
const SHA256_KEY = b32('12345678901234567890123456789012');
const SHA512_KEY = b32('1234567890123456789012345678901234567890123456789012345678901234');

test('RFC 4226 Appendix D HOTP vectors', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  for (const [counter, code] of expected.entries()) assert.equal(hotp(SHA1_KEY, counter), code);
});

test('RFC 6238 Appendix B TOTP vectors (SHA1, SHA256, SHA512, 8 digits)', () => {
  const rows: Array<[number, string, string, string]> = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [time, sha1, sha256, sha512] of rows) {
    assert.equal(totp.generate(SHA1_KEY, { time, digits: 8 }), sha1);
    assert.equal(totp.generate(SHA256_KEY, { time, digits: 8, algorithm: 'SHA256' }), sha256);
    assert.equal(totp.generate(SHA512_KEY, { time, digits: 8, algorithm: 'SHA512' }), sha512);
    assert.equal(totp.verify(sha256, SHA256_KEY, { time, digits: 8, algorithm: 'SHA256' }), Math.floor(time / 30));
  }
});

test('verify: window, replay guard via lastStep, malformed codes', () => {
  const secret = totp.generateSecret();
  assert.equal(base32Decode(secret)!.length, 20);
  const t0 = 1_700_000_000;
  const code = totp.generate(secret, { time: t0 });
  const stepNow = Math.floor(t0 / 30);
  assert.equal(totp.verify(code, secret, { time: t0 }), stepNow);
  assert.equal(totp.verify(code, secret, { time: t0 + 30 }), stepNow, 'previous step accepted with window 1');
  assert.equal(totp.verify(code, secret, { time: t0 + 60 }), null, 'two steps old: refused');
  assert.equal(totp.verify(code, secret, { time: t0 + 30, window: 0 }), null);
  assert.equal(totp.verify(code, secret, { time: t0, lastStep: stepNow }), null, 'replay of the same step refused');
  assert.equal(totp.verify(code, secret, { time: t0, lastStep: stepNow - 1 }), stepNow);
  const next = totp.generate(secret, { time: t0 + 30 });
  assert.equal(totp.verify(next, secret, { time: t0 + 30, lastStep: stepNow }), stepNow + 1);
  assert.equal(totp.verify(` ${code.slice(0, 3)} ${code.slice(3)} `, secret, { time: t0 }), stepNow, 'spaces tolerated');
  for (const bad of ['', '12345', '1234567', 'abcdef', '12345a', null, 123456, '１２３４５６']) {
    assert.equal(totp.verify(bad as string, secret, { time: t0 }), null, String(bad));
  }
  assert.throws(
    () => totp.verify(code, 'not base32!', { time: t0 }),
    (e) => isRampartError(e, 'ERR_RAMPART_TOTP_SECRET'),
  );
  assert.throws(
    () => totp.verify(code, b32('short'), { time: t0 }),
    (e) => isRampartError(e, 'ERR_RAMPART_TOTP_SECRET'),
  );
  assert.throws(
    () => totp.verify(code, secret, { windw: 2 } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => totp.generate(secret, { digits: 7 as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('otpauth URI and QR SVG', async () => {
  const secret = totp.generateSecret();
  const uri = totp.uri({ secret, account: 'ada@example.com', issuer: 'Example Co' });
  assert.match(uri, /^otpauth:\/\/totp\/Example%20Co:ada%40example\.com\?secret=[A-Z2-7]+&issuer=Example%20Co&algorithm=SHA1&digits=6&period=30$/);
  const svg = await totp.qrSvg(uri);
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.includes('<path'));
});

test('recovery codes are stored hashed and usable once', () => {
  const { codes, hashes } = recoveryCodes.generate(10);
  assert.equal(new Set(codes).size, 10);
  assert.match(codes[0]!, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
  for (const h of hashes) for (const c of codes) assert.ok(!h.includes(c.replace(/-/g, '')));
  const after = recoveryCodes.consume(codes[3]!.toUpperCase(), hashes);
  assert.ok(after !== null);
  assert.equal(after.length, 9);
  assert.equal(recoveryCodes.consume(codes[3]!, after), null, 'single use');
  assert.equal(recoveryCodes.consume('aaaa-bbbb-cccc-dddd', hashes), null);
  assert.equal(recoveryCodes.consume(42 as never, hashes), null);
});

test('interop: pyotp agrees both ways (SHA1/6, SHA256/8, SHA512/8)', async (t) => {
  const secret = totp.generateSecret(32);
  const time = 1_750_000_123;
  const ours = {
    sha1: totp.generate(secret, { time }),
    sha256: totp.generate(secret, { time, digits: 8, algorithm: 'SHA256' }),
    sha512: totp.generate(secret, { time, digits: 8, algorithm: 'SHA512', period: 60 }),
    uri: totp.uri({ secret, account: 'a@b.c', issuer: 'Rampart' }),
  };
  const out = await python(
    t,
    ['pyotp'],
    `import pyotp, hashlib
s = data['secret']; t = data['time']
a = pyotp.TOTP(s); b = pyotp.TOTP(s, digits=8, digest=hashlib.sha256); c = pyotp.TOTP(s, digits=8, digest=hashlib.sha512, interval=60)
parsed = pyotp.parse_uri(data['uri'])
print(json.dumps({'verify': [a.verify(data['sha1'], for_time=t), b.verify(data['sha256'], for_time=t), c.verify(data['sha512'], for_time=t)],
  'uri_code': parsed.at(t), 'theirs': a.at(t + 3000), 'hotp': pyotp.HOTP(s).at(7)}))`,
    { secret, time, ...ours },
  );
  if (out === undefined) return;
  const r = JSON.parse(out) as { verify: boolean[]; uri_code: string; theirs: string; hotp: string };
  assert.deepEqual(r.verify, [true, true, true]);
  assert.equal(r.uri_code, ours.sha1, 'pyotp reads our otpauth URI');
  assert.equal(totp.verify(r.theirs, secret, { time: time + 3000 }), Math.floor((time + 3000) / 30));
  assert.equal(hotp(secret, 7), r.hotp);
});

test('totp.uri refuses a colon in issuer or account (Key URI format: the label separator); pyotp reads the names it accepts', async (t) => {
  const secret = totp.generateSecret();
  for (const [issuer, account] of [
    ['Ex:ample', 'ada@example.com'],
    ['Example', 'ada:lovelace'],
    ['Example', 'a:b@example.com'],
  ] as const) {
    assert.throws(
      () => totp.uri({ secret, account, issuer }),
      (e: unknown) => isRampartError(e) && e.code === 'ERR_RAMPART_CONFIG' && /colon/.test(e.message),
      `${issuer} / ${account}`,
    );
  }
  const names = [
    ['Example Inc', 'ada lovelace'],
    ['Exämple', 'ädä+tag@example.com'],
  ] as const;
  const uris = names.map(([issuer, account]) => totp.uri({ secret, account, issuer }));
  const out = await python(t, ['pyotp'], `import pyotp\nprint(json.dumps([[p.issuer, p.name] for p in map(pyotp.parse_uri, data)]))`, uris);
  if (out === undefined) return;
  assert.deepEqual(
    JSON.parse(out),
    names.map(([issuer, account]) => [issuer, account]),
  );
});
