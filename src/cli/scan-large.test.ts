/**
 * `rampart scan` on a page larger than its read bound: what it did not read is unknown, so the
 * grade fails closed (no "no scripts" credit) and says so, in the text and in --json. A real
 * local server and the real CLI process.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './fixtures/run-cli.ts';

const PADDING = 5_000_000;
const INSECURE_SCRIPT = '<script src="http://cdn.example/x.js"></script>';
let port = 0;
let closedPort = 0;
let server: http.Server;

before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/small') res.end('<html><head><title>t</title></head><body>ok</body></html>');
    else if (path === '/small-script') res.end(`<html><head>${INSECURE_SCRIPT}</head></html>`);
    else res.end(`<html><head><!--${'a'.repeat(PADDING)}-->${path === '/large-script' ? INSECURE_SCRIPT : ''}</head></html>`);
  });
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const probe = http.createServer();
  closedPort = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

interface Report {
  tests: Array<{ name: string; result: string; pass: boolean; scoreModifier: number }>;
  warnings: string[];
  score: number;
}

async function scan(path: string): Promise<Report> {
  const r = await runCli(['scan', `http://127.0.0.1:${port}${path}`, '--json', '--https-port', String(closedPort)], { env: {} });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

const sri = (report: Report) => report.tests.find((t) => t.name === 'subresource-integrity')!;

test('an insecure script after 5 MB of padding is not graded "no scripts loaded": fail closed, with a warning', async () => {
  const report = await scan('/large-script');
  assert.equal(sri(report).result, 'sri-not-implemented-and-external-scripts-not-loaded-securely');
  assert.equal(sri(report).scoreModifier, -50);
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0]!, /only the first \d+ characters of the page were read/);
});

test('a large page with nothing after the read bound still earns no "no scripts" credit, and says why', async () => {
  const report = await scan('/large');
  assert.notEqual(sri(report).result, 'sri-not-implemented-but-no-scripts-loaded');
  assert.equal(sri(report).pass, false);
  assert.equal(report.warnings.length, 1);
  const text = await runCli(['scan', `http://127.0.0.1:${port}/large`, '--https-port', String(closedPort)], { env: {} });
  assert.match(text.stdout, /warning {2}http:\/\/127\.0\.0\.1:\d+\/large: only the first/);
});

test('pages read whole are graded as before, without warnings', async () => {
  const small = await scan('/small');
  assert.equal(sri(small).result, 'sri-not-implemented-but-no-scripts-loaded');
  assert.deepEqual(small.warnings, []);
  const script = await scan('/small-script');
  assert.equal(sri(script).result, 'sri-not-implemented-and-external-scripts-not-loaded-securely');
  assert.deepEqual(script.warnings, []);
});
