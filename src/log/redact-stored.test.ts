// Secrets in event details must not reach a stored row or a written line: each case goes
// through a real SecurityLog (PGlite in memory) and through the JSON-lines default sink, and
// what was stored or written is read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog } from './security-log.ts';
import { jsonLinesSink } from './json-lines.ts';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7PEMSECRET\n-----END PRIVATE KEY-----';

/** Text details: [detail, secrets that must be gone, text that must stay]. */
const TEXT_CASES: Array<[string, string[], string[]]> = [
  ['upstream said: Authorization: Token TOKSECRET2', ['TOKSECRET2'], ['upstream said: Authorization: ***']],
  ['Authorization: Custom-Scheme CUSTOMSECRET', ['CUSTOMSECRET'], ['Authorization: ***']],
  ['proxy-authorization: Basic dXNlcjpQUk9YWVNFQ1JFVA==', ['dXNlcjpQUk9YWVNFQ1JFVA'], ['proxy-authorization: ***']],
  ['Authorization: Digest username="ann", realm="x", nonce="n1", response="DIGESTSECRET"', ['DIGESTSECRET', 'n1'], ['Authorization: ***']],
  ['body {"password":"JSONPASS2","user":"ann"}', ['JSONPASS2'], ['"password":"***"', '"user":"ann"']],
  ['{"privateKey":"PKSECRET","clientSecretKey":"CSKSECRET","ok":1}', ['PKSECRET', 'CSKSECRET'], ['"ok":1']],
  ['{"password":"ESC\\"APEDSECRET"}', ['APEDSECRET'], ['"password":"***"']],
  ['dsn postgres://app:DBPASS2@db/app', ['DBPASS2'], ['postgres://app:***@db/app']],
  ['fetch https://user:URLPASS@host.example/x failed', ['URLPASS'], ['https://user:***@host.example/x failed']],
  [`key ${PEM} end`, ['PEMSECRET', 'MIIEvQ'], ['-----BEGIN PRIVATE KEY-----', '-----END PRIVATE KEY----- end']],
];

/** Object details: [detail, secrets that must be gone]. */
const OBJECT_CASES: Array<[Record<string, unknown>, string[]]> = [
  [
    { privateKey: 'PK_SECRET', clientSecretKey: 'CSK_SECRET', 'x-private-key-pem': 'PEMKEY_SECRET', AccessTokenValue: 'ATV_SECRET' },
    ['PK_SECRET', 'CSK_SECRET', 'PEMKEY_SECRET', 'ATV_SECRET'],
  ],
  [{ nested: { h: 'Authorization: Token TOKSECRET' } }, ['TOKSECRET']],
  [{ json: '{"password":"JSONPASS"}' }, ['JSONPASS']],
  [{ dsn: 'postgres://app:DBPASS@db/app' }, ['DBPASS']],
  [{ key: PEM }, ['PEMSECRET']],
];

test('SecurityLog (PGlite memory): credentials of any auth scheme, JSON passwords, URL passwords, compound keys and PEM keys are not stored', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    for (const [detail] of TEXT_CASES) await log.log('LOGIN_FAILED', { ip: '192.0.2.1', detail }, { wait: true });
    for (const [detail] of OBJECT_CASES) await log.log('LOGIN_FAILED', { ip: '192.0.2.1', detail }, { wait: true });
    const stored = (await log.getRecent({ limit: 100 })).map((r) => r.detail ?? '').reverse();
    assert.equal(stored.length, TEXT_CASES.length + OBJECT_CASES.length);
    TEXT_CASES.forEach(([detail, secrets, kept], i) => {
      const row = stored[i]!;
      for (const s of secrets) assert.ok(!row.includes(s), `${JSON.stringify(detail)} stored as ${JSON.stringify(row)}`);
      for (const k of kept) assert.ok(row.includes(k), `${JSON.stringify(row)} keeps ${JSON.stringify(k)}`);
    });
    OBJECT_CASES.forEach(([detail, secrets], i) => {
      const row = stored[TEXT_CASES.length + i]!;
      for (const s of secrets) assert.ok(!row.includes(s), `${JSON.stringify(detail)} stored as ${JSON.stringify(row)}`);
      JSON.parse(row); // still a JSON object
    });
  } finally {
    await log.close();
  }
});

test('jsonLinesSink: the same secrets are not written', () => {
  const lines: string[] = [];
  const sink = jsonLinesSink({ stream: { write: (line: string) => lines.push(line) }, maxPerInterval: 1000 });
  try {
    for (const [detail] of TEXT_CASES) sink.emit({ event: 'LOGIN_FAILED', ip: '192.0.2.1', detail });
  } finally {
    sink.close();
  }
  assert.equal(lines.length, TEXT_CASES.length);
  TEXT_CASES.forEach(([detail, secrets, kept], i) => {
    const written = (JSON.parse(lines[i]!) as { detail: string }).detail;
    for (const s of secrets) assert.ok(!written.includes(s), `${JSON.stringify(detail)} written as ${JSON.stringify(written)}`);
    for (const k of kept) assert.ok(written.includes(k), `${JSON.stringify(written)} keeps ${JSON.stringify(k)}`);
  });
});

/** A document class whose fields are private: JSON sees only what its toJSON returns. */
class UserDocument {
  readonly #fields = { email: 'ann@example.com', password: 'CLASS_HASH_SECRET', resetToken: 'CLASS_RESET_SECRET' };
  toJSON(): Record<string, string> {
    return this.#fields;
  }
}

test('details with their own toJSON (a plain object, a class with private fields): what toJSON returns is redacted, in PGlite and in a JSON line', async () => {
  const details: Array<Record<string, unknown>> = [
    { toJSON: () => ({ password: 'PLAIN_TOJSON_SECRET', user: 'ann' }) },
    new UserDocument() as unknown as Record<string, unknown>,
    { nested: { toJSON: () => ({ apiKey: 'NESTED_TOJSON_SECRET', ok: 1 }) } },
  ];
  const secrets = ['PLAIN_TOJSON_SECRET', 'CLASS_HASH_SECRET', 'CLASS_RESET_SECRET', 'NESTED_TOJSON_SECRET'];
  const kept = ['"user":"ann"', '"email":"ann@example.com"', '"ok":1'];
  const log = new SecurityLog({ database: 'memory' });
  const lines: string[] = [];
  const sink = jsonLinesSink({ stream: { write: (line: string) => lines.push(line) }, maxPerInterval: 1000 });
  try {
    for (const detail of details) {
      await log.log('PERMISSION_DENIED', { ip: '192.0.2.1', detail }, { wait: true });
      // The record type says text; a JavaScript caller can hand the sink an object all the same.
      sink.emit({ event: 'PERMISSION_DENIED', ip: '192.0.2.1', detail: detail as unknown as string });
    }
    const stored = (await log.getRecent({ limit: 10 })).map((r) => r.detail ?? '').reverse();
    const written = lines.map((l) => (JSON.parse(l) as { detail: string }).detail);
    for (const rows of [stored, written]) {
      assert.equal(rows.length, details.length);
      const all = rows.join('\n');
      for (const s of secrets) assert.ok(!all.includes(s), `${s} in ${all}`);
      for (const k of kept) assert.ok(all.includes(k), `${all} keeps ${k}`);
    }
  } finally {
    sink.close();
    await log.close();
  }
});
