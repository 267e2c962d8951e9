/**
 * SecurityLog benchmark: sustained events/s into PGlite and PostgreSQL (INSERT … unnest batches),
 * the cost of logging on the request path (emit() per call), and the spec queries'
 * latency on a large table. Loopback only; bounded in time.
 *
 *   npx node bench/log.ts                      # 1M rows for the query part
 *   BENCH_LOG_ROWS=10000000 BENCH_LOG_ONLY_QUERIES=1 npx node bench/log.ts   # queries at 10M rows
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { SecurityLog, SecurityEvent } from '../src/log/index.ts';
import { stack } from '../src/stack/index.ts';
import type { Middleware } from '../src/core/types.ts';
import { startPostgres } from '../test/helpers/services.ts';

const QUERY_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 1_000_000);
const SKIP_THROUGHPUT = process.env.BENCH_LOG_ONLY_QUERIES === '1';
const results: Array<[string, string]> = [];

async function throughput(name: string, log: SecurityLog, events: number): Promise<void> {
  await log.ensureTable();
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    log.emit({
      event: 'RATE_LIMIT_HIT',
      ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
      userId: i % 5000,
      userAgent: 'bench/1.0',
      path: '/api/items',
      detail: '100/min exceeded',
    });
    if ((i & 4095) === 0) await new Promise((r) => setImmediate(r)); // let the writer run, as a server would
  }
  await log.flush();
  const ms = performance.now() - start;
  const s = log.stats();
  results.push([`${name}: sustained events/s (${events.toLocaleString()} events, dropped ${s.dropped})`, Math.round((events / ms) * 1000).toLocaleString()]);
}

function emitCost(log: SecurityLog): void {
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) log.emit({ event: 'CSRF_VIOLATION', ip: '1.2.3.4', userAgent: 'Mozilla/5.0', path: '/form', detail: 'token mismatch' });
  const ns = Number(process.hrtime.bigint() - start) / n;
  results.push(['request path: emit() cost per event', `${ns.toFixed(0)} ns`]);
}

async function timeQuery(name: string, fn: () => Promise<unknown>): Promise<void> {
  await fn(); // warm
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  results.push([`${name} (median of 7, ${QUERY_ROWS.toLocaleString()} rows)`, `${times[3]!.toFixed(2)} ms`]);
}

// ── request path: the same server with and without logging every request ────
type Cannon = (opts: object) => Promise<{ non2xx: number; errors: number; requests: { average: number }; latency: { p50: number; p99: number } }>;
const autocannonModule = 'autocannon';
const autocannon = ((await import(autocannonModule)) as { default: Cannon }).default;

async function serveWith(middleware: Middleware[], events: SecurityLog | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const shield = stack(middleware, events === undefined ? {} : { events });
  const server = http.createServer(shield.node((_req, res) => res.end('{"ok":true}')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function requestPath(name: string, log: SecurityLog): Promise<void> {
  const logEvery: Middleware = { name: 'logEvery', handle: (req) => void req.emit('RATE_LIMIT_HIT', 'bench') };
  const rows: Record<string, number[]> = { off: [], on: [] };
  // Interleaved rounds so machine noise hits both sides alike.
  for (let round = 0; round < 3; round++) {
    for (const mode of ['off', 'on'] as const) {
      const app = await serveWith(mode === 'on' ? [logEvery] : [], mode === 'on' ? log : undefined);
      const r = await autocannon({ url: app.url, connections: 20, duration: 2 });
      await app.close();
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`bench: ${r.non2xx} non-2xx, ${r.errors} errors`);
      rows[mode]!.push(r.requests.average);
    }
  }
  await log.flush();
  const best = (xs: number[]): number => Math.max(...xs);
  results.push([`${name}: req/s without logging (best of 3)`, Math.round(best(rows.off!)).toLocaleString()]);
  results.push([
    `${name}: req/s logging every request (best of 3; written ${log.stats().written.toLocaleString()}, dropped ${log.stats().dropped})`,
    Math.round(best(rows.on!)).toLocaleString(),
  ]);
}

// ── PGlite ────────────────────────────────────────────────────────────────────
if (!SKIP_THROUGHPUT) {
  const log = new SecurityLog({ table: 'bench_pglite', maxQueue: 1_000_000 });
  await throughput('PGlite (in memory)', log, 100_000);
  emitCost(log);
  await log.close();
  const httpLog = new SecurityLog({ table: 'bench_http' });
  await httpLog.ensureTable();
  await requestPath('node:http + PGlite log', httpLog);
  await httpLog.close();
}

// ── PostgreSQL ────────────────────────────────────────────────────────────────
const pg = await startPostgres(undefined);
if (pg === undefined) {
  results.push(['PostgreSQL', 'skipped: not available']);
} else {
  try {
    if (!SKIP_THROUGHPUT) {
      const log = new SecurityLog({ database: pg.url, table: 'bench_copy', maxQueue: 2_000_000, batchSize: 10_000 });
      await throughput('PostgreSQL 15', log, 500_000);
      await log.close();
      const httpLog = new SecurityLog({ database: pg.url, table: 'bench_http' });
      await httpLog.ensureTable();
      await requestPath('node:http + PostgreSQL log', httpLog);
      await httpLog.close();
      const chained = new SecurityLog({
        database: pg.url,
        table: 'bench_chain',
        maxQueue: 1_000_000,
        batchSize: 10_000,
        chain: true,
        chainKey: randomBytes(32),
      });
      await throughput('PostgreSQL 15 (chain: true)', chained, 200_000);
      await chained.close();
    }

    // Query latency on a large table: rows spread over 60 days, 20k IPs, 100k users.
    const q = new SecurityLog({ database: pg.url, table: 'bench_query' });
    await q.ensureTable();
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    const t0 = performance.now();
    // Partitions for the last 60 days, then a server-side bulk load.
    for (let d = 0; d < 3; d++) {
      const from = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - d - 1, 1));
      const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      const key = `${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
      await sql.unsafe(
        `create table if not exists bench_query_p${key} partition of bench_query for values from ('${from.toISOString()}') to ('${to.toISOString()}')`,
      );
    }
    const events = Object.keys(SecurityEvent);
    const chunk = 1_000_000;
    for (let done = 0; done < QUERY_ROWS; done += chunk) {
      const n = Math.min(chunk, QUERY_ROWS - done);
      await sql.unsafe(
        `insert into bench_query (event, user_id, ip_address, user_agent, path, detail, "timestamp")
         select (array[${events.map((e) => `'${e}'`).join(',')}])[1 + (g % ${events.length})],
                (g % 100000)::text, '10.' || (g % 20000 / 256)::int || '.' || (g % 256) || '.1', 'bench/1.0', '/p/' || (g % 1000), 'detail ' || g,
                now() - ((g % 5184000) * interval '1 second')
         from generate_series($1::bigint, $2::bigint) g`,
        [done, done + n - 1],
      );
    }
    await sql.unsafe('analyze bench_query');
    results.push([`load ${QUERY_ROWS.toLocaleString()} rows server-side (setup only)`, `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
    await timeQuery('getRecent({ limit: 50 })', () => q.getRecent({ limit: 50 }));
    await timeQuery('getForUser(4242, { limit: 20 })', () => q.getForUser(4242, { limit: 20 }));
    await timeQuery("getForIp('10.3.42.1', { limit: 20 })", () => q.getForIp('10.3.42.1', { limit: 20 }));
    await timeQuery('getByEvent(LOGIN_FAILED, { sinceHours: 1 })', () => q.getByEvent(SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }));
    await timeQuery('countByEvent(LOGIN_FAILED, { sinceHours: 1 })', () => q.countByEvent(SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }));
    await timeQuery('countByEvent(LOGIN_FAILED, { sinceHours: 24 })', () => q.countByEvent(SecurityEvent.LOGIN_FAILED, { sinceHours: 24 }));
    await timeQuery("countByIp('10.3.42.1', LOGIN_FAILED, { sinceHours: 1 })", () => q.countByIp('10.3.42.1', SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }));
    await sql.end({ timeout: 1 });
    await q.close();
  } finally {
    await pg.stop();
  }
}

const width = Math.max(...results.map(([k]) => k.length));
console.log(`\nSecurityLog benchmark (${process.version}, loopback)\n`);
for (const [k, v] of results) console.log(`${k.padEnd(width)}  ${v}`);
