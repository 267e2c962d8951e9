/**
 * W025 over the environment: which variables hold secrets (by name, and not identifiers
 * that only mention one), and which values are weak.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnvironment, isSecretName } from './check-env.ts';

const weak = (env: Record<string, string>): string[] =>
  checkEnvironment({ NODE_ENV: 'production', ...env }, true)
    .filter((f) => f.id === 'RAMPART-W025')
    .map((f) => f.message.split(' ')[0]!);

test("the README's own weak passphrase is flagged", () => {
  assert.deepEqual(weak({ PASSPHRASE: 'correct horse battery staple' }), ['PASSPHRASE']);
  assert.deepEqual(weak({ DB_PASSWORD: 'Correct-Horse-Battery-Staple-1' }), ['DB_PASSWORD']);
});

test('short password variable spellings (_PASS, _PWD, _PW) are secrets', () => {
  for (const name of ['SMTP_PASS', 'DB_PASS', 'REDIS_PWD', 'ADMIN_PW', 'MAIL_PASSWD']) {
    assert.ok(isSecretName(name), name);
    assert.deepEqual(weak({ [name]: 'hunter2hunter2' }), [name]);
  }
  const strong = randomBytes(24).toString('base64url');
  assert.deepEqual(weak({ SMTP_PASS: strong, REDIS_PWD: strong }), [], 'a random password passes');
});

test('identifiers, locations and flags named after a secret are not secrets', () => {
  for (const name of [
    'SECRETS_MANAGER_ARN',
    'KMS_KEY_ARN',
    'SECRET_ARN',
    'TOKEN_ENDPOINT',
    'SECRETS_MANAGER_ENDPOINT',
    'PASSWORD_RESET_URL',
    'API_KEY_PREFIX',
    'SECRET_REGION',
    'TOKEN_HOST',
    'PWD',
    'OLDPWD',
    'BYPASS',
    'PASS_THROUGH_HEADERS',
  ]) {
    assert.ok(!isSecretName(name), name);
  }
  assert.deepEqual(
    weak({
      SECRETS_MANAGER_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app',
      DB_SECRET: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db',
      PWD: '/srv/app',
    }),
    [],
    'an ARN value names where the secret lives',
  );
});

test('secret words joined to another word are secrets (PGPASSWORD, MYSECRET, APPTOKEN, SIGNINGKEY)', () => {
  for (const name of ['PGPASSWORD', 'DBPASSWORD', 'MYSECRET', 'APPTOKEN', 'SIGNINGKEY', 'STRIPE_APIKEY', 'JWTPRIVATEKEY', 'MYSQL_ROOT_PASSWORD']) {
    assert.ok(isSecretName(name), name);
  }
  assert.deepEqual(weak({ PGPASSWORD: 'postgres', DBPASSWORD: 'postgres', MYSECRET: 'abc', APPTOKEN: 'abc' }), [
    'APPTOKEN',
    'DBPASSWORD',
    'MYSECRET',
    'PGPASSWORD',
  ]);
});

test('a name ending in _KEY (or _KEYS, or a key version such as _KEY_2, _KEY_OLD) is a secret', () => {
  for (const name of [
    'KEY',
    'API_KEY',
    'CSRF_KEY',
    'APP_KEY',
    'ENCRYPTION_KEY',
    'API_KEYS',
    'ENCRYPTION_KEY_2',
    'JWT_KEY_V2',
    'APP_KEY_OLD',
    'AWS_SECRET_ACCESS_KEY',
  ]) {
    assert.ok(isSecretName(name), name);
  }
  assert.deepEqual(weak({ STRIPE_KEY: 'sk_test_xxx', ENCRYPTION_KEY_2: '00000000000000000000000000000000' }), ['ENCRYPTION_KEY_2', 'STRIPE_KEY']);
});

test('quantities and settings named after a secret are not secrets (KEY_ROTATION_DAYS, MAX_KEYS, …)', () => {
  for (const name of [
    'KEY_ROTATION_DAYS',
    'MAX_KEYS',
    'OPENAI_MAX_TOKENS',
    'NUM_TOKENS',
    'TOKEN_TTL',
    'TOKEN_TTL_SECONDS',
    'TOKEN_EXPIRES_IN',
    'PASSWORD_MIN_LENGTH',
    'PASSWORD_ROUNDS',
    'PASSWORD_RESET_ENABLED',
    'ENABLE_TOKEN_AUTH',
    'SECRET_ROTATION',
    'TOKEN_MAX_AGE',
    'TOKEN_LIMIT',
    'KEY_SIZE',
    'SECRET_NAME',
    'MY_PASSWORD_FILE',
    'DB_PASSWORD_URL',
    'ADMIN_PASSWORD_HASH',
    'KEY_ID',
    'KEY_HOST',
    'S3_KEY_PREFIX',
    'CSRF_TOKEN_HEADER',
    'PUBLIC_KEY',
    'TOKENIZERS_PARALLELISM',
    'PASSWORDLESS_LOGIN',
    'SECRETARY_EMAIL',
    'MONKEY',
    'DB_PASS_ID',
  ]) {
    assert.ok(!isSecretName(name), name);
  }
  assert.deepEqual(weak({ KEY_ROTATION_DAYS: '30', MAX_KEYS: '100', TOKEN_TTL: '3600', PASSWORD_MIN_LENGTH: '12' }), []);
});
