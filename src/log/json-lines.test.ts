import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isRampartError } from '../errors.ts';
import { jsonLinesSink } from './json-lines.ts';

function capture(): { lines: () => Array<Record<string, unknown>>; raw: string[]; write(line: string): void } {
  const raw: string[] = [];
  return {
    raw,
    write(line: string) {
      raw.push(line);
    },
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('jsonLinesSink: one pino-compatible JSON line per event, fields cleaned like the SecurityLog', () => {
  const out = capture();
  const sink = jsonLinesSink({ stream: out });
  sink.emit({ event: 'CSRF_VIOLATION', ip: '203.0.113.9', path: '/transfer', userAgent: 'curl/8', detail: 'origin mismatch', userId: 42 });
  sink.emit({ event: 'LOGIN_SUCCESS', ip: '::ffff:198.51.100.1' });
  sink.close();
  assert.equal(out.raw.length, 2);
  for (const line of out.raw) assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const [first, second] = out.lines();
  assert.equal(first!.level, 40);
  assert.equal(first!.msg, 'CSRF_VIOLATION');
  assert.equal(first!.event, 'CSRF_VIOLATION');
  assert.equal(first!.ip, '203.0.113.9');
  assert.equal(first!.path, '/transfer');
  assert.equal(first!.userId, '42');
  assert.equal(typeof first!.time, 'number');
  assert.equal(second!.level, 30);
  assert.equal(second!.ip, '198.51.100.1');
});

test('jsonLinesSink: secrets are redacted and controls, separators and bidi marks are escaped', () => {
  const out = capture();
  const sink = jsonLinesSink({ stream: out });
  sink.emit({ event: 'SUSPICIOUS_INPUT', detail: 'password=hunter2hunter2 \u202Etxt.exe\u2028next\u0085line\u001b[31m', path: '/a\u2029b' });
  sink.close();
  assert.equal(out.raw.length, 1);
  const line = out.raw[0]!;
  assert.doesNotMatch(line, /hunter2/);
  assert.doesNotMatch(line, /[\u0080-\u009f\u2028\u2029\u202a-\u202e\u001b]/);
  const parsed = out.lines()[0]!;
  assert.match(String(parsed.detail), /\u202E|\\u202e|\\x85|\\x1b/i);
});

test('jsonLinesSink: bounded per event type, the rest reported as one "suppressed" line', () => {
  const out = capture();
  const sink = jsonLinesSink({ stream: out, maxPerInterval: 5, interval: 3600 });
  for (let i = 0; i < 10_000; i++) sink.emit({ event: 'RATE_LIMIT_HIT', ip: '203.0.113.7' });
  for (let i = 0; i < 3; i++) sink.emit({ event: 'INVALID_HOST', ip: '203.0.113.8' });
  assert.equal(out.raw.length, 8, 'five RATE_LIMIT_HIT lines and three INVALID_HOST lines');
  sink.close();
  const last = out.lines().at(-1)!;
  assert.equal(last.event, 'RATE_LIMIT_HIT');
  assert.equal(last.suppressed, 9_995);
  assert.equal(out.raw.length, 9);
});

test('jsonLinesSink: the next interval starts fresh and reports what the last one suppressed', async () => {
  const out = capture();
  const sink = jsonLinesSink({ stream: out, maxPerInterval: 2, interval: 0.05 });
  for (let i = 0; i < 5; i++) sink.emit({ event: 'RATE_LIMIT_HIT' });
  await new Promise((r) => setTimeout(r, 80));
  sink.emit({ event: 'RATE_LIMIT_HIT' });
  sink.close();
  const lines = out.lines();
  assert.equal(lines.filter((l) => l.suppressed === 3).length, 1);
  assert.equal(lines.filter((l) => l.suppressed === undefined).length, 3);
});

test('jsonLinesSink: never throws, even for a broken stream or malformed records', () => {
  const sink = jsonLinesSink({
    stream: {
      write() {
        throw new Error('EPIPE');
      },
    },
  });
  sink.emit({ event: 'RATE_LIMIT_HIT' });
  sink.emit({ event: 'not a name' });
  sink.emit(null as never);
  sink.emit({ event: 'LOGIN_FAILED', userId: { nested: true } as never });
  sink.close();
});

test('jsonLinesSink: bad options fail at construction', () => {
  assert.throws(
    () => jsonLinesSink({ stream: {} as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => jsonLinesSink({ maxPerInterval: 0 }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => jsonLinesSink({ intervall: 5 } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
});

test('the preset without a log option writes events as JSON lines on stderr and opens no database', () => {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ load(url, ctx, next) { seen.add(url); return next(url, ctx); } });
    const { rampart } = await import(${JSON.stringify(new URL('../index.ts', import.meta.url).href)});
    const shield = rampart({ allowedHosts: ['app.example'] });
    const { default: http } = await import('node:http');
    const server = http.createServer(shield.node((req, res) => res.end('ok')));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address();
    const res = await fetch('http://127.0.0.1:' + port + '/', { headers: { host: 'evil.example' } });
    await res.text();
    server.close();
    await shield.close();
    process.stdout.write(JSON.stringify({ status: res.status, pglite: [...seen].some((s) => s.includes('@electric-sql/pglite')) }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout) as { status: number; pglite: boolean };
  assert.equal(result.status, 400);
  assert.equal(result.pglite, false, 'no PGlite module was loaded');
  const lines = child.stderr.split('\n').filter((l) => l.startsWith('{'));
  const event = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'INVALID_HOST');
  assert.ok(event, `an INVALID_HOST line on stderr: ${child.stderr}`);
  assert.equal(event.ip, '127.0.0.1');
});

test('jsonLinesSink: userAgent and userId are redacted as the SecurityLog stores them; plain ids stay readable', async () => {
  const { SecurityLog } = await import('./security-log.ts');
  const secret = 'hunter2SECRET';
  const events = [
    { event: 'LOGIN_FAILED', ip: '192.0.2.1', userAgent: `Mozilla password=${secret}`, detail: 'ua' },
    { event: 'LOGIN_FAILED', ip: '192.0.2.1', userId: `password=${secret}`, detail: 'uid' },
    { event: 'LOGIN_FAILED', ip: '192.0.2.1', userId: 'alice@example.com', userAgent: 'curl/8.5', detail: 'plain' },
    { event: 'LOGIN_FAILED', ip: '192.0.2.1', userId: '4111111111111111', detail: 'digits' },
  ];
  const out = capture();
  const sink = jsonLinesSink({ stream: out });
  for (const e of events) sink.emit(e);
  sink.close();
  assert.equal(out.raw.length, events.length);
  for (const line of out.raw) assert.ok(!line.includes(secret), line);
  const log = new SecurityLog();
  try {
    await log.ensureTable();
    for (const e of events) await log.log(e.event, e, { wait: true });
    const stored = (await log.getRecent({ limit: 10 })).reverse();
    const lines = out.lines();
    for (const [i, row] of stored.entries()) {
      assert.equal(lines[i]!.userAgent ?? null, row.userAgent, `userAgent of event ${i}`);
      assert.equal(lines[i]!.userId ?? null, row.userId, `userId of event ${i}`);
      assert.ok(!JSON.stringify(row).includes(secret), JSON.stringify(row));
    }
    assert.equal(stored[2]!.userId, 'alice@example.com');
    assert.equal(stored[2]!.userAgent, 'curl/8.5');
    // A decimal id is an id (a number and its string are one user), never masked as a card number.
    assert.equal(stored[3]!.userId, '4111111111111111');
    assert.equal((await log.getForUser(4111111111111111)).length, 1);
  } finally {
    await log.close();
  }
});
