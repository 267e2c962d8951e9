import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './fixtures/run-cli.ts';

// `rampart check --config` over options that trust every peer's X-Forwarded-For through a
// catch-all CIDR list, or allow every site under a public suffix.

interface Report {
  findings: Array<{ id: string; severity: string; message: string }>;
}

async function checkConfig(t: { after(fn: () => void): void }, options: string): Promise<Report> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rampart-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'rampart.config.mjs');
  writeFileSync(file, `export default ${options};\n`);
  const r = await runCli(['check', '--config', file, '--json', '--env', 'production']);
  return JSON.parse(r.stdout) as Report;
}

const BASE = "allowedHosts: ['example.com'], httpsRedirect: true, headers: { hsts: { maxAge: 31536000, includeSubDomains: true } }";

for (const list of [
  "['0.0.0.0/0', '::/0']",
  "['0.0.0.0/0']",
  "['::/0']",
  "['0.0.0.0/1', '128.0.0.0/1']",
  "['10.0.0.1', '::ffff:0.0.0.0/96']",
  "['64:ff9b::/96']",
  "['2002::/16']",
  "['2001::/32']",
]) {
  test(`check: trustProxy: ${list} is reported as W015 (any peer chooses its client address)`, async (t) => {
    const report = await checkConfig(t, `{ ${BASE}, trustProxy: ${list} }`);
    const w015 = report.findings.filter((f) => f.id === 'RAMPART-W015');
    assert.equal(w015.length, 1, JSON.stringify(report.findings));
    assert.equal(w015[0]!.severity, 'error');
  });
}

test('check: trustProxy listing real proxies (private ranges) is not W015', async (t) => {
  const report = await checkConfig(t, `{ ${BASE}, trustProxy: ['10.0.0.0/8', '172.16.0.0/12', 'fd00::/8', '127.0.0.1'] }`);
  assert.deepEqual(
    report.findings.filter((f) => f.id === 'RAMPART-W015'),
    [],
  );
});

for (const hosts of ["['.com']", "['example.com', '.co.uk']", "['.github.io']", "['.uk']"]) {
  test(`check: allowedHosts ${hosts} (a public-suffix wildcard) is reported as an error`, async (t) => {
    const report = await checkConfig(t, `{ allowedHosts: ${hosts}, httpsRedirect: true, headers: { hsts: { maxAge: 31536000, includeSubDomains: true } } }`);
    const found = report.findings.filter((f) => f.id === 'RAMPART-W013');
    assert.equal(found.length, 1, JSON.stringify(report.findings));
    assert.equal(found[0]!.severity, 'error');
    assert.match(found[0]!.message, /public suffix/);
  });
}

test("check: allowedHosts ['.example.co.uk', '.localhost'] is no W013", async (t) => {
  const report = await checkConfig(t, `{ allowedHosts: ['.example.co.uk', '.localhost', 'example.com'], httpsRedirect: true }`);
  assert.deepEqual(
    report.findings.filter((f) => f.id === 'RAMPART-W013' || f.id === 'RAMPART-E001'),
    [],
  );
});
