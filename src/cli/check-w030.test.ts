/**
 * W030 reports only the construction warnings no dedicated rule reports: ignoring a
 * dedicated rule (--ignore W016) silences its cause entirely, so CI gates such as
 * `--ignore W016 --fail-on warning` work.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectConfigWarnings } from '../core/events.ts';
import { rampart, type RampartOptions } from '../preset.ts';
import { checkOptions, configWarningFindings } from './check-rules.ts';
import { runCli } from './fixtures/run-cli.ts';

process.env.RAMPART_SILENT = '1';
const SECRET = randomBytes(48).toString('base64url');

// A base without relaxations: each case adds exactly one.
const BASE: RampartOptions = { csrf: { secret: SECRET } };

const CASES: Array<[rule: string, options: RampartOptions, otherCause?: RegExp]> = [
  ['RAMPART-W001', { headers: false }],
  ['RAMPART-W003', { headers: { hsts: { maxAge: 0 } } }],
  ['RAMPART-W005', { headers: { csp: false } }],
  ['RAMPART-W006', { headers: { csp: { directives: { 'script-src': ["'self'", "'unsafe-inline'"] } } } }],
  ['RAMPART-W006', { headers: { csp: { directives: { 'script-src-elem': ["'self'", "'unsafe-inline'"] } } } }],
  ['RAMPART-W006', { headers: { csp: { directives: { 'script-src-attr': ["'unsafe-inline'"] } } } }],
  ['RAMPART-W007', { headers: { csp: { directives: { 'script-src': ["'self'", "'unsafe-eval'"] } } } }],
  ['RAMPART-W008', { headers: { csp: { reportOnly: true } } }],
  ['RAMPART-W009', { headers: { frameOptions: false, csp: { directives: { 'frame-ancestors': null } } } }],
  ['RAMPART-W009', { headers: { csp: { directives: { 'frame-ancestors': ['*'] } } } }],
  ['RAMPART-W010', { cors: { origins: '*' } }],
  ['RAMPART-W013', { allowedHosts: ['*'] }],
  ['RAMPART-W015', { trustProxy: true }],
  ['RAMPART-W015', { trustProxy: ['0.0.0.0/0'] }],
  ['RAMPART-W016', { csrf: {} }],
  ['RAMPART-W017', { csrf: false }],
  ['RAMPART-W018', { csrf: { secret: SECRET, exemptPaths: ['/webhooks/'] } }],
  ['RAMPART-W019', { rateLimit: false }],
  ['RAMPART-W020', { rateLimit: { failOpen: true } }, /has no effect with the memory store/],
  ['RAMPART-W021', { bodyLimit: false }],
];

for (const [rule, relaxation, otherCause] of CASES) {
  test(`ignoring ${rule} leaves no W030 for the same cause (${JSON.stringify(relaxation)})`, () => {
    const options = { ...BASE, ...relaxation } as RampartOptions;
    const { warnings } = collectConfigWarnings(() => rampart({ ...options, log: false }));
    assert.ok(warnings.length > 0, 'rampart() announces the relaxation');
    const dedicated = checkOptions(options, true);
    assert.ok(
      dedicated.some((f) => f.id === rule),
      `${rule} reports it: ${JSON.stringify(dedicated.map((f) => f.id))}`,
    );
    const ignoredRule = [...dedicated, ...configWarningFindings(warnings, dedicated)].filter((f) => f.id !== rule);
    const repeated = ignoredRule.filter((f) => f.id === 'RAMPART-W030' && !(otherCause?.test(f.message) ?? false));
    assert.deepEqual(repeated, []);
  });
}

test('a warning no dedicated rule caught is still a W030', () => {
  const options: RampartOptions = { ...BASE, headers: { referrerPolicy: 'unsafe-url' } };
  const { warnings } = collectConfigWarnings(() => rampart({ ...options, log: false }));
  const w030 = configWarningFindings(warnings, checkOptions(options, true));
  assert.ok(w030.some((f) => f.message.includes('unsafe-url')));
});

test('rampart check --ignore W016 --fail-on warning passes a config whose only relaxation is the missing CSRF secret', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-w030-'));
  const config = join(dir, 'rampart.config.mjs');
  writeFileSync(
    config,
    "export default { allowedHosts: ['example.com'], httpsRedirect: true, headers: { hsts: { maxAge: 63072000, includeSubDomains: true } } };\n",
  );
  const args = ['check', '--config', config, '--json', '--fail-on', 'warning'];
  const gated = await runCli([...args, '--ignore', 'W016'], { env: { NODE_ENV: 'production' } });
  const report = JSON.parse(gated.stdout) as { findings: Array<{ id: string; message: string }> };
  assert.deepEqual(
    report.findings.map((f) => f.id),
    [],
    gated.stdout,
  );
  assert.equal(gated.code, 0);
  const plain = await runCli(args, { env: { NODE_ENV: 'production' } });
  assert.deepEqual(
    (JSON.parse(plain.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id),
    ['RAMPART-W016'],
  );
});
