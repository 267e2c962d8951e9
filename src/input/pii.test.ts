import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findPii, redactPii, redactKeys, moderate, piiModerator, PII_TYPES, type PiiType } from './pii.ts';
import { isRampartError } from '../errors.ts';

const types = (text: string, opts = {}) => findPii(text, opts).map((m) => `${m.type}:${m.value}`);

test('finds and validates every PII type', () => {
  assert.deepEqual(types('write to ann.lee+x@example.co.uk.'), ['email:ann.lee+x@example.co.uk']);
  assert.deepEqual(types('call +44 20 7946 0958 or +1 (212) 555-0199'), ['phone:+44 20 7946 0958', 'phone:+1 (212) 555-0199']);
  assert.deepEqual(types('call (212) 555-0199'), [], 'national numbers need a default country');
  assert.deepEqual(types('call (212) 555-0199', { defaultCountry: 'US' }), ['phone:(212) 555-0199']);
  assert.deepEqual(types('cards 4111 1111 1111 1111 and 5500-0000-0000-0004, not 4111 1111 1111 1112 or 1234567812345678'), [
    'credit_card:4111 1111 1111 1111',
    'credit_card:5500-0000-0000-0004',
  ]);
  assert.deepEqual(types('ssn 123-45-6789; invalid 000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000 123-45 6789'), ['ssn:123-45-6789']);
  assert.deepEqual(types('IBAN DE89 3704 0044 0532 0130 00, bad DE89 3704 0044 0532 0130 01'), ['iban:DE89 3704 0044 0532 0130 00']);
  assert.deepEqual(types('from 203.0.113.7 and 2001:db8::42, not 999.1.1.1 or 12:30:45 or std::vector'), ['ip:203.0.113.7', 'ip:2001:db8::42']);
  assert.deepEqual(types('t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln and eyJub3QiOiJqd3QifQ.eyJhIjoxfQ.x'), ['jwt:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln']);
  const keys = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc rk_live_abcdefghijklmnop1234 ghp_abcdefghijklmnopqrstuvwxyz0123456789 AKIAIOSFODNN7EXAMPLE';
  assert.deepEqual(
    findPii(keys).map((m) => m.type),
    ['api_key', 'api_key', 'api_key', 'api_key'],
  );
  assert.deepEqual(findPii("O'Brien paid 42 EUR on 2024-05-17 at 12:30, order #12345, version 1.2.3"), []);
});

