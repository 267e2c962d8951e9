import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { SecurityLog, SecurityEvent } from './index.ts';

const run = promisify(execFile);
let db: PGlite | undefined;
let counter = 0;
after(async () => {
  await db?.close();
});

async function fresh(options: ConstructorParameters<typeof SecurityLog>[0] = {}): Promise<{ log: SecurityLog; table: string; count: () => Promise<number> }> {
  db ??= new PGlite();
  const table = `retention_${process.pid}_${++counter}`;
  const log = new SecurityLog({ database: db, table, flushIntervalMs: 10, ...options });
  await log.ensureTable();
  const base = db;
  return { log, table, count: async () => Number((await base.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n) };
}

async function insertAged(table: string, days: number): Promise<void> {
  await db!.query(`insert into ${table} (event, "timestamp") values ('LOGOUT', now() - make_interval(days => $1))`, [days]);
}

test("cleanup() keeps the seed's default: events older than 90 days are deleted", async () => {
  const { log, table, count } = await fresh();
  try {
    await insertAged(table, 95);
    await insertAged(table, 89);
    await log.log(SecurityEvent.LOGOUT, { userId: 1 }, { wait: true });
    const result = await log.cleanup();
    assert.equal(result.deletedRows, 1);
    assert.equal(await count(), 2);
    await assert.rejects(log.cleanup({ days: -1 }), { code: 'ERR_RAMPART_CONFIG' });
  } finally {
    await log.close();
  }
});

test("retention: { days, every } — the log deletes old events itself, on an unref'd timer", async () => {
  const { log, table, count } = await fresh({ retention: { days: 30, every: 1 } });
  try {
    await insertAged(table, 40);
    await insertAged(table, 10);
    // Wait for the scheduled run (first run after min(every, 60) seconds) — polled, no timing assertion.
    for (let i = 0; i < 100 && (await count()) !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await count(), 1, 'the 40-day-old event is gone, the 10-day-old one kept');
    assert.equal(log.retention?.lastRun?.deletedRows, 1);
  } finally {
    await log.close();
  }
});

test('retention options are checked at construction; retention: true means 90 days, daily', () => {
  for (const bad of [{ days: -1 }, { every: 0 }, { days: 'ninety' }, { when: 1 }, 'daily']) {
    assert.throws(
      () => new SecurityLog({ retention: bad as never }),
      (error: Error & { code?: string }) => /ERR_RAMPART_(CONFIG|UNKNOWN_OPTION)/.test(error.code ?? ''),
    );
  }
  const log = new SecurityLog({ retention: true });
  assert.deepEqual({ days: log.retention?.days, every: log.retention?.every }, { days: 90, every: 86_400 });
  void log.close();
});

test('a scheduled retention never keeps the process alive', async () => {
  const module = fileURLToPath(new URL('./index.ts', import.meta.url));
  const code = `const { SecurityLog } = await import(${JSON.stringify(module)}); new SecurityLog({ database: 'memory', retention: { days: 7, every: 3600 } }); console.log('made');`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { timeout: 20_000 });
  assert.equal(stdout.trim(), 'made');
});
