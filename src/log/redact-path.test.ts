// Secrets carried in request paths (reset and invite links, API keys, magic-link JWTs) must
// not reach a stored row or a written line, while ordinary ids and slugs stay readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactPath, redactString, REDACT_MAX_LENGTH } from './redact.ts';
import { maskPathSecrets } from '../core/secret-path.ts';
import { SecurityLog } from './security-log.ts';
import { jsonLinesSink } from './json-lines.ts';
import { monitor, type Alert } from '../monitor/index.ts';
import { cspReport } from '../csp/report.ts';
import { stack } from '../stack/index.ts';
import { serve } from '../../test/helpers/adapters.ts';

const HEX64 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const HEX32 = '0123456789ABCDEF0123456789ABCDEF';
const B64 = 'q9H9XN9dhM37W-UMdSB3JzqN_Ed0P8TW'; // 24 random bytes, base64url
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjoxfQ.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk';
// The shape apiKeys() issues: <prefix>_<env>_<32 base62>_<6 base62 checksum>.
const API_KEY = 'rk_live_4fZq8LmN2pR7sT1vW9xY3aB6cD0eF5gH_2kLm9Q';

/** [path, what it must become]. */
const MASKED: Array<[string, string]> = [
  [`/reset-password/${HEX64}`, '/reset-password/***'],
  ['/reset/abc', '/reset/***'],
  ['/password/reset/short-code', '/password/reset/***'],
  ['/verify-email/u-123', '/verify-email/***'],
  ['/account/confirm/123456', '/account/confirm/***'],
  ['/unsubscribe/ann', '/unsubscribe/***'],
  ['/resetPassword/x1', '/resetPassword/***'],
  [`/api/keys/${API_KEY}/rotate`, '/api/keys/***/rotate'],
  [`/v1/${API_KEY}`, '/v1/***'],
  [`/magic/${JWT}`, '/magic/***'],
  [`/login/${JWT}/next`, '/login/***/next'],
  [`/invite/${HEX64}`, '/invite/***'],
  [`/files/${HEX64}`, '/files/***'],
  [`/files/${HEX32}/view`, '/files/***/view'],
  [`/dl/${B64}.pdf`, '/dl/***.pdf'],
  [`/s/${B64}`, '/s/***'],
  [`/x;jsessionid=${HEX32}`, '/x;jsessionid=***'],
  [`/cb?code=${B64}&state=abc&access_token=xyz&page=2`, '/cb?code=***&state=abc&access_token=***&page=2'],
  ['/a?password=hunter2', '/a?password=***'],
  [`/a?t=${JWT}#frag`, '/a?t=***#frag'],
  [`https://app.example/reset/${HEX64}?utm=x`, 'https://app.example/reset/***?utm=x'],
];

/** Paths that must stay as they are: numbers, UUIDs, 24-hex object ids, slugs, camelCase, short hashes, route words without a value. */
const KEPT = [
  '/users/12345/orders/987654321',
  '/orders/550e8400-e29b-41d4-a716-446655440000',
  '/objects/507f1f77bcf86cd799439011',
  '/blog/2024/12/how-to-build-a-secure-api-with-node-and-typescript',
  '/release-notes-2024-v2-final-draft-edition',
  '/api/getUserAccountSettings2024',
  '/js/XMLHttpRequestFactory2Builder',
  '/static/app.3f2a9c1b.js',
  '/commits/3f2a9c1b',
  '/keyboard/layouts',
  '/tokenizer/run',
  '/settings/password-policy',
  '/api/v2/reset',
  '/api/keys/',
  '/search?q=hello+world&page=2&sort=created_at',
  '/.well-known/openid-configuration',
  '/images/IMG_20240101_123456.jpg',
  '/a/ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  '/a?token',
  '/',
  '',
];

test('redactPath: secrets in path segments and query values are masked', () => {
  for (const [path, expected] of MASKED) assert.equal(redactPath(path), expected, path);
});

test('redactPath: ordinary ids, UUIDs, slugs and route words stay readable', () => {
  for (const path of KEPT) assert.equal(redactPath(path), path, path);
});

/** A string whose character reads are counted: the scanner reads characters only through charCodeAt. */
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

