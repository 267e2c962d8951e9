// Secret names that free text carries in other forms than `key=value`: a password word followed
// by its value (`passphrase X9kq-2`), XML/HTML elements (`<password>…</password>`), session
// cookie names (`JSESSIONID`) and the signature parameters of presigned URLs (S3, CloudFront,
// Azure SAS, GCS). Checked on redactString/redactPath and on what a real SecurityLog stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, redactPath, redactString } from './redact.ts';
import { isSensitiveKey } from '../core/secret-keys.ts';
import { maskElementValues, maskSpacedValues } from './redact-names.ts';
import { SecurityLog } from './security-log.ts';

/** [text, what it must become]. */
const MASKED_TEXT: Array<[string, string]> = [
  // A password word, a space, then a value that is not a plain word.
  ['passphrase X9kq-2 accepted', 'passphrase *** accepted'],
  ['login failed: wrong password hunter2', 'login failed: wrong password ***'],
  ['new_password Summer2024! rejected', 'new_password *** rejected'],
  ['the passphrase is Tr0ub4dor&3.', 'the passphrase is ***.'],
  ['passphrase "correct horse battery staple" set', 'passphrase "***" set'],
  ['{"msg":"password hunter2"}', '{"msg":"password ***"}'],
  ['in=body.password hunter2 score=26', 'in=body.password *** score=26'],
  // Element content for a sensitive element name, any case, attributes and namespace prefixes allowed.
  ['<password>hunter2</password>', '<password>***</password>'],
  ['<secret>s3cr3t value</secret>', '<secret>***</secret>'],
  ['<apiKey>AKIA12</apiKey>', '<apiKey>***</apiKey>'],
  ['<token>abc</token>', '<token>***</token>'],
  ['<Password type="plain">hunter2</Password>', '<Password type="plain">***</Password>'],
  ['<ns:password>hunter2</ns:password>', '<ns:password>***</ns:password>'],
  ['<user><name>ann</name><password>\n  hunter2\n</password></user>', '<user><name>ann</name><password>\n  ***\n</password></user>'],
  ['<password><![CDATA[hun<ter2]]></password>', '<password><![CDATA[***]]></password>'],
  ['<client_secret>abc</client_secret>', '<client_secret>***</client_secret>'],
  // Session cookie names: their values whatever their shape.
  ['jsessionid abcdef12345', 'jsessionid ***'],
  ['JSESSIONID=abc123', 'JSESSIONID=***'],
  ['cookie JSESSIONID: abcd; Path=/', 'cookie JSESSIONID: ***; Path=/'],
  ['PHPSESSID=abc', 'PHPSESSID=***'],
  ['https://x/a;jsessionid=s3cr3tvalue', 'https://x/a;jsessionid=***'],
  // Presigned URLs: the signature (and credential/token) parameters, however short.
  ['X-Amz-Signature=abc123', 'X-Amz-Signature=***'],
  ['X-Amz-Security-Token=FQoGZXIvYXdzE', 'X-Amz-Security-Token=***'],
  [
    'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEX%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=abc123',
    'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=***',
  ],
  [
    'https://d.cloudfront.net/a.mp4?Expires=1700000000&Signature=abcDEF~xyz&Key-Pair-Id=APKAEXAMPLE',
    'https://d.cloudfront.net/a.mp4?Expires=1700000000&Signature=***&Key-Pair-Id=APKAEXAMPLE',
  ],
  ['https://a.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&sig=abc123', 'https://a.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&sig=***'],
  ['sas sv=2022-11-02&sig=abc123 expired', 'sas sv=2022-11-02&sig=*** expired'],
  [
    'https://storage.googleapis.com/b/o?X-Goog-Credential=svc%40p.iam&X-Goog-Signature=ab12',
    'https://storage.googleapis.com/b/o?X-Goog-Credential=***&X-Goog-Signature=***',
  ],
];

/** Text that must come back unchanged: prose about passwords, non-secret elements, labels. */
const KEPT_TEXT = [
  'password reset requested for ann',
  'password mismatch',
  'rule=sqli type=xss in=body.password score=26',
  'passphrase too short',
  'Password must be at least twelve characters',
  'password ERR_RAMPART_WEAK_PASSWORD',
  '<tokenExpiry>3600</tokenExpiry>',
  '<tokenType>Bearer</tokenType>',
  '<div>hello</div>',
  '<password/>',
  '<password></password>',
  'a < password > b',
  'http signature: ERR_RAMPART_HTTP_SIGNATURE',
  'invalid signature',
  'session: cookie signature invalid',
  'JSESSIONID cookie missing',
  'https://d.cloudfront.net/a.mp4?Expires=1700000000&Key-Pair-Id=APKAEXAMPLE',
];

