import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from './fixtures/run-cli.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const STRONG = randomBytes(48).toString('base64url');

interface Report {
  config: string | null;
  environment: string;
  findings: Array<{ id: string; severity: string; message: string }>;
  summary: { error: number; warning: number; info: number };
}

async function check(config: string, env: Record<string, string>, extra: string[] = []): Promise<{ code: number | null; report: Report }> {
  const r = await runCli(['check', '--config', fixture(config), '--json', ...extra], { env });
  // (an inspector enabled through NODE_OPTIONS announces itself on stderr)
  assert.equal(r.stderr.replace(/^(Debugger listening|For help).*\n/gm, ''), '', r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

test('a weak config and environment produce the expected ids and exit 1', async () => {
  const { code, report } = await check(
    'bad.config.ts',
    {
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
      SESSION_SECRET: 'changeme',
      JWT_SECRET_KEY: 'short',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_123',
      AWS_ACCESS_KEY_ID: 'AKIA0000',
      API_TOKEN: STRONG,
    },
    ['--env', 'production', '--env-file', fixture('debug.env')],
  );
  assert.equal(code, 1);
  const ids = new Set(report.findings.map((f) => f.id));
  for (const id of [
    'RAMPART-W003',
    'RAMPART-W004',
    'RAMPART-W006',
    'RAMPART-W007',
    'RAMPART-W011',
    'RAMPART-W013',
    'RAMPART-W014',
    'RAMPART-W015',
    'RAMPART-W016',
    'RAMPART-W018',
    'RAMPART-W019',
    'RAMPART-W021',
    'RAMPART-W022',
    'RAMPART-W023',
    'RAMPART-W024',
    'RAMPART-W025',
    'RAMPART-W026',
    'RAMPART-W030',
  ]) {
    assert.ok(ids.has(id), `${id} missing from ${[...ids].join(', ')}`);
  }
  for (const id of ['RAMPART-W002', 'RAMPART-W005', 'RAMPART-W009', 'RAMPART-W012', 'RAMPART-E001']) assert.ok(!ids.has(id), `${id} unexpected`);
  const weak = report.findings
    .filter((f) => f.id === 'RAMPART-W025')
    .map((f) => f.message.split(' ')[0])
    .sort();
  assert.deepEqual(weak, ['JWT_SECRET_KEY', 'SESSION_SECRET'], 'public keys, key ids and strong tokens are not flagged');
  assert.ok(!JSON.stringify(report).includes('changeme'), 'secret values never appear in the report');
  const severity = (id: string): string | undefined => report.findings.find((f) => f.id === id)?.severity;
  assert.equal(severity('RAMPART-W006'), 'error');
  assert.equal(severity('RAMPART-W015'), 'error');
  assert.equal(severity('RAMPART-W024'), 'error');
  assert.equal(severity('RAMPART-W021'), 'warning');
  assert.ok(
    report.findings.some((f) => f.id === 'RAMPART-W030' && f.message.includes('unsafe-url')),
    'CONFIG_WARNING from construction is reported',
  );
  assert.equal(report.summary.error, report.findings.filter((f) => f.severity === 'error').length);
});

test('a clean production config passes with exit 0', async () => {
  const { code, report } = await check('good.config.ts', { NODE_ENV: 'production', CSRF_SECRET: STRONG });
  assert.equal(code, 0, JSON.stringify(report.findings));
  assert.equal(report.environment, 'production');
  assert.deepEqual(report.findings, []);
});

test('outside production, deploy-only rules are informational', async () => {
  const { code, report } = await check('good.config.ts', { CSRF_SECRET: STRONG }, ['--env', 'development']);
  assert.equal(code, 0);
  assert.deepEqual(
    report.findings.map((f) => [f.id, f.severity]),
    [['RAMPART-W014', 'info']],
  );
});

test('a config that makes rampart() throw is reported with its RampartError code', async () => {
  const { code, report } = await check('throws.config.ts', { NODE_ENV: 'production' });
  assert.equal(code, 1);
  const f = report.findings.find((x) => x.id === 'RAMPART-E001');
  assert.ok(f);
  assert.match(f.message, /^ERR_RAMPART_UNKNOWN_OPTION: /);
  assert.match(f.message, /rateLimit/, 'the message suggests the intended name');
});

test('a module without an options object is RAMPART-E002', async () => {
  const { code, report } = await check('broken.config.ts', { NODE_ENV: 'production' });
  assert.equal(code, 1);
  assert.deepEqual(
    report.findings.map((f) => f.id),
    ['RAMPART-E002'],
  );
});

test('text output numbers the findings; usage errors exit 2', async () => {
  const r = await runCli(['check', '--config', fixture('bad.config.ts'), '--env', 'production', '--env-file', fixture('debug.env')], { env: {} });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^ 1\. RAMPART-W\d{3} \[error\]/m);
  assert.match(r.stdout, /fix: /);
  assert.match(r.stdout, /\d+ error\(s\), \d+ warning\(s\)/);
  const missing = await runCli(['check', '--config', fixture('nope.config.ts')], { env: {} });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no config file/);
  const flag = await runCli(['check', '--deploy'], { env: {} });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--deploy'/);
  const env = await runCli(['check', '--env', 'prod;rm'], { env: {} });
  assert.equal(env.code, 2);
});

test('check --list prints the catalogue', async () => {
  const r = await runCli(['check', '--list'], { env: {} });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^RAMPART-E001 {2}error/m);
  assert.match(r.stdout, /^RAMPART-W026 {2}error/m);
});