test('maskPathSecrets is linear: at most 6 character reads per character on pathological paths of 256 KiB and 1 MiB', () => {
  const MB = 1 << 18; // counted reads are slow; the bound per character does not depend on the size
  const inputs: Record<string, string> = {
    eyJ: 'eyJ'.repeat(MB / 3),
    'eyJ.': 'eyJ.'.repeat(MB / 4),
    slashes: '/'.repeat(MB),
    'reset/': '/reset'.repeat(MB / 6),
    hex: `/${'a'.repeat(MB)}`,
    mixed: `/${'aB1-'.repeat(MB / 4)}`,
    query: `/?${'token=&'.repeat(MB / 8)}`,
    equals: `/?${'='.repeat(MB)}`,
    dots: `/${'.'.repeat(MB)}x`,
    words: `/${'password-'.repeat(MB / 9)}`,
    letters: '/abcdefgh'.repeat(MB / 9),
    apiKeys: `/${'rk_live_'.repeat(MB / 8)}`,
    'letters (1 MiB)': '/abcdefgh'.repeat((MB * 4) / 9),
  };
  for (const [name, input] of Object.entries(inputs)) {
    const c = counted(input);
    const out = String(maskPathSecrets(c.text, '***'));
    assert.ok(out.length > 0 && out.length <= input.length, name);
    assert.ok(c.steps() <= 6 * input.length + 16, `${name}: ${c.steps()} reads for ${input.length} characters`);
  }
});

test('redactPath: a 1 MB path is cut before scanning and the cut is marked; nothing after the cut is returned', () => {
  const path = `/reset/${HEX64}/${'a/'.repeat(1 << 19)}${HEX64}`;
  const out = redactPath(path);
  assert.ok(out.length <= REDACT_MAX_LENGTH + 64);
  assert.ok(out.startsWith('/reset/***/a/a/'));
  assert.match(out, /…\[\d+ characters not scanned, removed\]$/);
  assert.ok(!out.includes(HEX64.slice(0, 16)));
});

test('SecurityLog (PGlite memory) and jsonLinesSink: a token in a path never reaches storage or a line', async () => {
  const paths = MASKED.map(([p]) => p);
  const secrets = [HEX64, HEX32, B64, JWT.slice(0, 30), API_KEY, 'hunter2', 'short-code'];
  const log = new SecurityLog({ database: 'memory' });
  try {
    for (const path of paths) await log.log('LOGIN_FAILED', { ip: '192.0.2.1', path });
    await log.flush();
    const stored = (await log.getRecent({ limit: 100 })).map((r) => r.path ?? '').reverse();
    assert.deepEqual(
      stored,
      MASKED.map(([, expected]) => expected),
    );
    for (const row of stored) for (const s of secrets) assert.ok(!row.includes(s), `${row} holds ${s}`);
  } finally {
    await log.close();
  }
  const lines: string[] = [];
  const sink = jsonLinesSink({ stream: { write: (line: string) => lines.push(line) }, maxPerInterval: 1000 });
  try {
    for (const path of paths) sink.emit({ event: 'INVALID_TOKEN', ip: '192.0.2.1', path });
  } finally {
    sink.close();
  }
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { path: string }).path),
    MASKED.map(([, expected]) => expected),
  );
});

test('monitor alerts: the paths an alert sends to its sinks are redacted too', () => {
  const alerts: Alert[] = [];
  const m = monitor({ sinks: [{ name: 'collect', send: (a) => void alerts.push(a) }], events: false, rules: { loginFailedIp: { threshold: 1 } } });
  m.emit({ event: 'LOGIN_FAILED', ip: '192.0.2.7', path: `/magic/${JWT}` });
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0]!.paths, ['/magic/***']);
});

test('redactString: URLs inside details have their path secrets masked too (a CSP report from a reset page)', () => {
  assert.equal(
    redactString(`directive=script-src blocked=https://cdn.example/lib.js document=https://app.example/reset-password/${HEX64}`),
    'directive=script-src blocked=https://cdn.example/lib.js document=https://app.example/reset-password/***',
  );
  assert.equal(redactString(`{"url":"https://app.example/invite/${B64}?x=1","ok":1}`), '{"url":"https://app.example/invite/***?x=1","ok":1}');
  assert.equal(redactString('see https://docs.example/guides/reset-password for help'), 'see https://docs.example/guides/reset-password for help');
  assert.equal(redactString('fetch https://user:URLPASS@host.example/keys/k1 failed'), 'fetch https://user:***@host.example/keys/*** failed');
});

test('cspReport → jsonLinesSink through a real server: the reset token in document-uri is not written', async () => {
  const lines: string[] = [];
  const sink = jsonLinesSink({ stream: { write: (line: string) => lines.push(line) }, maxPerInterval: 1000 });
  const app = await serve('node', stack([cspReport()], { events: sink }));
  try {
    const report = {
      'csp-report': { 'document-uri': `https://app.example/reset-password/${HEX64}`, 'violated-directive': 'script-src', 'blocked-uri': 'inline' },
    };
    const r = await fetch(`${app.url}/csp-report`, { method: 'POST', headers: { 'content-type': 'application/csp-report' }, body: JSON.stringify(report) });
    assert.equal(r.status, 204);
  } finally {
    await app.close();
    sink.close();
  }
  assert.equal(lines.length, 1);
  const detail = (JSON.parse(lines[0]!) as { detail: string }).detail;
  assert.equal(detail, 'directive=script-src blocked=inline document=https://app.example/reset-password/***');
});
