import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { runCli } from './fixtures/run-cli.ts';

let dir: string;
let database: string;
const SPELLINGS = ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0::1'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rampart-cli-ip-'));
  database = join(dir, 'security');
  const log = new SecurityLog({ database });
  for (const ip of SPELLINGS) await log.log(SecurityEvent.LOGIN_FAILED, { ip, userId: 'alice' }, { wait: true });
  await log.log(SecurityEvent.LOGIN_FAILED, { ip: '2001:db8::2', userId: 'bob' }, { wait: true });
  await log.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

const ips = (stdout: string): string[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { ipAddress: string }).ipAddress);

test('rampart log --ip finds one IPv6 address in any spelling (alone, with another filter, and in tail)', async () => {
  for (const q of ['2001:0DB8::0001', '2001:db8:0:0:0:0:0:1']) {
    const alone = await runCli(['log', '--database', database, '--ip', q, '--format', 'jsonl'], { env: {} });
    assert.equal(alone.code, 0, alone.stderr);
    assert.deepEqual(
      ips(alone.stdout),
      SPELLINGS.map(() => '2001:db8::1'),
      q,
    );
    const withEvent = await runCli(['log', '--database', database, '--user', 'alice', '--ip', q, '--format', 'jsonl'], { env: {} });
    assert.equal(withEvent.code, 0, withEvent.stderr);
    assert.equal(ips(withEvent.stdout).length, 4, q);
    const tail = await runCli(['log', 'tail', '--database', database, '--event', 'LOGIN_FAILED', '--ip', q, '--format', 'jsonl'], { env: {} });
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(ips(tail.stdout).length, 4, q);
  }
});

test('rampart log --ip that is not an address (or a leading-zero IPv4) is a usage error, exit 2, in list and tail', async () => {
  for (const q of ['not-an-ip', '192.0.2.01', '2001:db8::1/64']) {
    for (const args of [['log'], ['log', 'tail']]) {
      const run = await runCli([...args, '--database', database, '--ip', q], { env: {} });
      assert.equal(run.code, 2, `${args.join(' ')} --ip ${q}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /--ip must be an IPv4 or IPv6 address/);
      assert.equal(run.stdout, '');
    }
  }
});
