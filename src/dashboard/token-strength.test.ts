import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SecurityLog } from '../log/index.ts';
import { dashboard } from './index.ts';
import { isRampartError } from '../errors.ts';
import { MAIN } from '../cli/fixtures/run-cli.ts';

// The dashboard token is a secret like csrf.secret: the shared strength check refuses
// placeholders and low-entropy values (its minimum stays 24 characters).
const WEAK = ['a'.repeat(24), 'passwordpasswordpassword', '123456789012345678901234', 'changeme-changeme-changeme', 'your-dashboard-token-here'];

test('dashboard: auth.token refuses placeholder and low-entropy tokens with ERR_RAMPART_CONFIG saying how to make one', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    for (const token of WEAK) {
      for (const auth of [{ token }, { token: [randomBytes(32).toString('base64url'), token] }]) {
        assert.throws(
          () => dashboard({ log, auth }),
          (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /rampart keys|openssl rand/.test(e.message) && !e.message.includes(token),
          JSON.stringify(token),
        );
      }
    }
    // Random tokens of the documented minimum length are still accepted.
    for (const token of [randomBytes(18).toString('base64url'), randomBytes(12).toString('hex'), randomBytes(32).toString('base64url')]) {
      const dash = dashboard({ log, auth: { token } });
      await dash.close();
    }
  } finally {
    await log.close();
  }
});

test('rampart dashboard: a weak RAMPART_DASHBOARD_TOKEN is refused at start (exit code 2, nothing served)', async () => {
  for (const token of ['changeme-changeme-changeme', 'a'.repeat(24)]) {
    const child = spawn(process.execPath, [MAIN, 'dashboard', '--database', 'postgres://u@127.0.0.1:1/db', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', RAMPART_DASHBOARD_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Before the fix it started serving: stop it there rather than wait for an exit that never comes.
    const code = await new Promise<number | null | 'served'>((resolve) => {
      child.on('exit', resolve);
      child.stdout.on('data', () => {
        if (stdout.includes('rampart dashboard on')) {
          child.kill('SIGKILL');
          resolve('served');
        }
      });
    });
    assert.equal(code, 2, stdout + stderr);
    assert.doesNotMatch(stdout, /rampart dashboard on/);
    assert.match(stderr, /RAMPART_DASHBOARD_TOKEN/);
    assert.ok(!stderr.includes(token));
  }
});
