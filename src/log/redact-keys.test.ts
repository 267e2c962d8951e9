// Short secret pairs that are the whole detail (`cvv=123`) and provider / rampart API keys in
// free text are masked like the rest: checked on redactString, through a real SecurityLog
// (PGlite in memory) and through the JSON-lines sink, reading back what was stored or written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeys } from '../auth/index.ts';
import { jsonLinesSink } from './json-lines.ts';
import { redactString } from './redact.ts';
import { SecurityLog } from './security-log.ts';
import { seededBytes } from '../../test/helpers/seeded-bytes.ts';

const RAMPART_KEY_SAMPLE = 'rk_live_lrtgvEF6oU0vHODNdJ8msIKLFPFqfiL1_4E3OJp';

/** [text, secrets that must be gone, text that must stay]. */
const CASES: Array<[string, string[], string[]]> = [
  ['cvv=123', ['123'], ['cvv=***']],
  ['pin=123', ['123'], ['pin=***']],
  ['pin=12', ['12'], ['pin=***']],
  ['otp=123', ['123'], ['otp=***']],
  ['sid=abc', ['abc'], ['sid=***']],
  ['cvc=123', ['123'], ['cvc=***']],
  ['stripe call failed with sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv', ['51HxYzAbCdEfGhIjKlMnOpQrStUv'], ['stripe call failed with sk_live_***']],
  ['restricted rk_test_51HxYzAbCdEfGhIjKlMnOpQr, retry', ['51HxYzAbCdEfGhIjKlMnOpQr'], ['restricted rk_test_***, retry']],
  ['github token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', ['aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'], ['github token ghp_***']],
  ['pat github_pat_11ABCDEFG0123456789abcdefghij_more', ['11ABCDEFG0123456789abcdefghij'], ['pat github_pat_***']],
  ['aws AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'], ['aws AKIAIOSFODNN7EXAMPLE *** end']],
  [`rampart key ${RAMPART_KEY_SAMPLE} used`, ['lrtgvEF6oU0vHODNdJ8msIKLFPFqfiL1'], ['rampart key rk_live_*** used']],
  ['custom prefix acme_prod_Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8_4E3OJp', ['Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8'], ['custom prefix acme_prod_***']],
  // A Standard Webhooks secret (monitor's alertWebhook, verifyWebhook): `whsec_` + standard base64 with `+`, `/` and `=`.
  [
    'alert webhook whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw+9zD/Hk7Lp== failed',
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'Hk7Lp'],
    ['alert webhook whsec_*** failed'],
  ],
  ['{"ref":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD/x1Ab"}', ['C2FVsBQIhrscChlQIMV', 'x1Ab'], ['"whsec_***"']],
];

/** Text that must come back unchanged. */
const KEPT = [
  'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 deployed',
  'user_test_account_name_for_the_import job',
  'sk_live_short',
  'see /api/v1/users/AliceExample/settings/profile12 ok',
  'request 123e4567-e89b-12d3-a456-426614174000 done',
  'spin=3 topping=cheese',
  'the otp was wrong',
];

test('redactString: a whole-detail short pair and free-text API keys are masked; look-alikes stay', () => {
  for (const [text, secrets, kept] of CASES) {
    const out = redactString(text);
    for (const s of secrets) assert.ok(!out.includes(s), `${JSON.stringify(text)} -> ${JSON.stringify(out)}`);
    for (const k of kept) assert.ok(out.includes(k), `${JSON.stringify(out)} keeps ${JSON.stringify(k)}`);
  }
  for (const text of KEPT) assert.equal(redactString(text), text);
});

test('a key issued by apiKeys() is masked in free text', async () => {
  const keys = apiKeys({ secret: 'q'.repeat(8) + 'Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8' });
  try {
    const { key } = await keys.create({ owner: 'acme', scopes: ['a:read'] });
    const out = redactString(`rampart key ${key} rejected`);
    assert.ok(!out.includes(key.slice(8)), out);
    assert.match(out, /^rampart key rk_live_\*\*\* rejected$/);
  } finally {
    await keys.close();
  }
});

test('SecurityLog (PGlite memory) and the JSON-lines sink store none of these secrets', async () => {
  const log = new SecurityLog({ database: 'memory' });
  const lines: string[] = [];
  const sink = jsonLinesSink({ stream: { write: (line: string) => lines.push(line) }, maxPerInterval: 1000 });
  try {
    for (const [detail] of CASES) {
      await log.log('SUSPICIOUS_INPUT', { ip: '192.0.2.1', detail }, { wait: true });
      sink.emit({ event: 'SUSPICIOUS_INPUT', ip: '192.0.2.1', detail });
    }
    const stored = (await log.getRecent({ limit: 100 })).map((r) => r.detail ?? '').reverse();
    const written = lines.map((l) => (JSON.parse(l) as { detail: string }).detail);
    assert.equal(stored.length, CASES.length);
    assert.equal(written.length, CASES.length);
    CASES.forEach(([detail, secrets, kept], i) => {
      for (const row of [stored[i]!, written[i]!]) {
        for (const s of secrets) assert.ok(!row.includes(s), `${JSON.stringify(detail)} kept as ${JSON.stringify(row)}`);
        for (const k of kept) assert.ok(row.includes(k), `${JSON.stringify(row)} keeps ${JSON.stringify(k)}`);
      }
    });
  } finally {
    sink.close();
    await log.close();
  }
});

test('redactString: Standard Webhooks secrets as monitor() tells users to generate them (whsec_ + base64 of 24–64 bytes) never survive', () => {
  for (let i = 0; i < 300; i++) {
    const random = seededBytes(`whsec ${i}`, 24 + (i % 41)).toString('base64');
    const out = redactString(`webhook secret whsec_${random} rejected`);
    assert.equal(out, 'webhook secret whsec_*** rejected', `whsec_${random}`);
  }
  for (const text of ['whsec_short', 'the whsec_ prefix', 'whsec_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']) assert.equal(redactString(text), text);
});

test('redactString: a secret-sounding word inside a random base64 token (`…apPwdVrYQ==`) is not a key: the next word stays', () => {
  for (const token of ['B/Xi0g+VJXxWxYT1QH2vVlXvaapPwdVrYQ==', 'aPwd7Vr2ZdV0IFbirYiLgBN9YiO5UpkHSLo=']) {
    assert.equal(redactString(`webhook secret whsec_${token} rejected`), 'webhook secret whsec_*** rejected', token);
    assert.equal(redactString(`got ${token} rejected`), `got ${token} rejected`, token);
  }
  // Real keys keep masking their values, with or without a token before them.
  assert.equal(redactString('pwd= hunter2'), 'pwd= ***');
  assert.equal(redactString('x a8Pwd= hunter2'), 'x a8Pwd= ***');
  assert.equal(redactString('cfg/password=hunter2 next'), 'cfg/password=*** next');
  assert.equal(redactString('token== rejected'), 'token=*** rejected');
});

test('the key scanner stays linear on hostile input', () => {
  for (const text of ['sk_live_'.repeat(8000), `${'A'.repeat(39)}/`.repeat(1600), 'ghp_'.repeat(16_000), `${'a_b_'.repeat(16_000)}`]) {
    assert.equal(typeof redactString(text), 'string');
  }
});