test('redactString: a password word followed by its value, sensitive XML/HTML elements, session cookie names and presigned-URL signatures are masked', () => {
  for (const [text, expected] of MASKED_TEXT) assert.equal(redactString(text), expected, text);
});

test('redactString: prose about passwords, non-secret elements and signature labels stay readable', () => {
  for (const text of KEPT_TEXT) assert.equal(redactString(text), text, text);
});

test('redactPath: session ids and presigned-URL signatures in parameters are masked by name, not only by shape', () => {
  const cases: Array<[string, string]> = [
    ['/x;jsessionid=secretvalue', '/x;jsessionid=***'],
    ['/x;JSESSIONID=abc', '/x;JSESSIONID=***'],
    ['/x?PHPSESSID=abc&page=2', '/x?PHPSESSID=***&page=2'],
    ['/x?X-Amz-Signature=abc', '/x?X-Amz-Signature=***'],
    ['/x?X-Amz-Credential=abc', '/x?X-Amz-Credential=***'],
    ['/x?X-Amz-Security-Token=abc', '/x?X-Amz-Security-Token=***'],
    ['/x?Expires=1&Signature=abc', '/x?Expires=1&Signature=***'],
    ['/x?sv=2022-11-02&sig=abc', '/x?sv=2022-11-02&sig=***'],
    ['/x?X-Goog-Signature=abc', '/x?X-Goog-Signature=***'],
  ];
  for (const [path, expected] of cases) assert.equal(redactPath(path), expected, path);
  for (const path of ['/x?signatureAlgorithm=ES256', '/x?design=flat', '/x?Expires=1700000000']) assert.equal(redactPath(path), path, path);
});

test('isSensitiveKey / redact: session cookie names and the qualified presigned-URL signature names are sensitive keys', () => {
  for (const key of ['JSESSIONID', 'jsessionid', 'PHPSESSID', 'X-Amz-Signature', 'x_goog_signature']) assert.ok(isSensitiveKey(key), key);
  for (const key of ['signatureAlgorithm', 'signed', 'design']) assert.ok(!isSensitiveKey(key), key);
  assert.deepEqual(redact({ query: { 'X-Amz-Signature': 'abc', JSESSIONID: 'def', page: '2' } }), {
    query: { 'X-Amz-Signature': '***', JSESSIONID: '***', page: '2' },
  });
});

test('SecurityLog (PGlite memory): none of these values is stored', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    for (const [text] of MASKED_TEXT) await log.log('SUSPICIOUS_INPUT', { ip: '192.0.2.1', detail: text });
    await log.flush();
    const stored = (await log.getRecent({ limit: 100 })).map((r) => r.detail ?? '');
    assert.equal(stored.length, MASKED_TEXT.length);
    for (const row of stored) assert.doesNotMatch(row, /hunter2|X9kq|Summer2024|Tr0ub4dor|horse|s3cr3t|AKIA12|abc123|abcdef12345|FQoG|abcDEF|ab12\b/, row);
  } finally {
    await log.close();
  }
});

/** A string whose character reads are counted: the scanners read characters only through charCodeAt. */
function counted(text: string): { text: string; steps: () => number } {
  let steps = 0;
  class Counting extends String {
    override charCodeAt(index: number): number {
      steps++;
      return super.charCodeAt(index);
    }
  }
  return { text: new Counting(text) as unknown as string, steps: () => steps };
}

test('the element and spaced-value scanners are linear: a bounded number of character reads per character on hostile text', () => {
  const N = 1 << 16;
  const inputs: Record<string, string> = {
    '<': '<'.repeat(N),
    '<password': '<password'.repeat(N / 9),
    '<password>': '<password>'.repeat(N / 10),
    '<password x=': '<password x='.repeat(N / 12),
    '<password><![CDATA[': '<password><![CDATA['.repeat(N / 19),
    'password ': 'password '.repeat(N / 9),
    'password "': 'password "'.repeat(N / 10),
    'password is ': 'password is '.repeat(N / 12),
    'password\\t\\t': 'password\t\t'.repeat(N / 10),
    letters: 'passwordpassword'.repeat(N / 16),
    blanks: `password${' '.repeat(N)}x1`,
  };
  for (const [name, input] of Object.entries(inputs)) {
    for (const scan of [maskElementValues, maskSpacedValues]) {
      const c = counted(input);
      const out = String(scan(c.text, '***'));
      assert.ok(out.length > 0, name);
      assert.ok(c.steps() <= 8 * input.length + 16, `${scan.name} ${name}: ${c.steps()} reads for ${input.length} characters`);
    }
    assert.equal(typeof redactString(input), 'string');
  }
});
