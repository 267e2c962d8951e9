/**
 * DESIGN §8: logging every request into an embedded PGlite SecurityLog keeps ≥ 0.9× the req/s
 * of `log: false`. One node:http server with a middleware that emits one event per request,
 * measured with and without a log in interleaved rounds (autocannon in this process, the
 * server in a child pinned apart when taskset exists). Loopback only, bounded in time.
 *
 *   npx node bench/log-request-path.ts [--rounds 5] [--duration 3]
 */
import { spawn, spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ROUNDS = opt('rounds', 5);
const DURATION = opt('duration', 3);

const SERVER = `
  import http from 'node:http';
  const { stack } = await import(process.env.RAMPART_ENTRY);
  const { SecurityLog } = await import(process.env.RAMPART_LOG);
  const mode = process.env.BENCH_MODE;
  let database = 'memory';
  if (mode === 'pglite-main') {
    const { PGlite } = await import('@electric-sql/pglite');
    database = new PGlite();
  }
  const log = mode.startsWith('pglite') ? new SecurityLog({ database, table: 'bench_request_path' }) : undefined;
  if (log) await log.ready();
  const logEvery = { name: 'logEvery', handle: (req) => void req.emit('RATE_LIMIT_HIT', 'bench') };
  const shield = stack(mode === 'off' ? [] : [logEvery], { events: log ?? { emit: () => undefined } });
  const server = http.createServer(shield.node((_req, res) => res.end('{"ok":true}')));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', async () => { const s = log?.stats(); await log?.close(); process.send({ stats: s ?? null }); process.exit(0); });
`;

const pin = !args.includes('--no-pin') && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
type Mode = 'off' | 'sink' | 'pglite' | 'pglite-main';
type Cannon = (opts: object) => Promise<{ non2xx: number; errors: number; requests: { average: number } }>;
const autocannon = ((await import('autocannon' as string)) as { default: Cannon }).default;

async function measure(mode: Mode): Promise<{ rps: number; stats: unknown }> {
  const cmd = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', '1', process.execPath, '--input-type=module', '-e', SERVER] : ['--input-type=module', '-e', SERVER];
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_MODE: mode,
      RAMPART_ENTRY: new URL('../src/stack/index.ts', import.meta.url).href,
      RAMPART_LOG: new URL('../src/log/index.ts', import.meta.url).href,
    },
  });
  const next = (): Promise<Record<string, unknown>> => new Promise((r) => child.once('message', (m) => r(m as Record<string, unknown>)));
  const { port } = (await next()) as { port: number };
  const url = `http://127.0.0.1:${port}/`;
  await autocannon({ url, connections: 32, duration: 1 });
  const r = await autocannon({ url, connections: 32, duration: DURATION });
  child.send('done');
  const { stats } = await next();
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, stats };
}

const rows: Record<string, number[]> = { off: [], sink: [], pglite: [], 'pglite-main': [] };
let last: unknown;
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of (round % 2 === 0 ? ['off', 'sink', 'pglite', 'pglite-main'] : ['pglite-main', 'pglite', 'sink', 'off']) as Mode[]) {
    const { rps, stats } = await measure(mode);
    rows[mode]!.push(rps);
    if (mode === 'pglite') last = stats;
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off = median(rows.off!);
console.log(`request path with a SecurityLog (${process.version}, ${ROUNDS} rounds × ${DURATION} s, server ${pin ? 'pinned to core 1' : 'not pinned'})`);
console.log(`no event                         ${Math.round(off).toLocaleString().padStart(8)} req/s  1.00×`);
console.log(`event per request, no-op sink    ${Math.round(median(rows.sink!)).toLocaleString().padStart(8)} req/s  ${(median(rows.sink!) / off).toFixed(2)}×`);
console.log(
  `event per request into PGlite (worker thread)  ${Math.round(median(rows.pglite!)).toLocaleString().padStart(8)} req/s  ${(median(rows.pglite!) / off).toFixed(2)}×   (last run: ${JSON.stringify(last)})`,
);
console.log(
  `event per request into PGlite (caller's instance, main thread)  ${Math.round(median(rows['pglite-main']!)).toLocaleString().padStart(8)} req/s  ${(median(rows['pglite-main']!) / off).toFixed(2)}×`,
);
