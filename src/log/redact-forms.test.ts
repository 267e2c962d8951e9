// Key/value forms that are not `key=value` with a one-word value: the `=>` arrow of Perl, PHP
// and Ruby, a multi-word value after `key:`/`key=`, name/value pairs held in arrays
// (`rawHeaders`, header tuples, argv) or in `{ name, value }` objects, environment names that
// run a secret word into the rest (`PGPASSWORD`), one-time-code names and keys in odd case or
// with invisible characters. Checked on redactString/redact and on what a SecurityLog stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, redactString } from './redact.ts';
import { isSensitiveKey } from '../core/secret-keys.ts';
import { SecurityLog } from './security-log.ts';

/** [text, what it must become]. */
const MASKED_TEXT: Array<[string, string]> = [
  // An unquoted key gets an unquoted mask, as after `=`.
  ["password => 'hunter2'", 'password => ***'],
  ["user set password => 'hunter2'", 'user set password => ***'],
  ["{ 'password' => 'hunter2', 'user' => 'ann' }", "{ 'password' => '***', 'user' => 'ann' }"],
  [':api_key => "k9f8e7d6"', ':api_key => ***'],
  ['password=>hunter2 user=>ann', 'password=>*** user=>ann'],
  // A value of plain words runs to the end of the line or the next `,` `;` `&` `}` or pair.
  ['password: correct horse battery staple', 'password: ***'],
  ['password: correct horse battery staple\nuser: ann', 'password: ***\nuser: ann'],
  ['password: correct horse battery staple, user: ann', 'password: ***, user: ann'],
  ['passphrase=correct horse battery staple&next=1', 'passphrase=***&next=1'],
  ['{password: correct horse battery} ok', '{password: ***} ok'],
  ['secret: correct horse user=ann', 'secret: *** user=ann'],
  // Environment names that run a secret word into the rest, all in capitals.
  ['PGPASSWORD=hunter2pass', 'PGPASSWORD=***'],
  ['env PGPASSWORD=hunter2pass MYSQL_PWD=hunter2pass', 'env PGPASSWORD=*** MYSQL_PWD=***'],
  ['REDISCLI_AUTH=hunter2pass', 'REDISCLI_AUTH=***'],
  ['DBPASS=hunter2pass', 'DBPASS=***'],
  ['GITHUBTOKEN=abc123', 'GITHUBTOKEN=***'],
  ['APPSECRET=abc123', 'APPSECRET=***'],
  // One-time codes by name.
  ['otp_code=123456', 'otp_code=***'],
  ['mfa_code=123456', 'mfa_code=***'],
  ['verification_code=123456 sent', 'verification_code=*** sent'],
  ['auth_code=123456', 'auth_code=***'],
  ['totp=123456', 'totp=***'],
  ['login otp=123456 ok', 'login otp=*** ok'],
  ['pin_code: 1234', 'pin_code: ***'],
  // Odd case and invisible characters inside the name.
  ['pAsSwOrD=hunter2', 'pAsSwOrD=***'],
  ['pass\u200bword=hunter2', 'pass\u200bword=***'],
  ['pass\u00adword=hunter2', 'pass\u00adword=***'],
  ['pass_word=hunter2', 'pass_word=***'],
];

/** Ordinary text that must come back unchanged. */
const UNCHANGED_TEXT = [
  'GET /x -> 404 code=404',
  'status code=500 after 3 retries',
  'upstream replied code=429, retrying',
  'error_code=E42 country_code=DE',
  'status_code: 503 from upstream',
  'password reset requested for user ann',
  'password: *** for user ann',
  'api key: ERR_RAMPART_API_KEY_REVOKED',
  'session: cookie signature invalid',
  'BYPASS=1 COMPASS=north',
  'TOKENIZERS_PARALLELISM=false',
  'NODE_ENV=production PORT=8080',
  'sessionExpiry=3600 tokenType=bearer',
  'a => b, c => d',
  'map key => value',
];

test('key/value forms with an arrow, a multi-word value, an environment or one-time-code name are masked', () => {
  for (const [input, expected] of MASKED_TEXT) assert.equal(redactString(input), expected, input);
});

test('ordinary log lines around those forms stay readable (code=404 is a status, not a secret)', () => {
  for (const text of UNCHANGED_TEXT) assert.equal(redactString(text), text, text);
  // A one-word value keeps the prose after it: only plain words form a multi-word value.
  assert.equal(redactString('password: hunter2 for user ann'), 'password: *** for user ann');
  assert.equal(redactString('token=abc123 user=ann ip=10.0.0.1'), 'token=*** user=ann ip=10.0.0.1');
  assert.equal(redactString('session=3f9a8b7c6d sessionId: 3f9a8b7c6d {"session":"3f9a8b7c6d"}'), 'session=*** sessionId: *** {"session":"***"}');
});

