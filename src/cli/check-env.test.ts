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
