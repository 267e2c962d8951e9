/** `rampart scan <url>` as a CLI process: usage errors, exit codes, --min-grade, text output. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedSync } from '../../test/helpers/certs.ts';
import { runCli } from './fixtures/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rampart-scan-'));
const keyPath = join(dir, 'key.pem');
const caPath = join(dir, 'ca.pem');
selfSignedSync('localhost', keyPath, caPath, ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);

let hardenedPort = 0;
let barePort = 0;
let errorPort = 0;
let closedPort = 0;
const servers: http.Server[] = [];

function listen(server: http.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, () => resolve((server.address() as AddressInfo).port)));
}

before(async () => {
  const tls = { key: readFileSync(keyPath), cert: readFileSync(caPath) };
  hardenedPort = await listen(
    https.createServer(tls, (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'strict-transport-security': 'max-age=31536000',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
      });
      res.end('<p>ok</p>');
    }),
  );
  barePort = await listen(https.createServer(tls, (_req, res) => res.end('<p>bare</p>')));
  errorPort = await listen(
    https.createServer(tls, (_req, res) => {
      res.writeHead(500);
      res.end();
    }),
  );
  // A port that was free a moment ago: nothing answers there.
  const probe = http.createServer();
  closedPort = await new Promise<number>((resolve) => probe.listen(0, () => resolve((probe.address() as AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
});

after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** `rampart scan` on a local https port; the plain-HTTP counterpart is the closed port. */
const scan = (port: number, ...flags: string[]) => runCli(['scan', `https://localhost:${port}/`, '--http-port', String(closedPort), '--ca', caPath, ...flags]);

test('text output: one line per Observatory test, then score and grade', async () => {
  const r = await scan(hardenedPort);
  assert.equal(r.code, 0, r.stderr);
  for (const name of ['content-security-policy', 'cookies', 'cross-origin-resource-sharing', 'redirection', 'referrer-policy'])
    assert.match(r.stdout, new RegExp(`pass  ${name} `));
  assert.match(r.stdout, /pass {2}content-security-policy +\+10 {2}csp-implemented-with-no-unsafe-default-src-none/);
  assert.match(r.stdout, /pass {2}redirection +0 {2}redirection-not-needed-no-http/);
  assert.match(r.stdout, /Score: 130 {2}Grade: A\+ {2}\(10\/10 tests passed\)/);
});

test('--min-grade: exit 1 below it (CI gate), 0 at or above it', async () => {
  const below = await scan(barePort, '--min-grade', 'B');
  assert.equal(below.code, 1);
  assert.match(below.stdout, /Score: 30 {2}Grade: D /, '100 - 25 (CSP) - 20 (HSTS) - 5 (nosniff) - 20 (XFO)');
  assert.match(below.stderr, /grade D is below --min-grade B/);
  const above = await scan(hardenedPort, '--min-grade', 'a');
  assert.equal(above.code, 0, above.stderr);
  const json = await scan(barePort, '--min-grade', 'B', '--json');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as { grade: string; score: number; minGrade: string; tests: { name: string }[] };
  assert.equal(report.grade, 'D');
  assert.equal(report.minGrade, 'B');
  assert.equal(report.tests.length, 10);
});

test('usage errors exit 2: a bad URL, a non-http scheme, a bad grade, no URL, an unreadable --ca', async () => {
  const cases: [string[], RegExp][] = [
    [['scan', 'http://exa mple.com/'], /is not a URL/],
    [['scan', 'ftp://example.com/'], /only http: and https:/],
    [['scan', 'https://localhost/', '--min-grade', 'E'], /--min-grade must be one of A\+ A A- B\+/],
    [['scan'], /give exactly one URL .*rampart lint/],
    [['scan', 'https://localhost/', '--ca', join(dir, 'missing.pem')], /cannot read --ca/],
    [['scan', 'https://localhost/', '--http-port', '0'], /--http-port must be between 1 and 65535/],
  ];
  writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  cases.push([['scan', 'https://localhost/', '--ca', join(dir, 'not-pem.txt')], /holds no PEM certificate/]);
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('nothing answering, or a 5xx answer: exit 1 with ERR_RAMPART_SCAN_UNREACHABLE, no grade', async () => {
  const down = await runCli(['scan', `https://localhost:${closedPort}/`, '--http-port', String(closedPort)]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /ERR_RAMPART_SCAN_UNREACHABLE: .*did not answer/);
  assert.equal(down.stdout, '');
  const failing = await scan(errorPort);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /ERR_RAMPART_SCAN_UNREACHABLE: .*answered 500/);
});

test('a bare host name is graded as https://host/', async () => {
  const r = await runCli(['scan', `localhost:${hardenedPort}`, '--http-port', String(closedPort), '--ca', caPath, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { finalUrl: string }).finalUrl, `https://localhost:${hardenedPort}/`);
});
