/**
 * `rampart dashboard` chooses its own shield's settings: it never shows the user a
 * configuration warning about itself (the preset's "csrf has no secret" line) on start.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { MAIN } from './fixtures/run-cli.ts';

test('rampart dashboard starts without a configuration warning on stderr, and its shield still refuses a cross-site POST', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-dash-quiet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const database = join(dir, 'security');
  const log = new SecurityLog({ database });
  await log.log(SecurityEvent.LOGIN_FAILED, { ip: '192.0.2.1' }, { wait: true });
  await log.close();
  const token = randomBytes(32).toString('base64url');
  const child = spawn(process.execPath, [MAIN, 'dashboard', '--database', database, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', RAMPART_DASHBOARD_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^rampart dashboard on (http:\/\/127\.0\.0\.1:\d+\/_rampart) /m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`dashboard exited ${code}: ${stderr}`)));
  });
  const page = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(page.status, 200);
  await page.text();
  const forged = await fetch(url, { method: 'POST', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
  assert.equal(forged.status, 403);
  await forged.text();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.doesNotMatch(stderr, /csrf|warning|\[rampart\]/i);
});
