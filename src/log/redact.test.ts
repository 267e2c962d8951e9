import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, redactString, isSensitiveKey, REDACT_MAX_LENGTH } from './redact.ts';
import { SecurityEvent, registerEvent, eventDescription, isValidEventName } from './events.ts';
import { escapeControls, truncate, normalizeIp } from './fields.ts';
import { isRampartError } from '../errors.ts';

test('redact: sensitive keys at any depth, case-insensitive, input untouched', () => {
  const input = { user: 'ann', Password: 'p', deep: { Set_Cookie: 'c', items: [{ 'API-Key': 'k', refresh_token: 'r', ok: 1 }] }, x_auth_token: 't' };
  const out = redact(input);
  assert.deepEqual(out, {
    user: 'ann',
    Password: '***',
    deep: { Set_Cookie: '***', items: [{ 'API-Key': '***', refresh_token: '***', ok: 1 }] },
    x_auth_token: '***',
  });
  assert.equal(input.Password, 'p');
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.deepEqual(redact(cyclic), { a: 1, self: '[Circular]' });
  assert.ok(isSensitiveKey('CREDIT_CARD') && isSensitiveKey('client-secret') && !isSensitiveKey('email'));
});

test('redactString: bearer, basic, JWT, key=value pairs and Luhn-valid cards only', () => {
  assert.equal(redactString('Authorization: Bearer abc.def-ghi_jkl'), 'Authorization: ***');
  assert.equal(redactString('sent bearer abcdefghijkl'), 'sent bearer ***');
  assert.equal(redactString('hdr Basic dXNlcjpwYXNzd29yZA=='), 'hdr Basic ***');
  assert.equal(redactString('t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature end'), 't=*** end');
  assert.equal(redactString('api_key="a b c" next'), 'api_key=*** next');
  assert.equal(redactString('card 5500-0000-0000-0004 ok'), 'card ***0004 ok');
  assert.equal(redactString('order 1234567890123 shipped'), 'order 1234567890123 shipped'); // not Luhn-valid
  assert.equal(redactString('token mismatch on form'), 'token mismatch on form');
});

test('event names: the seed set, registration rules', () => {
  assert.equal(SecurityEvent.LOGIN_FAILED, 'LOGIN_FAILED');
  assert.equal(eventDescription('SESSION_FIXATION_ATTEMPT'), 'Detected session fixation attack attempt');
  // The seed's 17, rampart's log/config/CSP events, and every event rampart middleware emit.
  assert.equal(Object.keys(SecurityEvent).length, 31);
  for (const name of [
    'INVALID_HOST',
    'BODY_LIMIT_EXCEEDED',
    'BODY_TIMEOUT',
    'BLOCKED_IP_REQUEST',
    'IP_BLOCKED',
    'SUSPICIOUS_USER_AGENT',
    'RATE_LIMIT_STORE_DOWN',
    'RATE_LIMIT_STORE_RECOVERED',
    'REJECT_HANDLER_FAILED',
    'ALERT',
  ]) {
    assert.ok(eventDescription(name)!.length > 10, name);
  }
  assert.ok(isValidEventName('A_1') && !isValidEventName('a') && !isValidEventName('A'.repeat(51)) && !isValidEventName(''));
  assert.equal(registerEvent('WEBHOOK_REJECTED', 'A webhook signature did not verify'), 'WEBHOOK_REJECTED');
  registerEvent('WEBHOOK_REJECTED', 'A webhook signature did not verify'); // same: no-op
  assert.throws(
    () => registerEvent('WEBHOOK_REJECTED', 'other'),
    (e) => isRampartError(e, 'ERR_RAMPART_LOG_EVENT'),
  );
  assert.throws(
    () => registerEvent('bad-name', 'x'),
    (e) => isRampartError(e, 'ERR_RAMPART_LOG_EVENT'),
  );
  assert.throws(
    () => registerEvent('OK_NAME', ''),
    (e) => isRampartError(e, 'ERR_RAMPART_LOG_EVENT'),
  );
});

