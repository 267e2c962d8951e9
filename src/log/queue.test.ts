import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/retry-alive.ts', import.meta.url));

test('an awaited flush() or log(…, { wait: true }) keeps the process alive through retries', async () => {
  for (const mode of ['flush', 'wait']) {
    const { stdout } = await run(process.execPath, [script, mode], { timeout: 20_000 });
    assert.equal(stdout, 'written=1\n', mode);
  }
});

test('events logged in the background do not keep the process alive while the database is down', async () => {
  const started = Date.now();
  const { stdout } = await run(process.execPath, [script, 'background'], { timeout: 20_000 });
  assert.equal(stdout, 'written=0\n');
  assert.ok(Date.now() - started < 10_000);
});
