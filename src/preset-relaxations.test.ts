/**
 * Issue 15, "Nothing relaxes silently": every relaxation the preset accepts is announced
 * (console line once, CONFIG_WARNING event, counted by `rampart check` through
 * configWarnings()), and the warnings raised while `rampart({ log })` is built reach that log.
 * Its own file: announcements are process-wide.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { rampart } from './preset.ts';
import { configWarnings } from './core/events.ts';
import type { SecurityEventRecord } from './core/types.ts';
import { SecurityLog } from './log/index.ts';
import { redactString } from './log/redact.ts';

process.env.RAMPART_SILENT = '1';

function recorder(): { emit(r: SecurityEventRecord): void; records: SecurityEventRecord[] } {
  const records: SecurityEventRecord[] = [];
  return { records, emit: (r) => void records.push(r) };
}
const warningsIn = (sink: { records: SecurityEventRecord[] }): string[] => sink.records.filter((r) => r.event === 'CONFIG_WARNING').map((r) => r.detail ?? '');

const CASES: ReadonlyArray<[string, Parameters<typeof rampart>[0], RegExp]> = [
  ['csrf: false', { csrf: false }, /^csrf: false/],
  ['rateLimit: false', { rateLimit: false }, /^rateLimit: false/],
  ['headers: false', { headers: false }, /^headers: false/],
  ['bodyLimit: false', { bodyLimit: false }, /^bodyLimit: false/],
  ['csrf without a secret', {}, /^csrf has no secret/],
  ['csrf.skip', { csrf: { mode: 'origin', skip: () => false } }, /^csrf\.skip/],
  ['csrf.apiKeyHeader', { csrf: { mode: 'origin', apiKeyHeader: 'x-api-key' } }, /^csrf\.apiKeyHeader/],
  ['csrf.exemptPaths', { csrf: { mode: 'origin', exemptPaths: ['/hooks/'] } }, /^csrf: requests under \/hooks\//],
  ['rateLimit.skip', { rateLimit: { skip: () => false } }, /^rateLimit\.skip/],
  ['rateLimit.allowlist', { rateLimit: { allowlist: ['10.0.0.0/8'] } }, /^rateLimit\.allowlist/],
  ['httpsRedirect.exemptPaths', { httpsRedirect: { host: 'example.com', exemptPaths: ['/health'] } }, /^httpsRedirect\.exemptPaths/],
];

for (const [name, options, pattern] of CASES) {
  test(`${name} is announced: a CONFIG_WARNING in the preset's log and in configWarnings()`, async () => {
    const sink = recorder();
    const shield = rampart({ ...options, log: sink });
    try {
      const found = warningsIn(sink).filter((m) => pattern.test(m));
      assert.equal(found.length, 1, `one warning matching ${pattern} in ${JSON.stringify(warningsIn(sink))}`);
      // The log redacts `secret: <value>` shapes: an announcement must read the same once stored.
      assert.equal(redactString(found[0]!), found[0]);
      assert.ok(
        configWarnings().some((m) => pattern.test(m)),
        'counted by rampart check',
      );
    } finally {
      await shield.close();
    }
  });
}

test('the default preset with a CSRF secret and nothing relaxed announces nothing of these', async () => {
  const sink = recorder();
  const shield = rampart({ csrf: { secret: 'k7Qp2vX9mLr4TzW8bN3cJ6hF1sD5gY0eA' }, log: sink });
  try {
    const relaxations = CASES.map(([, , p]) => p);
    assert.deepEqual(
      warningsIn(sink).filter((m) => relaxations.some((p) => p.test(m))),
      [],
    );
  } finally {
    await shield.close();
  }
});

test('warnings raised while rampart({ log }) is built reach that log, also when announced before', async () => {
  const unsafe = { csp: { directives: { 'script-src': ["'self'", "'unsafe-inline'"] } } };
  const first = recorder();
  const a = rampart({ headers: unsafe, log: first });
  const second = recorder();
  const b = rampart({ headers: unsafe, log: second });
  try {
    for (const sink of [first, second])
      assert.ok(
        warningsIn(sink).some((m) => /unsafe-inline/.test(m)),
        JSON.stringify(warningsIn(sink)),
      );
    assert.equal(configWarnings().filter((m) => /'unsafe-inline' in script-src/.test(m)).length, 1, 'one announcement per process');
  } finally {
    await a.close();
    await b.close();
  }
});

test('a SecurityLog given to the preset stores the construction warnings', async () => {
  const log = new SecurityLog({ database: 'memory' });
  const shield = rampart({ rateLimit: false, log });
  try {
    await log.flush();
    const rows = await log.getByEvent('CONFIG_WARNING', { sinceHours: 1 });
    assert.ok(
      rows.some((r) => /^rateLimit: false/.test(String(r.detail))),
      JSON.stringify(rows.map((r) => r.detail)),
    );
  } finally {
    await shield.close();
    await log.close();
  }
});