test('field helpers: escaping, truncation, IP normalisation', () => {
  assert.equal(escapeControls('a\u0000b\r\nc\u007f\u009b'), 'a\\x00b\\x0d\\x0ac\\x7f\\x9b');
  const cut = truncate('x'.repeat(100), 40);
  assert.equal(cut.length, 40);
  assert.ok(cut.endsWith('…[truncated 60 chars]'));
  assert.equal(truncate('😀'.repeat(30), 30).includes('\ud83d…'), false, 'no split surrogate pair');
  assert.deepEqual(normalizeIp('::FFFF:10.0.0.1'), { ip: '10.0.0.1' });
  assert.deepEqual(normalizeIp('[2001:DB8::1]'), { ip: '2001:db8::1' });
  assert.deepEqual(normalizeIp('fe80::1%eth0'), { ip: 'fe80::1' });
  assert.deepEqual(normalizeIp('1.2.3.4, 5.6.7.8'), { ip: null, invalid: '1.2.3.4, 5.6.7.8' });
});

test('redactString: crafted JWT-shaped runs (the 100 KB stall) are left as they are, a real JWT among them is masked', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature';
  for (const unit of ['eyJyyyy-', 'eyJ-', 'eyJ-e---', 'eyJ', 'eyJ-e.']) {
    const crafted = unit.repeat(Math.floor(60_000 / unit.length));
    assert.ok(redactString(crafted) === crafted, unit);
    assert.ok(redactString(`${crafted} ${jwt} end`) === `${crafted} *** end`, unit);
  }
  // Dot-separated runs that are JWT-shaped are masked, three segments at a time.
  assert.equal(redactString('eyJ-e---.eyJ-e---.eyJ-e---.eyJ-e---.eyJ-e---.'), '***.***');
  // The regex's word boundary: `x-eyJ…` is a token, `xeyJ…` is not.
  assert.equal(redactString(`id-${jwt}`), 'id-***');
  assert.equal(redactString(`id${jwt}`), `id${jwt}`);
  // Segments: header ≥ 8 characters with eyJ, payload ≥ 5, signature may be empty.
  assert.equal(redactString('a eyJhbGci.abcde. b'), 'a *** b');
  assert.equal(redactString('a eyJhbGc.abcde.x b'), 'a eyJhbGc.abcde.x b');
  assert.equal(redactString('a eyJhbGci.abcd.x b'), 'a eyJhbGci.abcd.x b');
});

test('redactString: text over REDACT_MAX_LENGTH is cut before scanning, never returned unscanned', () => {
  const secret = 'password=hunter2hunter2';
  const long = `${'word '.repeat(REDACT_MAX_LENGTH / 5)}${secret} and more ${'x'.repeat(5000)}`;
  const out = redactString(long);
  assert.ok(out.length < long.length);
  assert.ok(!out.includes('hunter2'));
  assert.match(out, /…\[\d+ characters not scanned, removed\]$/);
  // A token straddling the cut is dropped whole, not left half-visible.
  const straddle = `${'x '.repeat((REDACT_MAX_LENGTH - 10) / 2)}eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.signature`;
  assert.ok(!redactString(straddle).includes('eyJ'));
  // 200 KB username through the log's detail path: bounded, redacted, marked.
  const detail = redact({ username: `${'ab'.repeat(100_000)} ${secret}` });
  assert.ok(detail.username.length <= REDACT_MAX_LENGTH + 64);
  assert.ok(!detail.username.includes('hunter2'));
});

test('isSensitiveKey: compound forms of the sensitive words (camelCase, kebab-case, dotted, digits), ordinary names stay', () => {
  for (const key of [
    'privateKey',
    'clientSecretKey',
    'x-private-key-pem',
    'APIKey',
    'apiKeyValue',
    'password_confirmation',
    'sessionToken',
    'privateKeyPem',
    'AccessTokenValue',
    'user.password',
    'password2',
    'sessionId',
    'SID',
    'creditCardNumber',
    'set-cookie',
    'authToken',
    'dbPass',
  ])
    assert.ok(isSensitiveKey(key), key);
  for (const key of [
    'email',
    'user',
    'path',
    'monkey',
    'key',
    'ip',
    'description',
    'passport',
    'tokenizer',
    'count',
    'author',
    'apiKeyHeader',
    'csrf.cookieName',
    'passTypes',
    'tokenExpiry',
    'sessionTimeout',
  ])
    assert.ok(!isSensitiveKey(key), key);
  assert.deepEqual(redact({ privateKey: 'a', clientSecretKey: 'b', 'x-private-key-pem': 'c', ok: 'd' }), {
    privateKey: '***',
    clientSecretKey: '***',
    'x-private-key-pem': '***',
    ok: 'd',
  });
});