test('offsets point at the matched text; types filter; unknown types are config errors', () => {
  const text = 'x ann@example.com y 4111111111111111';
  for (const m of findPii(text)) assert.equal(text.slice(m.start, m.end), m.value);
  assert.deepEqual(
    findPii(text, { types: ['credit_card'] }).map((m) => m.type),
    ['credit_card'],
  );
  assert.throws(
    () => findPii(text, { types: ['passport' as PiiType] }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.deepEqual(findPii(42), []);
});

test('redactPii masks by type, with a string or a function', () => {
  const text = 'Mail ann@example.com, card 4111 1111 1111 1111.';
  assert.equal(redactPii(text), 'Mail [REDACTED:email], card [REDACTED:credit_card].');
  assert.equal(redactPii(text, { types: ['credit_card'], mask: '****' }), 'Mail ann@example.com, card ****.');
  assert.equal(redactPii(text, { mask: (m) => (m.type === 'credit_card' ? `****${m.value.slice(-4)}` : '[email]') }), 'Mail [email], card ****1111.');
  assert.equal(redactPii('nothing here'), 'nothing here');
});

test('redactKeys redacts named keys at any depth, keeps the input intact, survives cycles', () => {
  const input: Record<string, unknown> = {
    user: 'ann',
    Password: 'hunter2',
    headers: { Authorization: 'Bearer x', cookie: 'sid=1', 'Set-Cookie': ['a=1'], accept: 'json' },
    items: [{ api_key: 'k1', name: 'x' }, [{ client_secret: 's', nested: { refresh_token: 'r', dbPassword: 'p' } }]],
    map: new Map<string, unknown>([
      ['token', 't'],
      ['ok', 1],
    ]),
  };
  input.self = input;
  type Redacted = {
    user: string;
    Password: string;
    headers: unknown;
    items: [{ api_key: string; name: string }, [{ client_secret: string; nested: { refresh_token: string; dbPassword: string } }]];
    map: Map<string, unknown>;
    self: unknown;
  };
  const out = redactKeys(input) as Redacted;
  assert.equal(out.user, 'ann');
  assert.equal(out.Password, '[REDACTED]');
  assert.deepEqual(out.headers, { Authorization: '[REDACTED]', cookie: '[REDACTED]', 'Set-Cookie': '[REDACTED]', accept: 'json' });
  assert.equal(out.items[0].api_key, '[REDACTED]');
  assert.equal(out.items[0].name, 'x');
  assert.equal(out.items[1][0].client_secret, '[REDACTED]');
  assert.equal(out.items[1][0].nested.refresh_token, '[REDACTED]');
  assert.equal(out.items[1][0].nested.dbPassword, '[REDACTED]');
  assert.equal(out.map.get('token'), '[REDACTED]');
  assert.equal(out.self, '[Circular]');
  assert.equal(input.Password, 'hunter2', 'input not mutated');
  const shared = { a: 1 };
  assert.deepEqual(redactKeys({ x: shared, y: shared }), { x: { a: 1 }, y: { a: 1 } }, 'shared (non-cyclic) references are not cycles');
  assert.deepEqual(redactKeys({ note: 'mail ann@example.com', pin: 1234 }, { pii: true, mask: '***' }), { note: 'mail [REDACTED:email]', pin: '***' });
  assert.deepEqual(redactKeys({ employeeNo: 7 }, { keys: ['employee_no'] }), { employeeNo: '[REDACTED]' });
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 100; i++) {
    const next: Record<string, unknown> = {};
    deep.next = next;
    deep = next;
  }
  assert.match(JSON.stringify(redactKeys(root)), /Too deep/);
});

test('moderate runs pluggable classifiers, fails closed on errors and timeouts', async () => {
  assert.deepEqual(await moderate('hello'), { flagged: false, categories: [] });
  assert.deepEqual(await moderate('mail me at ann@example.com'), { flagged: true, categories: ['pii:email'] });
  const words = (text: string) => ({ flagged: /\bspam\b/i.test(text), categories: /\bspam\b/i.test(text) ? ['spam'] : [], score: 0.9 });
  assert.deepEqual(await moderate('buy SPAM now', { moderators: [piiModerator, words] }), { flagged: true, categories: ['spam'], score: 0.9 });
  const broken = () => {
    throw new Error('down');
  };
  assert.deepEqual(await moderate('x', { moderators: [broken] }), { flagged: true, categories: ['moderation_error'] });
  assert.deepEqual(await moderate('x', { moderators: [broken], onError: 'allow' }), { flagged: false, categories: [] });
  const slow = () => new Promise<never>(() => {});
  assert.deepEqual(await moderate('x', { moderators: [slow], timeout: 0.05 }), { flagged: true, categories: ['moderation_error'] });
});

test('fuzz: PII finders never throw, return in-range non-overlapping matches', () => {
  const piiish = fc.constantFrom(
    '4111 1111 1111 1111',
    'ann@example.com',
    '+44 20 7946 0958',
    '123-45-6789',
    'GB82 WEST 1234 5698 7654 32',
    '10.0.0.1',
    '::1',
    'eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.',
    'sk_live_' + 'a'.repeat(20),
    '@',
    '.',
    '-',
    ' ',
    '1',
    ':',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.array(fc.oneof(piiish, fc.string({ maxLength: 5 })), { maxLength: 30 }).map((a) => a.join('')),
      ),
      (text) => {
        const found = findPii(text, { defaultCountry: 'US' });
        let end = 0;
        for (const m of found) {
          assert.ok(PII_TYPES.includes(m.type));
          assert.ok(m.start >= end && m.end <= text.length && m.start < m.end);
          assert.equal(text.slice(m.start, m.end), m.value);
          end = m.end;
        }
        const red = redactPii(text);
        assert.equal(typeof red, 'string');
      },
    ),
    { numRuns: 3000 },
  );
});

