/**
 * `rampart log` subcommands as real CLI processes: over a throwaway PostgreSQL server read
 * through a role that may only SELECT (reading never runs DDL), and over an on-disk PGlite
 * that a running app holds (a clear error, never a read beside the writer).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { SecurityEvent, SecurityLog } from '../log/index.ts';
import { startPostgres, type PgServer } from '../../test/helpers/services.ts';
import { MAIN, runCli } from './fixtures/run-cli.ts';

let pg: PgServer | undefined;
/** The same database through a role with SELECT only. */
let readOnly: string;
let writer: SecurityLog;

before(async () => {
  pg = await startPostgres(undefined);
  if (pg === undefined) return;
  writer = new SecurityLog({ database: pg.url, flushIntervalMs: 20 });
  await writer.ensureTable();
  for (let i = 0; i < 3; i++) await writer.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7', userId: 'alice', detail: `bad password ${i}` });
  await writer.log(SecurityEvent.RATE_LIMIT_HIT, { ip: '198.51.100.2', path: '/api' });
  await writer.flush();
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  await sql.unsafe('create role reader login');
  await sql.unsafe('revoke create on schema public from public');
  await sql.unsafe('grant usage on schema public to reader');
  await sql.unsafe('grant select on all tables in schema public to reader');
  await sql.end();
  readOnly = pg.url.replace('postgres@', 'reader@');
});

after(async () => {
  await writer?.close();
  await pg?.stop();
});

/** Events older than the retention window, written straight into the table (a log stamps "now"). */
async function insertOld(count: number, daysAgo: number): Promise<void> {
  const sql = postgres(pg!.url, { max: 1, onnotice: () => {} });
  await sql.unsafe(
    `insert into rampart_security_log (event, ip_address, "timestamp") select 'LOGOUT', '192.0.2.1', now() - make_interval(days => $1) from generate_series(1, $2)`,
    [daysAgo, count],
  );
  await sql.end();
}

test('log --event with an unknown name is a usage error (exit 2), not "0 events"', async (t) => {
  if (pg === undefined) return t.skip('PostgreSQL not installed');
  const r = await runCli(['log', '--database', readOnly, '--event', 'LOGIN_FIALED']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /unknown event "LOGIN_FIALED".*LOGIN_FAILED/);
  const known = await runCli(['log', '--database', readOnly, '--event', 'PASSWORD_CHANGED']);
  assert.equal(known.code, 0, known.stderr);
  assert.match(known.stdout, /0 event\(s\)\./, 'a registered event with no rows is a real "0 events"');
});

test('a role with SELECT only reads the log: list, stats, export (no DDL on the read side)', async (t) => {
  if (pg === undefined) return t.skip('PostgreSQL not installed');
  const list = await runCli(['log', '--database', readOnly, '--event', 'LOGIN_FAILED']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /3 event\(s\)\./);

  const stats = await runCli(['log', 'stats', '--database', readOnly, '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  const s = JSON.parse(stats.stdout) as { total: number; events: Array<{ event: string; count: number }>; topIps: Array<{ ip: string; count: number }> };
  assert.ok(s.total >= 4);
  assert.equal(s.events.find((e) => e.event === 'LOGIN_FAILED')?.count, 3);
  assert.deepEqual(s.topIps[0], { ip: '203.0.113.7', count: 3 });

  const human = await runCli(['log', 'stats', '--database', readOnly]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /LOGIN_FAILED\s+3/);

  const exported = await runCli(['log', 'export', '--database', readOnly, '--format', 'cef']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout.split('\n')[0]!, /^CEF:0\|rampart\|rampart\|/);

  const cleanup = await runCli(['log', 'cleanup', '--database', readOnly, '--days', '30']);
  assert.equal(cleanup.code, 1, 'deleting needs more than SELECT');
  assert.match(cleanup.stderr, /ERR_RAMPART_LOG_DATABASE/);
});

test('log export streams every row with progress on stderr for long exports', async (t) => {
  if (pg === undefined) return t.skip('PostgreSQL not installed');
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  const before = (await sql.unsafe<Array<{ n: string }>>('select count(*) as n from rampart_security_log'))[0]!.n;
  await sql.end();
  await insertOld(12_000, 1);
  const total = Number(before) + 12_000;
  const r = await runCli(['log', 'export', '--database', readOnly, '--format', 'jsonl']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, total);
  assert.equal((JSON.parse(lines[0]!) as { event: string }).event, 'LOGOUT', 'oldest first');
  assert.match(r.stderr, new RegExp(`5000/${total} events`));
  assert.match(r.stderr, new RegExp(`exported ${total} events`));

  const syslog = await runCli(['log', 'export', '--database', readOnly, '--format', 'syslog', '--since-hours', '1']);
  assert.equal(syslog.code, 0, syslog.stderr);
  const rows = syslog.stdout.trim().split('\n');
  assert.equal(rows.length, Number(before), 'only the last hour');
  assert.match(rows[0]!, /^<\d+>1 \S+ \S+ rampart - /);
});

test('log cleanup --days N deletes older events and says how many', async (t) => {
  if (pg === undefined) return t.skip('PostgreSQL not installed');
  await insertOld(7, 400);
  const r = await runCli(['log', 'cleanup', '--database', pg.url, '--days', '365']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deleted 7 event\(s\) older than 365 day\(s\)/);
  const bad = await runCli(['log', 'cleanup', '--database', pg.url]);
  assert.equal(bad.code, 2, 'cleanup needs --days');
});

/** Collect a child's stdout until `pattern` shows up. */
function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${what} within 20 s; got ${JSON.stringify(out)}`)), 20_000);
    child[stream]!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${what}; got ${JSON.stringify(out)}`)));
  });
}

test('log tail --follow prints the newest events, then new ones as they are written, until interrupted', async (t) => {
  if (pg === undefined) return t.skip('PostgreSQL not installed');
  const child = spawn(process.execPath, [MAIN, 'log', 'tail', '--follow', '--database', readOnly, '--interval', '100', '--lines', '2'], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const following = await waitForOutput(child, /following/, 'the follow notice', 'stderr');
  const seen = waitForOutput(child, /INVALID_TOKEN.*tail-marker/, 'the new event');
  await writer.log(SecurityEvent.INVALID_TOKEN, { ip: '192.0.2.99', detail: 'tail-marker' }, { wait: true });
  await seen;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  assert.equal(await exited, 0, following);
});

test('an on-disk PGlite held by a running app is refused with ERR_RAMPART_LOG_DATABASE_BUSY; a dead holder is not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-held-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const database = join(dir, 'security');
  const app = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { SecurityLog } = await import(${JSON.stringify(new URL('../log/index.ts', import.meta.url).href)});
       const log = new SecurityLog({ database: ${JSON.stringify(database)} });
       await log.log('LOGIN_FAILED', { ip: '203.0.113.1' }, { wait: true });
       console.log('ready');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => app.kill('SIGKILL'));
  await waitForOutput(app, /ready/, 'the app');

  const held = await runCli(['log', '--database', database]);
  assert.equal(held.code, 1, held.stdout);
  assert.match(held.stderr, /ERR_RAMPART_LOG_DATABASE_BUSY/);
  assert.match(held.stderr, /dashboard|PostgreSQL/);
  assert.equal(held.stdout, '', 'nothing read beside the writer');

  const gone = new Promise((resolve) => app.once('exit', resolve));
  app.kill('SIGKILL');
  await gone;
  const after = await runCli(['log', '--database', database]);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /1 event\(s\)\./);
});
