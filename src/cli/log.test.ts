import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { runCli, MAIN } from './fixtures/run-cli.ts';

let dir: string;
let database: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rampart-cli-'));
  database = join(dir, 'security');
  const log = new SecurityLog({ database });
  await log.ensureTable();
  for (let i = 0; i < 3; i++)
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7', userId: 'alice', path: '/login', detail: `bad password ${i}` }, { wait: true });
  await log.log(SecurityEvent.RATE_LIMIT_HIT, { ip: '198.51.100.2', path: '/api', detail: '<script>alert(1)</script>' }, { wait: true });
  await log.log(SecurityEvent.LOGIN_SUCCESS, { ip: '198.51.100.2', userId: 'bob', path: '/login' }, { wait: true });
  await log.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('log prints a table, newest first, filtered by event, ip and user', async () => {
  const all = await runCli(['log', '--database', database], { env: {} });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^time \(UTC\)/);
  assert.match(all.stdout, /5 event\(s\)\./);
  const lines = all.stdout.trim().split('\n');
  assert.match(lines[1]!, /LOGIN_SUCCESS/, 'newest first');

  const byEvent = await runCli(['log', '--database', database, '--event', 'LOGIN_FAILED', '--limit', '2'], { env: {} });
  assert.equal(byEvent.code, 0, byEvent.stderr);
  assert.match(byEvent.stdout, /2 event\(s\)\./);
  assert.doesNotMatch(byEvent.stdout, /RATE_LIMIT_HIT|LOGIN_SUCCESS/);

  const byIp = await runCli(['log', '--database', database, '--ip', '198.51.100.2', '--event', 'RATE_LIMIT_HIT', '--format', 'jsonl'], { env: {} });
  assert.equal(byIp.code, 0, byIp.stderr);
  const rows = byIp.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; ipAddress: string; detail: string });
  assert.deepEqual(
    rows.map((r) => [r.event, r.ipAddress]),
    [['RATE_LIMIT_HIT', '198.51.100.2']],
  );

  // (syslog and jsonl share the exporter with SecurityLog.export(), tested in src/log)
  const byUser = await runCli(['log', '--database', database, '--user', 'alice', '--since-hours', '1', '--format', 'cef'], { env: {} });
  assert.equal(byUser.code, 0, byUser.stderr);
  const cef = byUser.stdout.trim().split('\n');
  assert.equal(cef.length, 3);
  for (const line of cef) assert.match(line, /^CEF:0\|rampart\|rampart\|[^|]+\|LOGIN_FAILED\|.*suser=alice/);
});

test('log usage errors exit 2 and never create a database', async () => {
  const missing = await runCli(['log', '--database', join(dir, 'nope')], { env: {} });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no SecurityLog database/);
  for (const args of [['--format', 'xml'], ['--limit', '0'], ['--event', 'drop table'], ['--bogus']]) {
    const r = await runCli(['log', '--database', database, ...args], { env: {} });
    assert.equal(r.code, 2, args.join(' '));
  }
});

test('dashboard serves the dashboard page behind rampart headers on loopback, only with the printed token', async (t) => {
  const child = spawn(process.execPath, [MAIN, 'dashboard', '--database', database, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [url, token] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/_rampart) [\s\S]*token: (\S+)\n/.exec(out);
      if (m) resolve([m[1]!, m[2]!]);
    });
    child.on('exit', (code) => reject(new Error(`dashboard exited ${code}: ${stderr}`)));
  });
  const bearer = { authorization: `Bearer ${token}` };

  assert.equal((await fetch(url)).status, 401, 'never open');
  assert.equal((await fetch(`${url}/api/summary`)).status, 401);
  const page = await fetch(url, { headers: bearer });
  assert.equal(page.status, 200);
  const html = await page.text();
  const csp = page.headers.get('content-security-policy') ?? '';
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.ok(html.includes(`<script nonce="${nonce}" src="/_rampart/assets/dashboard.js">`), 'the script carries the per-request nonce');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('cache-control'), 'no-store');

  const api = await fetch(`${url}/api/summary`, { headers: bearer });
  assert.equal(api.status, 200);
  const summary = (await api.json()) as {
    counts: Array<{ event: string; count: number }>;
    topIps: Array<{ ip: string; count: number }>;
    recent: Array<{ detail: string | null }>;
  };
  assert.deepEqual(
    summary.counts.find((c) => c.event === 'LOGIN_FAILED'),
    { event: 'LOGIN_FAILED', count: 3 },
  );
  assert.deepEqual(summary.topIps[0], { ip: '203.0.113.7', count: 3 });
  assert.equal(summary.recent.length, 5);
  assert.ok(
    summary.recent.some((r) => r.detail === '<script>alert(1)</script>'),
    'details travel as data (the page writes text nodes)',
  );

  const badHost = await new Promise<number | undefined>((resolve, reject) => {
    // fetch() does not let a caller choose the Host header; node:http does.
    http
      .get(url, { headers: { host: 'evil.example', ...bearer } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
      .on('error', reject);
  });
  assert.equal(badHost, 400, 'host guard rejects foreign Host headers (DNS rebinding)');
  const post = await fetch(`${url}/login`, { method: 'POST', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
  assert.equal(post.status, 403, 'cross-site writes are refused');

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
});

test('dashboard refuses non-loopback hosts', async () => {
  const r = await runCli(['dashboard', '--database', database, '--host', '0.0.0.0'], { env: {} });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /loopback/);
});

test('log: options shared by every subcommand (--database/-d, --table) may come before the subcommand, as git takes global options', async () => {
  for (const args of [
    ['log', '--database', database, 'list', '--limit', '2'],
    ['log', '-d', database, 'list', '--limit', '2'],
    ['log', `--database=${database}`, 'list', '--limit', '2'],
    ['log', 'list', '--database', database, '--limit', '2'],
  ]) {
    const r = await runCli(args, { env: {} });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /2 event\(s\)\./, args.join(' '));
  }
  const stats = await runCli(['log', '--database', database, 'stats', '--json'], { env: {} });
  assert.equal(stats.code, 0, stats.stderr);
  assert.doesNotThrow(() => JSON.parse(stats.stdout));
  // A word after the global options that is no subcommand is named as such (exit 2).
  const unknown = await runCli(['log', '--database', database, 'lsit'], { env: {} });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown subcommand "lsit"/);
  // The value of --database is never taken for the subcommand.
  const named = await runCli(['log', '--database', join(dir, 'stats')], { env: {} });
  assert.equal(named.code, 2);
  assert.match(named.stderr, /no SecurityLog database/);
});
