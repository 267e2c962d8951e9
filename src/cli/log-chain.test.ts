/**
 * `rampart log` over a chained SecurityLog (`chain: true`), as real CLI processes on an
 * on-disk PGlite: with `--chain-key-env NAME`, list, tail and export leave out rows forged
 * through SQL and count them on stderr (`--include-tampered` shows them marked); without
 * the key, stderr says the rows are shown unchecked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { SecurityEvent, SecurityLog } from '../log/index.ts';
import { runCli } from './fixtures/run-cli.ts';

const KEY = 'chain-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';
const env = { LOG_CHAIN_KEY: KEY };
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rampart-log-chain-'));
  const log = new SecurityLog({ database: dir, chain: true, chainKey: KEY, flushIntervalMs: 10 });
  for (let i = 0; i < 3; i++) await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7', detail: `genuine ${i}` }, { wait: true });
  await log.close();
  const db = new PGlite(dir);
  await db.query(
    `insert into rampart_security_log (event, ip_address, detail, "timestamp") values ('LOGIN_SUCCESS', '203.0.113.66', 'forged row', now() + interval '1 minute')`,
  );
  await db.query(`update rampart_security_log set detail = 'forged edit' where detail = 'genuine 0'`);
  await db.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('rampart log --chain-key-env: forged rows are left out of list, tail and export, and counted on stderr', async () => {
  const list = await runCli(['log', '--database', dir, '--chain-key-env', 'LOG_CHAIN_KEY'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, /forged/, 'rampart log printed forged rows as genuine');
  assert.match(list.stdout, /genuine 2[\s\S]*genuine 1[\s\S]*2 event\(s\)\./);
  assert.match(list.stderr, /2 row\(s\) whose MAC does not verify .* left out/);

  const tail = await runCli(['log', 'tail', '--database', dir, '--chain-key-env', 'LOG_CHAIN_KEY'], { env });
  assert.equal(tail.code, 0, tail.stderr);
  assert.doesNotMatch(tail.stdout, /forged/);
  assert.match(tail.stderr, /2 row\(s\) whose MAC does not verify/);

  const exported = await runCli(['log', 'export', '--quiet', '--database', dir, '--chain-key-env', 'LOG_CHAIN_KEY'], { env });
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout.trim().split('\n').length, 2);
  assert.doesNotMatch(exported.stdout, /forged/);
  assert.match(exported.stderr, /2 row\(s\) whose MAC does not verify/);
});

test('rampart log --include-tampered shows the forged rows marked', async () => {
  const list = await runCli(['log', '--database', dir, '--chain-key-env', 'LOG_CHAIN_KEY', '--include-tampered'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /TAMPERED LOGIN_SUCCESS[^\n]*forged row/);
  assert.match(list.stdout, /TAMPERED LOGIN_FAILED[^\n]*forged edit/);
  assert.match(list.stdout, /4 event\(s\)\./);
  const jsonl = await runCli(['log', '--format', 'jsonl', '--database', dir, '--chain-key-env', 'LOG_CHAIN_KEY', '--include-tampered'], { env });
  const rows = jsonl.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { detail: string; integrity: string });
  assert.deepEqual(rows.map((r) => `${r.detail}:${r.integrity}`).sort(), [
    'forged edit:tampered',
    'forged row:tampered',
    'genuine 1:verified',
    'genuine 2:verified',
  ]);
});

test('rampart log on a chained log without the key warns that rows are unchecked; a missing or weak key is a usage error', async () => {
  const list = await runCli(['log', '--database', dir]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stderr, /chained .* shown unchecked; pass --chain-key-env/);
  const missing = await runCli(['log', '--database', dir, '--chain-key-env', 'NOT_SET']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /NOT_SET is not set/);
  const weak = await runCli(['log', '--database', dir, '--chain-key-env', 'LOG_CHAIN_KEY'], { env: { LOG_CHAIN_KEY: 'short' } });
  assert.equal(weak.code, 2, weak.stderr);
  const alone = await runCli(['log', '--database', dir, '--include-tampered']);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--include-tampered needs --chain-key-env/);
});
