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

test('a write that outlives writeTimeoutMs is aborted, and no batch is written again until it has settled', async () => {
  const { WriteQueue } = await import('./queue.ts');
  let release!: () => void;
  const calls: Array<{ started: number; signal: AbortSignal }> = [];
  const stored: string[] = [];
  let firstSettled = false;
  const queue = new WriteQueue(
    { maxQueue: 100, batchSize: 10, flushIntervalMs: 1, retryMinMs: 5, retryMaxMs: 20, writeTimeoutMs: 100, concurrency: 1 },
    async (rows, signal) => {
      calls.push({ started: Date.now(), signal });
      if (calls.length === 1) {
        // The driver holds the statement (database restarting) well past the limit; then it runs.
        await new Promise<void>((r) => {
          release = r;
        });
        if (!signal.aborted) stored.push(...rows.map((r) => r.event));
        firstSettled = true;
        throw new Error('aborted');
      }
      assert.ok(firstSettled, 'a retry started while the first write was still running');
      stored.push(...rows.map((r) => r.event));
    },
    (n) => ({ event: 'LOG_EVENTS_DROPPED', userId: null, ip: null, userAgent: null, path: null, detail: String(n), time: Date.now() }),
  );
  queue.push({ event: 'A', userId: null, ip: null, userAgent: null, path: null, detail: null, time: Date.now() });
  const flushed = queue.flush();
  try {
    // Wait for the timeout and at least two refused retries (polled: on a loaded machine the
    // timers run late, so a fixed sleep could end before the first retry was even tried).
    const deadline = Date.now() + 20_000;
    while (queue.stats.failedFlushes < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(queue.stats.failedFlushes >= 3, 'the timeout and each refused retry count as failed flushes');
    assert.equal(calls.length, 1, 'retries wait for the timed-out write');
    assert.equal(calls[0]!.signal.aborted, true);
  } finally {
    // Settle the held write even when an assertion failed: otherwise the retries keep the file alive.
    release();
  }
  await flushed;
  assert.deepEqual(stored, ['A']);
  assert.equal(calls.length, 2);
});
