// The hand-made values a black-box pass found accepted, through the places that take them:
// the hashPassword pepper (16 bytes minimum), dashboard({ auth: { token } }) and the
// RAMPART_DASHBOARD_TOKEN of `rampart dashboard` (24 bytes minimum). Each is refused with
// ERR_RAMPART_CONFIG, and a random value of the minimum length is still accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../src/auth/index.ts';
import { dashboard } from '../src/dashboard/index.ts';
import { SecurityLog } from '../src/log/index.ts';
import { isRampartError } from '../src/errors.ts';
import { MAIN } from '../src/cli/fixtures/run-cli.ts';

const WEAK_PEPPERS = ['qwertyuiopasdfgh', '1q2w3e4r5t6y7u8i', '2024-01-01T00:00:00Z', '123e4567-e89b-12d3-a456-426614174000'];
const WEAK_TOKENS = ['rampart-dashboard-secret-1', 'dashboardtokendashboard1', 'qwertyuiopasdfghjklzxcvb', 'my-dashboard-token-2024!!'];
const isConfigError = (e: unknown): boolean => isRampartError(e, 'ERR_RAMPART_CONFIG');

test('hashPassword refuses a keyboard-walk, date or example-UUID pepper and accepts 16 random hex characters', async () => {
  for (const pepper of WEAK_PEPPERS) {
    await assert.rejects(hashPassword('correct horse battery', { pepper, memory: 7168, passes: 1 }), isConfigError, pepper);
  }
  // The pepper is checked before hashing: where this Node has no argon2 (Node 22 without
  // @node-rs/argon2), accepting it shows as ERR_RAMPART_ARGON2_UNAVAILABLE, never a config error.
  const stored = await hashPassword('correct horse battery', { pepper: randomBytes(8).toString('hex'), memory: 7168, passes: 1 }).catch((e: unknown) => {
    if (isRampartError(e, 'ERR_RAMPART_ARGON2_UNAVAILABLE')) return '$argon2id$ (not available here)';
    throw e;
  });
  assert.match(stored, /^\$argon2id\$/);
});

test('dashboard() refuses a token made of the product words or a keyboard walk and accepts 24 random hex characters', async () => {
  const log = new SecurityLog();
  try {
    for (const token of WEAK_TOKENS) assert.throws(() => dashboard({ log, auth: { token } }), isConfigError, token);
    assert.equal(typeof dashboard({ log, auth: { token: randomBytes(12).toString('hex') } }).fetch, 'function');
  } finally {
    await log.close();
  }
});

test('rampart dashboard refuses RAMPART_DASHBOARD_TOKEN=rampart-dashboard-secret-1 before it listens, without printing it', async (t) => {
  const child = spawn(process.execPath, [MAIN, 'dashboard', '--port', '0', '--database', 'postgres://u@127.0.0.1:1/db'], {
    env: { PATH: process.env.PATH ?? '', RAMPART_DASHBOARD_TOKEN: 'rampart-dashboard-secret-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  // Resolves with the exit code, or with 'listening' when it started with the weak token.
  const outcome = await new Promise<number | null | 'listening'>((resolve) => {
    const collect = (d: string): void => {
      output += d;
      if (/rampart dashboard on /.test(output)) resolve('listening');
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.on('exit', (code) => resolve(code));
  });
  assert.notEqual(outcome, 'listening', 'the dashboard started with a weak token');
  assert.notEqual(outcome, 0);
  assert.match(output, /RAMPART_DASHBOARD_TOKEN is not usable as a secret/);
  assert.ok(!output.includes('rampart-dashboard-secret-1'));
});
