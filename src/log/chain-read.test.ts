/**
 * The read side of a tamper-evident log (`chain: true`): every row a query returns has its
 * MAC checked (one HMAC per row, no chain walk). Rows inserted or edited through SQL without
 * the key are left out of getRecent/getForUser/getForIp/getByEvent/export (the limit is still
 * filled with genuine rows), or returned marked with `includeTampered: true`; rows written
 * before the chain was switched on are returned as `unchained`. On PGlite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SecurityLog, SecurityEvent, type SecurityLogRow } from './index.ts';
import { chainedLogEnvironments, type ChainedLogEnv } from '../../test/helpers/chained-log.ts';

const environment = chainedLogEnvironments('chain_read');
type Env = ChainedLogEnv;

async function write(log: SecurityLog, n: number, detail = 'genuine'): Promise<void> {
  for (let i = 0; i < n; i++) await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'alice', ip: '198.51.100.7', detail: `${detail} ${i}` }, { wait: true });
}

/** The forgeries of the black-box pass: each is a row an attacker with table access (no key) adds or changes. */
async function forge(env: Env): Promise<void> {
  const t = env.table;
  await env.raw(
    `insert into ${t} (id, event, user_id, ip_address, detail, "timestamp") values (-5, 'LOGIN_FAILED', 'alice', '198.51.100.7', 'forged negative id', now() + interval '1 minute')`,
  );
  await env.raw(
    `insert into ${t} (id, event, user_id, ip_address, detail, "timestamp") values (0, 'LOGIN_FAILED', 'alice', '198.51.100.7', 'forged id 0', now() + interval '2 minutes')`,
  );
  await env.raw(
    `insert into ${t} (id, event, user_id, ip_address, detail, "timestamp", chain_prev, chain_hmac)
     select -1, event, user_id, ip_address, 'forged copied mac', "timestamp" + interval '3 minutes', chain_prev, chain_hmac from ${t} where id = (select max(id) from ${t})`,
  );
  await env.raw(
    `insert into ${t} (id, event, user_id, ip_address, detail, "timestamp") values (1000000000000000, 'LOGIN_FAILED', 'alice', '198.51.100.7', 'forged big id', now() + interval '4 minutes')`,
  );
  // A genuine row edited in place (its MAC kept).
  await env.raw(`update ${t} set detail = 'forged edit', "timestamp" = now() + interval '5 minutes' where id = (select min(id) from ${t} where id > 0)`);
}

const details = (rows: readonly SecurityLogRow[]): string[] => rows.map((r) => r.detail ?? '');
const forged = (rows: readonly SecurityLogRow[]): string[] => details(rows).filter((d) => d.startsWith('forged'));

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: rows forged through SQL are left out of every read API, the limit filled with genuine rows`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 6);
    await forge(env);
    // The forgeries are the newest rows: without the check they fill the first page.
    const recent = await log.getRecent({ limit: 3 });
    assert.deepEqual(forged(recent), [], 'getRecent returned forged rows as genuine');
    assert.deepEqual(details(recent), ['genuine 5', 'genuine 4', 'genuine 3']);
    assert.deepEqual(
      recent.map((r) => r.integrity),
      ['verified', 'verified', 'verified'],
    );
    assert.deepEqual(forged(await log.getForUser('alice', { limit: 10 })), []);
    assert.equal((await log.getForUser('alice', { limit: 10 })).length, 5, 'the five genuine rows left unedited');
    assert.deepEqual(forged(await log.getForIp('198.51.100.7')), []);
    assert.deepEqual(forged(await log.getByEvent(SecurityEvent.LOGIN_FAILED)), []);
    const lines: string[] = [];
    for await (const line of log.export()) lines.push(line);
    assert.equal(lines.length, 5);
    assert.ok(!lines.some((l) => l.includes('forged')), `export wrote forged rows: ${lines.join('')}`);
  });

  test(`${backend}: includeTampered returns the forged rows marked as such`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 3);
    await forge(env);
    const rows = await log.getRecent({ limit: 20, includeTampered: true });
    assert.equal(rows.length, 7, 'three genuine rows (one of them edited) and four inserted');
    const tampered = rows.filter((r) => r.integrity === 'tampered').map((r) => r.detail);
    assert.deepEqual(tampered.sort(), ['forged big id', 'forged copied mac', 'forged edit', 'forged id 0', 'forged negative id']);
    assert.ok(rows.filter((r) => r.integrity !== 'tampered').every((r) => r.integrity === 'verified'));
    const lines: string[] = [];
    for await (const line of log.export({ includeTampered: true })) lines.push(line);
    assert.equal(lines.length, 7);
    assert.equal(lines.filter((l) => l.includes('"integrity":"tampered"')).length, 5);
  });

  test(`${backend}: rows written before chain: true are returned as unchained; a row without MAC after the chain is not`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const plain = env.open({ chain: false, chainKey: undefined });
    await write(plain, 2, 'before');
    await plain.close();
    const log = env.open();
    await write(log, 2, 'after');
    await env.raw(`insert into ${env.table} (event, user_id, detail, "timestamp") values ('LOGIN_SUCCESS', 'alice', 'forged appended', now())`);
    const rows = await log.getRecent({ limit: 10, includeTampered: true });
    assert.deepEqual(
      rows.map((r) => `${r.detail}:${r.integrity}`),
      ['forged appended:tampered', 'after 1:verified', 'after 0:verified', 'before 1:unchained', 'before 0:unchained'],
    );
    assert.deepEqual(details(await log.getRecent({ limit: 10 })), ['after 1', 'after 0', 'before 1', 'before 0']);
  });

  test(`${backend}: a log without chain returns rows as stored, without integrity`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open({ chain: false, chainKey: undefined });
    await write(log, 2);
    const rows = await log.getRecent();
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => !('integrity' in r)));
  });
}

test('the first read that leaves rows out warns once per log, naming includeTampered and verify()', async (t) => {
  const env = await environment(t, 'pglite');
  if (env === undefined) return;
  const log = env.open();
  await write(log, 2);
  const silent = process.env.RAMPART_SILENT;
  delete process.env.RAMPART_SILENT;
  t.after(() => {
    if (silent !== undefined) process.env.RAMPART_SILENT = silent;
  });
  const warn = t.mock.method(console, 'warn', () => undefined);
  await log.getRecent();
  assert.equal(warn.mock.callCount(), 0, 'no warning while every row verifies');
  await forge(env);
  await log.getRecent();
  await log.getForUser('alice');
  assert.equal(warn.mock.callCount(), 1);
  const message = String(warn.mock.calls[0]?.arguments[0]);
  assert.match(message, /getRecent\(\) found 5 row\(s\) .* whose MAC does not verify/);
  assert.match(message, /includeTampered: true/);
  assert.match(message, /verify\(\)/);
});
