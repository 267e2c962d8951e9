// Private keys in a percent-encoded or form-encoded text (a logged query string or form body):
// the BEGIN line with `%20` or `+` for its spaces is recognised, and the block runs to the END
// line encoded the same way, or to the end of the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPrivateKeys, privateKeyBlocks } from './private-keys.ts';
import { redactString } from '../log/redact.ts';
import { redactPii } from '../input/index.ts';

const BODY = 'MIIEowIBAAKCAQEAxyz123SECRETBODY';

const CASES: Array<[string, string]> = [
  [`-----BEGIN%20PRIVATE%20KEY-----%0A${BODY}`, '-----BEGIN%20PRIVATE%20KEY-----***'],
  [`key=-----BEGIN+PRIVATE+KEY-----+${BODY}`, 'key=-----BEGIN+PRIVATE+KEY-----***'],
  [
    `k=-----BEGIN%20RSA%20PRIVATE%20KEY-----%0A${BODY}%0A-----END%20RSA%20PRIVATE%20KEY-----&next=1`,
    'k=-----BEGIN%20RSA%20PRIVATE%20KEY-----***-----END%20RSA%20PRIVATE%20KEY-----&next=1',
  ],
  [`k=-----BEGIN+EC+PRIVATE+KEY-----%0A${BODY}%0A-----END+EC+PRIVATE+KEY-----&b=2`, 'k=-----BEGIN+EC+PRIVATE+KEY-----***-----END+EC+PRIVATE+KEY-----&b=2'],
];

test('maskPrivateKeys: percent- and form-encoded BEGIN lines are masked to the matching END or the end', () => {
  for (const [text, expected] of CASES) {
    assert.equal(maskPrivateKeys(text, '***'), expected, text);
    assert.ok(!redactString(text).includes('SECRETBODY'), text);
    assert.ok(!redactPii(text).includes('SECRETBODY'), text);
  }
});

test('privateKeyBlocks: encoded public keys and certificates are not private keys', () => {
  for (const text of ['-----BEGIN%20PUBLIC%20KEY-----%0AMIIB', '-----BEGIN+CERTIFICATE-----+MIIC', '-----BEGIN%PRIVATE KEY-----x']) {
    assert.deepEqual([...privateKeyBlocks(text)], [], text);
  }
});
