import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SecurityLog, SecurityEvent } from './index.ts';
import { isRampartError } from '../errors.ts';
import { chainedLogEnvironments, type ChainedLogEnv } from '../../test/helpers/chained-log.ts';

const environment = chainedLogEnvironments('chain_verify');
type Env = ChainedLogEnv;

async function write(log: SecurityLog, n: number, detail = 'attempt'): Promise<void> {
  for (let i = 0; i < n; i++) await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'alice', ip: `198.51.100.${i}`, detail: `${detail} ${i}` }, { wait: true });
}

async function ids(env: Env): Promise<number[]> {
  return (await env.raw(`select id from ${env.table} order by id`)).map((r) => Number(r.id));
}

const configError = (err: unknown): boolean => isRampartError(err) && err.code === 'ERR_RAMPART_CONFIG';

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: an unchained row appended after the chain is reported, also once genuine rows follow`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 3);
    await env.raw(`insert into ${env.table} (event, user_id, detail, "timestamp") values ('PASSWORD_RESET_COMPLETED', 'alice', 'forged', now())`);
    const forged = (await ids(env)).at(-1)!;
    assert.deepEqual((await log.verify()).firstBad, { id: forged, reason: 'unchained' });
    await write(log, 1, 'genuine');
    const report = await log.verify();
    assert.equal(report.ok, false);
    assert.deepEqual(report.firstBad, { id: forged, reason: 'unchained' });
  });

  test(`${backend}: editing the newest row and clearing its MAC is reported`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 4);
    const newest = (await ids(env)).at(-1)!;
    await env.raw(`update ${env.table} set event = 'LOGOUT', detail = 'edited', chain_prev = null, chain_hmac = null where id = $1`, [newest]);
    const report = await log.verify();
    assert.equal(report.ok, false);
    assert.deepEqual(report.firstBad, { id: newest, reason: 'unchained' });
  });

  test(`${backend}: clearing the MACs of the oldest chained rows is reported (the chain did not start there)`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 4);
    const [first, second] = await ids(env);
    await env.raw(`update ${env.table} set detail = 'rewritten', chain_prev = null, chain_hmac = null where id <= $1`, [second]);
    const report = await log.verify();
    assert.equal(report.ok, false);
    assert.deepEqual(report.firstBad, { id: first, reason: 'unchained' });
  });

  test(`${backend}: rows written before the chain was switched on are counted, not failed`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const plain = env.open({ chain: false, chainKey: undefined });
    await write(plain, 2, 'before');
    await plain.close();
    const log = env.open();
    await write(log, 3);
    const report = await log.verify();
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.unchained, 2);
    assert.equal(report.checked, 3);
  });

  test(`${backend}: an anchor taken earlier verifies while the log grows; truncation, deletion and rewriting at the anchor fail`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 3);
    const anchor = (await log.verify()).last!;
    assert.deepEqual(await log.verify({ anchor }), { ok: true, checked: 3, unchained: 0, last: anchor });
    await write(log, 2, 'later');
    const grown = await log.verify({ anchor });
    assert.equal(grown.ok, true, JSON.stringify(grown));
    assert.equal(grown.checked, 5);

    // Newest rows deleted back past the anchor: without the anchor nothing shows.
    await env.raw(`delete from ${env.table} where id >= $1`, [anchor.id]);
    assert.equal((await log.verify()).ok, true);
    assert.deepEqual((await log.verify({ anchor })).firstBad, { id: anchor.id, reason: 'truncated' });
    // New genuine rows after the truncation do not hide it.
    await write(log, 2, 'after');
    assert.equal((await log.verify()).ok, true);
    assert.deepEqual((await log.verify({ anchor })).firstBad, { id: anchor.id, reason: 'deleted' });
  });

  test(`${backend}: an anchor whose row was rewritten and re-sealed by the attacker fails`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 3);
    const anchor = (await log.verify()).last!;
    // The anchor row and its MAC replaced by an unchained row: the link is gone.
    await env.raw(`update ${env.table} set chain_hmac = $2 where id = $1`, [anchor.id, 'f'.repeat(64)]);
    assert.deepEqual((await log.verify({ anchor })).firstBad, { id: anchor.id, reason: 'altered' });
  });

  test(`${backend}: bad anchors are configuration errors`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 1);
    const { last } = await log.verify();
    for (const anchor of [
      last!.hmac,
      { id: last!.id },
      { hmac: last!.hmac },
      { id: -1, hmac: last!.hmac },
      { id: 0, hmac: last!.hmac },
      { id: 1, hmac: 'xyz' },
      { ...last, extra: 1 },
      null,
      42,
    ]) {
      await assert.rejects(log.verify({ anchor } as never), configError, JSON.stringify(anchor));
    }
  });

  test(`${backend}: rows with an id the sequence never hands out (0 or below) fail, with or without a MAC`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 3);
    const anchor = (await log.verify()).last!;
    const forged: Array<[string, number, string]> = [
      [
        `insert into ${env.table} (id, event, user_id, ip_address, detail, "timestamp") values (-5, 'LOGIN_SUCCESS', 'alice', '203.0.113.66', 'forged', now() + interval '1 minute')`,
        -5,
        'unchained',
      ],
      [`insert into ${env.table} (id, event, detail, "timestamp") values (0, 'LOGIN_SUCCESS', 'forged', now() + interval '1 minute')`, 0, 'unchained'],
      [`insert into ${env.table} (id, event, detail, "timestamp") values (0, 'LOGIN_SUCCESS', 'forged', now() - interval '1 day')`, 0, 'unchained'],
      [
        `insert into ${env.table} (id, event, detail, "timestamp", chain_prev, chain_hmac) select -1, event, 'forged', "timestamp", chain_prev, chain_hmac from ${env.table} where id = ${anchor.id}`,
        -1,
        'altered',
      ],
    ];
    for (const [insert, id, reason] of forged) {
      await env.raw(insert);
      assert.deepEqual((await log.verify()).firstBad, { id, reason }, insert);
      assert.deepEqual((await log.verify({ anchor })).firstBad, { id, reason }, insert);
      await env.raw(`delete from ${env.table} where id <= 0`);
      assert.equal((await log.verify()).ok, true);
    }
  });

  test(`${backend}: a row without MAC before the chain must also be older than the chain's first row`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const plain = env.open({ chain: false, chainKey: undefined });
    await write(plain, 2, 'before');
    await plain.close();
    const log = env.open();
    await write(log, 2);
    assert.equal((await log.verify()).ok, true);
    const [first] = await ids(env);
    // The pre-chain row rewritten to look recent: it would top getRecent().
    await env.raw(`update ${env.table} set detail = 'forged', "timestamp" = now() + interval '1 minute' where id = $1`, [first]);
    assert.deepEqual((await log.verify()).firstBad, { id: first, reason: 'unchained' });
  });

  test(`${backend}: a timestamp moved by less than a millisecond is reported`, async (t) => {
    const env = await environment(t, backend);
    if (env === undefined) return;
    const log = env.open();
    await write(log, 3);
    const [, second] = await ids(env);
    await env.raw(`update ${env.table} set "timestamp" = "timestamp" + interval '999 microseconds' where id = $1`, [second]);
    assert.deepEqual((await log.verify()).firstBad, { id: second, reason: 'altered' });
  });
}
