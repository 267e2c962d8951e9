/**
 * SecurityLog.export() pages by (timestamp, id). Rows written by other tools carry microsecond
 * timestamps (now() in SQL); a cursor cut to JavaScript's milliseconds would read the same
 * page again forever. The export must end with every row exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { SecurityLog } from './index.ts';

test('export() pages past rows whose timestamps carry microseconds (written by SQL, not by the log)', async (t) => {
  const db = new PGlite();
  t.after(() => db.close());
  const log = new SecurityLog({ database: db });
  t.after(() => log.close());
  await log.ensureTable();
  const n = 5003;
  await db.query(
    `insert into rampart_security_log (event, ip_address, "timestamp") select 'LOGOUT', '192.0.2.1', now() - interval '1 hour' + make_interval(secs => 0.000001 * (g % 2)) from generate_series(1, ${n}) g`,
  );
  const ids = new Set<number>();
  let lines = 0;
  for await (const line of log.export({ format: 'jsonl' })) {
    ids.add((JSON.parse(line) as { id: number }).id);
    if (++lines > n + 10) break; // a cursor that does not advance reads the first page again and again
  }
  assert.equal(lines, n);
  assert.equal(ids.size, n);
});
