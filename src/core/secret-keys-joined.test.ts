// Secret names written in lower case with their words run together (`newpassword`,
// `accesstoken`, `clientsecret`): one rule for redact(), redactKeys(), the SecurityLog's detail
// writer and `key=value` pairs in text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSensitiveKey } from './secret-keys.ts';
import { redact, redactString } from '../log/redact.ts';
import { redactKeys } from '../input/index.ts';

const JOINED = [
  'newpassword',
  'confirmpassword',
  'currentpassword',
  'userpassword',
  'pgpassword',
  'mypassword',
  'dbpassword',
  'oldpasswd',
  'masterpassphrase',
  'accesstoken',
  'apitoken',
  'sessiontoken',
  'authtoken',
  'csrftoken',
  'clientsecret',
  'appsecret',
  'secretkey',
  'privatekey',
  'stripeapikey',
  'awssecretkey',
  'secretvalue',
  'topsecretstuff',
  'Newpassword',
  'NEWPASSWORD',
  'CLIENTSECRET',
];

// Ordinary words that contain or end like a secret name.
const ORDINARY = [
  'tokenizer',
  'tokenizers',
  'tokens',
  'maxtokens',
  'secretary',
  'secretaries',
  'secretariat',
  'secretion',
  'passwordless',
  'passwordlessLogin',
  'SECRETARY',
  'secretaryname',
  'bypass',
  'compass',
  'keyboard',
  'monkey',
];

test('isSensitiveKey: secret words run together in lower case are sensitive', () => {
  for (const key of JOINED) assert.equal(isSensitiveKey(key), true, key);
});

test('isSensitiveKey: ordinary words that contain a secret word stay readable', () => {
  for (const key of ORDINARY) assert.equal(isSensitiveKey(key), false, key);
});

test('redact and redactKeys mask the same joined names', () => {
  const o: Record<string, string> = {};
  for (const k of JOINED) o[k] = 'Zx9Secret7';
  const r = redact(o) as Record<string, string>;
  const k = redactKeys(o) as Record<string, string>;
  for (const key of JOINED) {
    assert.equal(r[key], '***', key);
    assert.notEqual(k[key], 'Zx9Secret7', key);
  }
  const plain: Record<string, string> = {};
  for (const key of ORDINARY) plain[key] = 'x';
  assert.deepEqual(redact(plain), plain);
});

test('redactString masks key=value with joined names', () => {
  for (const key of ['pgpassword', 'newpassword', 'mypassword', 'accesstoken', 'clientsecret', 'secretkey']) {
    assert.equal(redactString(`${key}=Zx9Secret7`), `${key}=***`, key);
  }
  for (const text of ['tokenizer=bert', 'secretary=ann', 'passwordless=true', 'maxtokens=500']) assert.equal(redactString(text), text);
});