test('adversarial 100 KB inputs complete (linear-time patterns, bounded phone parsing)', () => {
  for (const s of [
    '1'.repeat(100_000),
    'a@'.repeat(50_000),
    '1.'.repeat(50_000),
    ':'.repeat(100_000),
    'a:'.repeat(50_000),
    'eyJ'.repeat(33_000),
    '4111 '.repeat(20_000),
    '+1 '.repeat(33_000),
    ('x'.repeat(60) + '.').repeat(1_600) + '@',
    'a'.repeat(100_000) + '@',
    'GB82 '.repeat(20_000),
    '123-45-'.repeat(14_000),
  ]) {
    assert.ok(Array.isArray(findPii(s, { defaultCountry: 'US' })));
  }
});

test('redactingSink redacts PII from event details before the sink sees them', async () => {
  const { redactingSink } = await import('./pii.ts');
  const seen: Array<{ event: string; detail?: string | undefined; path?: string | undefined }> = [];
  const sink = redactingSink({ emit: (r) => void seen.push(r) });
  sink.emit({ event: 'SUSPICIOUS_INPUT', detail: 'excerpt="ann@example.com 4111 1111 1111 1111"', path: '/users/ann@example.com' });
  sink.emit({ event: 'AUTH_FAILURE', detail: 'nothing personal' });
  assert.deepEqual(seen, [
    { event: 'SUSPICIOUS_INPUT', detail: 'excerpt="[REDACTED:email] [REDACTED:credit_card]"', path: '/users/[REDACTED:email]' },
    { event: 'AUTH_FAILURE', detail: 'nothing personal' },
  ]);
  assert.throws(
    () => redactingSink({} as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('crafted 100 KB inputs (the redaction stall shapes) give the right findings', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';
  for (const unit of ['eyJyyyy-', 'eyJ-', 'eyJ-e---.', 'eyJ-e.', 'eyJ']) {
    const crafted = unit.repeat(Math.floor(100_000 / unit.length));
    assert.deepEqual(findPii(crafted, { types: ['jwt'] }), [], unit);
    // maxLength above the default 100,000: the token sits after the 100 KB crafted run.
    const found = findPii(`${crafted} ${jwt} end`, { types: ['jwt'], maxLength: 200_000 });
    assert.deepEqual(
      found.map((m) => m.value),
      [jwt],
      unit,
    );
  }
  // Inside a longer base64url run the token is not at a word boundary: not a JWT (as the regex had it).
  assert.deepEqual(findPii(`x${jwt}`, { types: ['jwt'] }), []);
  assert.deepEqual(
    findPii(`x-${jwt}`, { types: ['jwt'] }).map((m) => m.value),
    [jwt],
  );
});

test('phones past the parse budget are still masked (over-redaction, never a number left in)', () => {
  // 2,000 distinct, valid-looking US numbers: more than the per-call libphonenumber budget.
  const numbers = Array.from({ length: 2_000 }, (_, i) => `(212) 555-${String(i % 10_000).padStart(4, '0')}`);
  const text = numbers.join(' ; ');
  const out = redactPii(text, { types: ['phone'], defaultCountry: 'US' });
  assert.ok(!/\d{4}/.test(out), 'a phone number was left in the output');
  // Below the budget, validation still refuses what is not a number.
  assert.deepEqual(findPii('call 123 456 7 now', { types: ['phone'], defaultCountry: 'US' }), []);
});

test('redactPii never returns text it did not scan: past maxLength the rest is removed and marked', () => {
  const text = `${'word '.repeat(2_000)}mail ann@example.com ${'x'.repeat(100)}`;
  const out = redactPii(text, { maxLength: 5_000 });
  assert.ok(!out.includes('ann@example.com'));
  assert.match(out, /…\[\d+ characters not scanned, removed\]$/);
  assert.equal(redactPii('mail ann@example.com', { maxLength: 5_000 }), 'mail [REDACTED:email]');
});
