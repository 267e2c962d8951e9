import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { rampart } from '../preset.ts';
import { runCli } from './fixtures/run-cli.ts';
import { assertSarif, type SarifLog } from './fixtures/sarif-shape.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/apps/${name}`, import.meta.url));
const STRONG = randomBytes(48).toString('base64url');
const ENV = { NODE_ENV: 'production', CSRF_SECRET: STRONG };

interface Report {
  app: string | null;
  findings: Array<{ id: string; severity: string; message: string }>;
  ignored: number;
  summary: { error: number; warning: number; info: number };
}

async function checkApp(
  app: string,
  extra: string[] = [],
  env: Record<string, string> = ENV,
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(['check', '--app', fixture(app), '--json', ...extra], { env });
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

const ids = (report: Report): string[] => report.findings.map((f) => `${f.id} ${f.severity}`);

test('--app reads the configuration an Express app builds inline, with listening and connecting disabled', async () => {
  const { code, report, stderr } = await checkApp('express/server.mjs', ['--no-audit']);
  assert.equal(code, 1, stderr);
  assert.equal(report.app, fixture('express/server.mjs'));
  const found = ids(report);
  // trustProxy: true inline (the defaults would not report it), a login route without a rule,
  // a log without retention, headersTimeout 0 and a CSRF cookie without __Host-.
  for (const expected of ['RAMPART-W015 error', 'RAMPART-W033 warning', 'RAMPART-W034 warning', 'RAMPART-W035 error', 'RAMPART-W037 warning'])
    assert.ok(found.includes(expected), `${expected} missing from ${found.join(', ')}`);
  // allowedHosts, HSTS and httpsRedirect are set inline: no finding from the preset defaults.
  for (const absent of ['RAMPART-W002', 'RAMPART-W012', 'RAMPART-W014', 'RAMPART-W031', 'RAMPART-E003'])
    assert.ok(!found.some((f) => f.startsWith(absent)), `${absent} unexpected: ${found.join(', ')}`);
  const cookies = report.findings.filter((f) => f.id === 'RAMPART-W037').map((f) => `${f.severity} ${f.message}`);
  assert.ok(
    cookies.some((c) => /^error sessions\(\) sets cookies without Secure/.test(c)),
    cookies.join('\n'),
  );
  assert.ok(
    cookies.some((c) => /^warning the cookie theme is readable by page scripts/.test(c)),
    cookies.join('\n'),
  );
  assert.ok(
    cookies.some((c) => /^warning the cookie theme uses SameSite=None/.test(c)),
    cookies.join('\n'),
  );
  const login = report.findings.filter((f) => f.id === 'RAMPART-W033');
  assert.equal(login.length, 1, 'the /api/token route has a rule');
  assert.match(login[0]!.message, /\/login/);
  assert.match(report.findings.find((f) => f.id === 'RAMPART-W035')!.message, /headersTimeout is 0/);
});

test('--app reports an app that throws at import as E003', async () => {
  const { code, report } = await checkApp('throws.mjs', ['--no-audit']);
  assert.equal(code, 1);
  const f = report.findings.find((x) => x.id === 'RAMPART-E003');
  assert.ok(f);
  assert.match(f.message, /DATABASE_URL is not set/);
});

test('--app surfaces forwarding headers that reached the app while trustProxy was off (from its SecurityLog)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-check-app-'));
  try {
    // A real request through a proxy nobody declared, recorded by the app's log.
    const shield = rampart({ log: { database: dir } });
    const server = http.createServer(shield.node((_req, res) => res.end('ok')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(res.status, 200);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await shield.log!.flush();
    await shield.close();

    const { report, stderr } = await checkApp('node/server.mjs', ['--no-audit'], { ...ENV, APP_LOG_DIR: dir });
    const found = ids(report);
    assert.ok(found.includes('RAMPART-W036 warning'), `${found.join(', ')} ${stderr}`);
    for (const absent of ['RAMPART-W033', 'RAMPART-W034', 'RAMPART-W035', 'RAMPART-W037', 'RAMPART-E003'])
      assert.ok(!found.some((f) => f.startsWith(absent)), `${absent} unexpected: ${found.join(', ')}`);
    // csrf.exemptPaths (W018) is silenced by the app's package.json ("rampart": { "ignore": [...] }).
    assert.ok(!found.some((f) => f.startsWith('RAMPART-W018')));
    assert.equal(report.ignored, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--ignore silences ids; --fail-on warning fails on warnings', async () => {
  const silenced = await checkApp('express/server.mjs', ['--no-audit', '--ignore', 'RAMPART-W015', '--ignore', 'w035', '--ignore', 'W037']);
  const found = ids(silenced.report);
  assert.ok(!found.some((f) => f.startsWith('RAMPART-W015') || f.startsWith('RAMPART-W035') || f.startsWith('RAMPART-W037')));
  assert.ok(silenced.report.ignored >= 3);
  assert.equal(silenced.report.summary.error, 0, found.join(', '));
  assert.equal(silenced.code, 0);
  const strict = await checkApp('express/server.mjs', ['--no-audit', '--ignore', 'W015', '--ignore', 'W035', '--ignore', 'W037', '--fail-on', 'warning']);
  assert.equal(strict.code, 1);
  const unknown = await runCli(['check', '--app', fixture('express/server.mjs'), '--ignore', 'W999'], { env: ENV });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown check id/);
});

test('the ignore list a config module exports silences findings', async () => {
  const r = await runCli(['check', '--config', fileURLToPath(new URL('./fixtures/ignoring.config.ts', import.meta.url)), '--json'], { env: ENV });
  const report = JSON.parse(r.stdout) as Report;
  assert.ok(!ids(report).some((f) => f.startsWith('RAMPART-W015')), ids(report).join(', '));
  assert.equal(report.ignored, 1);
});

test('--format sarif from check is a SARIF 2.1.0 log located at the app', async () => {
  const r = await runCli(['check', '--app', fixture('express/server.mjs'), '--no-audit', '--format', 'sarif'], { env: ENV });
  assert.equal(r.code, 1, r.stderr);
  const log = JSON.parse(r.stdout) as SarifLog;
  assertSarif(log);
  const results = log.runs[0]!.results;
  assert.ok(results.some((x) => x.ruleId === 'RAMPART-W035' && x.level === 'error'));
  assert.ok(results.every((x) => x.locations[0]!.physicalLocation.artifactLocation.uri.endsWith('server.mjs')));
});

test('colour only on a terminal, and never with NO_COLOR', async () => {
  const args = ['check', '--app', fixture('express/server.mjs'), '--no-audit'];
  const piped = await runCli(args, { env: ENV });
  assert.ok(!piped.stdout.includes('\u001b['), 'no escape codes when piped');
  const forced = await runCli(args, { env: { ...ENV, FORCE_COLOR: '1' } });
  assert.match(forced.stdout, /\u001b\[31m\[error\]/);
  const both = await runCli(args, { env: { ...ENV, FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.ok(!both.stdout.includes('\u001b['), 'NO_COLOR wins');
  // A real terminal: script(1) gives the CLI a pseudo-terminal.
  const command = [process.execPath, fileURLToPath(new URL('./main.ts', import.meta.url)), ...args].map((a) => `'${a}'`).join(' ');
  const { spawnSync } = await import('node:child_process');
  const onTty = spawnSync('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', ...ENV, TERM: 'xterm' }, encoding: 'utf8' });
  if (onTty.error === undefined) assert.match(onTty.stdout, /\u001b\[31m\[error\]/);
  const noColour = spawnSync('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', ...ENV, TERM: 'xterm', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  if (noColour.error === undefined) assert.ok(!noColour.stdout.includes('\u001b[31m'));
});

/** A local npm registry that answers the bulk advisory endpoint (`answer` decides how). */
async function advisoryRegistry(answer: 'critical' | 'refuse'): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume().on('end', () => {
      if (!req.url?.includes('/security/advisories/bulk')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      } else if (answer === 'refuse') {
        res.writeHead(405, { allow: 'GET,HEAD' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            'left-pad': [
              {
                id: 1001,
                url: 'https://github.com/advisories/GHSA-test-0001',
                title: 'Prototype pollution in left-pad',
                severity: 'critical',
                vulnerable_versions: '<2.0.0',
                cwe: ['CWE-1321'],
                cvss: { score: 9.8, vectorString: null },
              },
            ],
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("--app runs npm audit on the app's lockfile: high/critical advisories are an error", async () => {
  const registry = await advisoryRegistry('critical');
  const home = mkdtempSync(join(tmpdir(), 'rampart-audit-home-'));
  try {
    const { code, report } = await checkApp('audited/server.mjs', [], { ...ENV, HOME: home, npm_config_registry: registry.url });
    assert.ok(
      registry.requests.some((r) => r.startsWith('POST') && r.includes('advisories/bulk')),
      registry.requests.join(', '),
    );
    const audit = report.findings.find((f) => f.id === 'RAMPART-W032');
    assert.ok(audit, ids(report).join(', '));
    assert.equal(audit.severity, 'error');
    assert.match(audit.message, /1 critical and 0 high/);
    assert.match(audit.message, /left-pad \(critical: Prototype pollution in left-pad https:\/\/github\.com\/advisories\/GHSA-test-0001\)/);
    assert.equal(code, 1);
  } finally {
    await registry.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('--app: an audit endpoint that cannot answer is an info finding, never a crash', async () => {
  const registry = await advisoryRegistry('refuse');
  const home = mkdtempSync(join(tmpdir(), 'rampart-audit-home-'));
  try {
    const { code, report, stderr } = await checkApp('audited/server.mjs', [], { ...ENV, HOME: home, npm_config_registry: registry.url });
    const audit = report.findings.find((f) => f.id === 'RAMPART-W032');
    assert.ok(audit, ids(report).join(', '));
    assert.equal(audit.severity, 'info');
    assert.match(audit.message, /npm audit could not run: .*405/);
    assert.equal(code, 0, `${ids(report).join(', ')} ${stderr}`);
  } finally {
    await registry.close();
    rmSync(home, { recursive: true, force: true });
  }
});
