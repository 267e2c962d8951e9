/**
 * close() of the PGlite worker while statements are still in flight, in a process where
 * nothing else keeps the event loop alive: close() must resolve (not be left pending when the
 * loop empties, which exits the process with the caller's `await` unsettled), within its
 * grace period, and must not wait for a transaction that can only end after close returns.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const driverUrl = new URL('./worker-driver.ts', import.meta.url).href;

function runChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    const { PGliteWorkerDriver } = await import(${JSON.stringify(driverUrl)});
    ${body}
  `;
  // A hang detector, not a timing assertion: a close() that waits for the open transaction never returns.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

test('PGliteWorkerDriver.close(grace) with a transaction still open resolves: the worker is stopped after the grace period', () => {
  const child = runChild(`
    const driver = new PGliteWorkerDriver(undefined);
    await driver.open();
    let release;
    const held = new Promise((r) => (release = r));
    // A transaction whose end is sent only after close() returned: waiting for it would never end.
    const tx = driver.transaction(async (q) => { await q.query('select 1'); await held; }).catch((e) => 'rejected: ' + e.message);
    await new Promise((r) => setTimeout(r, 50));
    await driver.close(200);
    process.stdout.write('closed\\n');
    release();
    process.stdout.write(String(await tx) + '\\n');
  `);
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^closed\n/);
  assert.match(child.stdout, /rejected: /, 'the abandoned transaction is rejected, not left pending');
});

test('PGliteWorkerDriver.close(0) right after construction (still opening) resolves and the process exits normally', () => {
  const child = runChild(`
    const driver = new PGliteWorkerDriver(undefined);
    const opening = driver.open().then(() => 'opened', (e) => 'rejected: ' + e.message);
    await driver.close(0);
    process.stdout.write('closed ' + (await opening) + '\\n');
  `);
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^closed (opened|rejected: .+)\n$/);
});
