// `rampart check` reports every option that rampart() refuses at construction (RAMPART-E001),
// the SecurityLog's options included, without opening the log's database or printing.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheck } from './check.ts';
import { runCli } from './fixtures/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rampart-check-construction-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `allowedHosts: ['example.com'], csrf: { secret: 'Zq8#vL2!pR9@wX4$mN7^bT1&kJ6*hG3%' }`;
let counter = 0;

/** A config module `export default { <base>, <body> }` in the temporary folder. */
function configFile(body: string, base = BASE): string {
  const file = join(dir, `c${counter++}.config.mjs`);
  writeFileSync(file, `export default { ${base}${base === '' ? '' : ', '}${body} };\n`);
  return file;
}

/** The E001 messages `rampart check` reports for the config `{ <base>, <body> }`. */
async function constructionErrors(body: string, base = BASE): Promise<string[]> {
  const report = await runCheck({ config: configFile(body, base), environment: 'production' });
  return report.findings.filter((f) => f.id === 'RAMPART-E001').map((f) => f.message);
}

test('log options that rampart() refuses are E001 with the RampartError code and message', async () => {
  const refused: Array<[string, RegExp]> = [
    ['log: { retention: { days: 30, every: 0 } }', /^ERR_RAMPART_CONFIG: .*retention\.every/],
    ['log: { retention: { days: 30, evry: 5 } }', /^ERR_RAMPART_UNKNOWN_OPTION: .*evry/],
    ['log: { retention: { days: 0 } }', /^ERR_RAMPART_CONFIG: .*retention\.days/],
    ['log: { maxDetail: -1 }', /^ERR_RAMPART_CONFIG: .*maxDetail/],
    ['log: { batchSize: 0 }', /^ERR_RAMPART_CONFIG: .*batchSize/],
    ["log: { databse: 'memory' }", /^ERR_RAMPART_UNKNOWN_OPTION: .*databse/],
    ["log: { table: 'Security-Log' }", /^ERR_RAMPART_CONFIG: .*table/],
    ['log: { chain: true }', /^ERR_RAMPART_CONFIG: .*chainKey/],
    ['log: 5', /^ERR_RAMPART_CONFIG: log must be/],
    ['log: null', /^ERR_RAMPART_CONFIG: log must be/],
  ];
  for (const [body, expected] of refused) {
    const errors = await constructionErrors(body);
    assert.equal(errors.length, 1, `${body}: ${JSON.stringify(errors)}`);
    assert.match(errors[0] ?? '', expected, body);
  }
});

test('refused options of every capability are E001; accepted ones are not', async () => {
  const refused: Array<[string, RegExp]> = [
    ["csrf: { secret: 'Zq8#vL2!pR9@wX4$mN7^bT1&kJ6*hG3%', cookieNme: 'x' }", /^ERR_RAMPART_UNKNOWN_OPTION: .*cookieNme/],
    ["cors: { origins: '*', allowCredentials: true }", /^ERR_RAMPART_CONFIG: cors/],
    ["cors: { origins: ['https://a.example'], maxAge: -5 }", /^ERR_RAMPART_CONFIG: cors\.maxAge/],
    ['rateLimit: { maxRequests: 0 }', /^ERR_RAMPART_CONFIG: rateLimit\.maxRequests/],
    ["rateLimit: { algorithm: 'leaky' }", /^ERR_RAMPART_CONFIG: rateLimit\.algorithm/],
    ["headers: { frameOptions: 'ALLOW' }", /^ERR_RAMPART_CONFIG: headers\.frameOptions/],
    ["headers: { hsts: { maxAge: 'a year' } }", /^ERR_RAMPART_CONFIG: headers\.hsts\.maxAge/],
  ];
  for (const [body, expected] of refused) {
    const errors = await constructionErrors(body, body.startsWith('csrf') ? "allowedHosts: ['example.com']" : BASE);
    assert.equal(errors.length, 1, `${body}: ${JSON.stringify(errors)}`);
    assert.match(errors[0] ?? '', expected, body);
  }
  const accepted = [
    'log: { retention: { days: 30, every: 3600 }, batchSize: 100, maxDetail: 2048 }',
    'log: { retention: true }',
    'log: { emit() {} }',
    "cors: { origins: ['https://a.example'], maxAge: 600 }",
    "rateLimit: { maxRequests: 10, window: 60, algorithm: 'gcra' }",
  ];
  for (const body of accepted) assert.deepEqual(await constructionErrors(body), [], body);
});

test('an error in the log is reported beside an error in another section', async () => {
  const errors = await constructionErrors('rateLimit: { maxRequests: 0 }, log: { batchSize: 0 }');
  assert.equal(errors.length, 2, JSON.stringify(errors));
  assert.ok(errors.some((m) => /rateLimit\.maxRequests/.test(m)));
  assert.ok(errors.some((m) => /batchSize/.test(m)));
});

test('checking a log option opens no database, prints nothing and lets the process exit', async () => {
  const database = join(dir, 'never-opened');
  const file = configFile(`log: { database: ${JSON.stringify(database)}, retention: { days: 30, every: 60 } }`);
  const r = await runCli(['check', '--config', file, '--json'], { env: { NODE_ENV: 'production' } });
  assert.equal(r.stderr, '');
  const report = JSON.parse(r.stdout) as { findings: Array<{ id: string }> };
  assert.ok(!report.findings.some((f) => f.id === 'RAMPART-E001'), r.stdout);
  assert.equal(existsSync(database), false, 'the PGlite data folder was not created');
});