test('redactString: any auth scheme loses its credential, JSON pairs stay JSON, URL passwords and PEM private keys are masked', () => {
  assert.equal(redactString('Authorization: Token TOKSECRET'), 'Authorization: ***');
  assert.equal(redactString('Proxy-Authorization: Custom a1b2c3d4e5'), 'Proxy-Authorization: ***');
  assert.equal(redactString('Authorization: Digest username="ann", response="abc"\nnext line'), 'Authorization: ***\nnext line');
  assert.equal(redactString('authorization=Token%20abc&page=2'), 'authorization=***&page=2');
  assert.equal(redactString('Cookie: sid=abc; theme=dark'), 'Cookie: ***');
  assert.equal(redactString('{"h":"Authorization: Token X1","o":1}'), '{"h":"Authorization: ***","o":1}');
  assert.equal(redactString('{"password":"p1","user":"ann"}'), '{"password":"***","user":"ann"}');
  assert.equal(
    redactString('{"privateKey": "k", "pin": 1234, "creds": {"a": "b", "c": [1]}, "n": 1}'),
    '{"privateKey": "***", "pin": "***", "creds": "***", "n": 1}',
  );
  assert.equal(redactString('"{\\"password\\":\\"p1\\",\\"u\\":1}"'), '"{\\"password\\":\\"***\\",\\"u\\":1}"');
  assert.equal(redactString("{'password': 'p1'}"), "{'password': '***'}");
  assert.equal(redactString('password="never closed and more'), 'password=***', 'an unterminated quote masks to the end');
  assert.equal(redactString('body password%3Dhunter2%26x and secret%3ahunter3'), 'body password%3D*** and secret%3a***');
  assert.equal(redactString('connect postgres://app:DBPASS@db:5432/app failed'), 'connect postgres://app:***@db:5432/app failed');
  assert.equal(redactString('https://user:p@ss@host/x?q=a@b'), 'https://user:***@host/x?q=a@b');
  assert.equal(redactString('see https://host:8443/a@b and mailto:x@y'), 'see https://host:8443/a@b and mailto:x@y');
  assert.equal(redactString('https://token@host/x'), 'https://token@host/x', 'a user name alone stays');
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
  assert.equal(redactString(`k ${pem} done`), 'k -----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY----- done');
  assert.equal(redactString('-----BEGIN PRIVATE KEY-----\nMIIEvQ cut'), '-----BEGIN PRIVATE KEY-----***');
  const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  assert.equal(redactString(cert), cert, 'certificates are public');
  // Prose and ordinary pairs are untouched.
  // rampart's own `session: …` details are a label, not a session id; `session=`/`"session":` values are masked.
  assert.equal(redactString('session: cookie signature invalid'), 'session: cookie signature invalid');
  assert.equal(redactString('session=3f9a8b7c6d sessionId: 3f9a8b7c6d {"session":"3f9a8b7c6d"}'), 'session=*** sessionId: *** {"session":"***"}');
  for (const text of ['token mismatch on form', 'rule=sqli type=xss in=body.password score=26', 'at 2026-12-05T05:08:06Z from [2001:db8::1]:443'])
    assert.equal(redactString(text), text);
});

test('redactString: adversarial runs of separators, quotes, schemes and PEM markers are masked fail-closed and come back whole', () => {
  for (const unit of [
    'password="',
    'a:',
    'token=',
    '"pin":"',
    'auth: x="',
    '://a:b',
    '://@',
    '-----BEGIN ',
    '-----BEGIN PRIVATE KEY-----',
    '{"secret":{',
    'x\\"',
    'Authorization: Digest a="',
  ])
    assert.equal(typeof redactString(unit.repeat(Math.floor(60_000 / unit.length))), 'string', unit);
  // 4,999 quotes: the last one is unterminated, so everything after it is masked.
  assert.ok(!redactString(`${'password="'.repeat(4999)}SECRET`).includes('SECRET'));
});

test('redact: an Error keeps its name, message (redacted) and code, not its stack', () => {
  const error = Object.assign(new TypeError('connect failed postgres://app:DBPASS@db/app password=ERRPASS'), { code: 'ECONNREFUSED' });
  assert.deepEqual(redact({ err: error }), {
    err: { name: 'TypeError', message: 'connect failed postgres://app:***@db/app password=***', code: 'ECONNREFUSED' },
  });
  assert.deepEqual(redact(new Error('plain')), { name: 'Error', message: 'plain' });
});
