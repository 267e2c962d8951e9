/**
 * close() while the database is still opening (an embedded PGlite compiling its WebAssembly):
 * every caller waiting on that opening is settled by the time close() resolves, not when the
 * opening finishes seconds later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { SecurityLog, SecurityEvent } from './index.ts';
import { isRampartError } from '../errors.ts';

test('close() during opening settles every waiter: awaited events DROPPED, reads and ready() CLOSED', async () => {
  // A deadline of 0 ms: PGlite cannot have opened by then.
  const log = new SecurityLog({ database: 'memory', closeTimeoutMs: 0 });
  const outcomes = new Map<string, string>();
  const track = (name: string, p: Promise<unknown>): void => {
    p.then(
      () => outcomes.set(name, 'resolved'),
      (err: unknown) => outcomes.set(name, isRampartError(err) ? err.code : String(err)),
    );
  };
  track('ready', log.ready());
  track('ensureTable', log.ensureTable());
  track('getRecent', log.getRecent());
  track('log wait', log.log(SecurityEvent.LOGIN_FAILED, { userId: 1 }, { wait: true }));
  const closed = await log.close();
  assert.equal(closed.dropped, 1);
  // Let the rejections' handlers run (microtasks and one turn of the loop), nothing longer.
  await tick();
  assert.deepEqual(Object.fromEntries([...outcomes].sort()), {
    ensureTable: 'ERR_RAMPART_LOG_CLOSED',
    getRecent: 'ERR_RAMPART_LOG_CLOSED',
    'log wait': 'ERR_RAMPART_LOG_DROPPED',
    ready: 'ERR_RAMPART_LOG_CLOSED',
  });
});