test('key names in any case, joined, with one-time-code heads or invisible characters are sensitive', () => {
  for (const key of [
    'pass_word',
    'pass-phrase',
    'otp_code',
    'mfaCode',
    'pin_code',
    'totpCode',
    'verification_code',
    'auth_code',
    'recovery_code',
    'securityCode',
    'pAsSwOrD',
    'PaSsWoRd',
    'pass\u200bword',
    'pass\u00adword',
    'pass\u2060word',
    '\ufeffpassword',
    'PGPASSWORD',
    'MYSQL_PWD',
    'REDISCLI_AUTH',
    'DBPASS',
    'NPMTOKEN',
  ]) {
    assert.equal(isSensitiveKey(key), true, key);
  }
  for (const key of [
    'code',
    'status_code',
    'error_code',
    'countryCode',
    'zipCode',
    'tokenExpiry',
    'cookieName',
    'apiKeyHeader',
    'passTypes',
    'BYPASS',
    'COMPASS',
    'TOKENIZERS_PARALLELISM',
    'SECRETARY_NAME',
    'TokenType',
    'pinned',
    'spinner',
    'Compass',
  ]) {
    assert.equal(isSensitiveKey(key), false, key);
  }
});

test('name/value pairs in arrays and { name, value } objects have their value masked', () => {
  assert.deepEqual(redact({ headers: [['X-Api-Key', 'k_9f8e7d6c5b4a3210']] }), { headers: [['X-Api-Key', '***']] });
  assert.deepEqual(redact({ rawHeaders: ['Authorization', 'Digest username="a", response="6629fae4"', 'Cookie', 'sid=abc', 'Accept', '*/*'] }), {
    rawHeaders: ['Authorization', '***', 'Cookie', '***', 'Accept', '*/*'],
  });
  assert.deepEqual(redact({ args: ['node', 'app.js', '--password', 'hunter2', '--port', '8080'] }), {
    args: ['node', 'app.js', '--password', '***', '--port', '8080'],
  });
  assert.deepEqual(redact({ args: ['-token', 'abc', '--verbose'] }), { args: ['-token', '***', '--verbose'] });
  assert.deepEqual(redact({ k: 'api_key', v: 'k9f8' }), { k: 'api_key', v: '***' });
  assert.deepEqual(redact({ name: 'password', value: 'hunter2' }), { name: 'password', value: '***' });
  assert.deepEqual(
    redact([
      { key: 'Authorization', value: 'Token x' },
      { key: 'Accept', value: 'json' },
    ]),
    [
      { key: 'Authorization', value: '***' },
      { key: 'Accept', value: 'json' },
    ],
  );
  assert.deepEqual(redact({ 'pass\u200bword': 'x', pAsSwOrD: 'y' }), { 'pass\u200bword': '***', pAsSwOrD: '***' });
});

test('lists of names and ordinary pairs stay readable', () => {
  const kept = [
    { fields: ['password', 'token'] },
    { missing: ['username', 'password', 'otp'] },
    { args: ['--verbose', '--password'] },
    { args: ['--password', '--verbose'] },
    {
      headers: [
        ['Accept', 'json'],
        ['X-Request-Id', 'r1'],
      ],
    },
    { name: 'ann', value: 3 },
    { name: 'tokenExpiry', value: 3600 },
    { key: 'theme', value: 'dark' },
    { pair: ['code', '404'] },
  ];
  for (const value of kept) assert.deepEqual(redact(value), value, JSON.stringify(value));
});

test('a SecurityLog stores none of these values', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    await log.ensureTable();
    const details: unknown[] = [
      "user set password => 'HUNTER2a'",
      'password: correct HUNTER2b horse battery',
      { headers: [['X-Api-Key', 'HUNTER2c']] },
      'env PGPASSWORD=HUNTER2d MYSQL_PWD=HUNTER2e',
      { args: ['--password', 'HUNTER2f'] },
      { k: 'api_key', v: 'HUNTER2g' },
      { name: 'password', value: 'HUNTER2h' },
      { rawHeaders: ['Authorization', 'Digest response="HUNTER2i"'] },
      'mfa_code=HUNTER2j',
    ];
    for (const detail of details) await log.log('LOGIN_FAILED', { detail: detail as string }, { wait: true });
    const rows = await log.getRecent({ limit: 20 });
    assert.equal(rows.length, details.length);
    for (const row of rows) assert.doesNotMatch(String(row.detail), /HUNTER2/, String(row.detail));
  } finally {
    await log.close();
  }
});

test('redactKeys masks one-time-code names and names with invisible characters too', async () => {
  const { redactKeys } = await import('../input/pii.ts');
  const input = {
    otp_code: '1',
    pin_code: '2',
    verificationCode: '3',
    'pass\u200bword': '4',
    'pass\u00adword': '5',
    pAsSwOrD: '6',
    status_code: 200,
    code: 404,
  };
  assert.deepEqual(redactKeys(input), {
    otp_code: '[REDACTED]',
    pin_code: '[REDACTED]',
    verificationCode: '[REDACTED]',
    'pass\u200bword': '[REDACTED]',
    'pass\u00adword': '[REDACTED]',
    pAsSwOrD: '[REDACTED]',
    status_code: 200,
    code: 404,
  });
});
