/**
 * DESIGN §8: logging every request into an embedded PGlite SecurityLog keeps ≥ 0.9× the req/s
 * of `log: false`. One node:http server with a middleware that emits one event per request,
 * measured with and without a log in interleaved rounds (autocannon in this process, the
 * server in a child pinned apart when taskset exists). Loopback only, bounded in time.
 *
 * Besides req/s it reports the server's CPU time per request over the measured window plus
 * the time the log needs to write it: all threads, then the main thread, the PGlite worker
 * thread and V8's helper threads (GC, compilers; per-thread times from /proc, Linux only).
 * Less noisy than req/s on a shared machine; the difference to `no event` is an event's cost.
 * `--warmup S` (default 1) loads each server before its measured window.
 *
 *   npx node bench/log-request-path.ts [--rounds 5] [--duration 3] [--modes off,sink,pglite,pglite-main]
 *                                      [--baseline <checkout>]   (also measures the PGlite modes with another checkout's src/)
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ROUNDS = opt('rounds', 5);
const DURATION = opt('duration', 3);
const WARMUP = opt('warmup', 1);
const text = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const baseline = text('baseline');

const SERVER = `
  import http from 'node:http';
  const { stack } = await import(process.env.RAMPART_ENTRY);
  const { SecurityLog } = await import(process.env.RAMPART_LOG);
  const mode = process.env.BENCH_MODE;
  let database = 'memory';
  if (mode === 'pglite-disk') database = (await import('node:fs')).mkdtempSync((await import('node:os')).tmpdir() + '/rampart-bench-log-') + '/security';
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
  // CPU per thread from /proc (Linux): the PGlite worker ('WorkerThread') apart from V8's helpers (GC, compilers).
  const { readdirSync, readFileSync } = await import('node:fs');
  const threads = () => {
    const by = { worker: 0, helpers: 0 };
    try {
      for (const t of readdirSync('/proc/self/task')) {
        const stat = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const us = (Number(f[11]) + Number(f[12])) * 1e6 / 100;
        const comm = readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim();
        if (comm === 'WorkerThread') by.worker += us;
        else if (comm !== 'MainThread' && comm !== 'node') by.helpers += us;
      }
    } catch { return { worker: NaN, helpers: NaN }; }
    return by;
  };
  let cpu0, main0, threads0, served0 = 0, served = 0;
  server.on('request', () => served++);
  process.on('message', async (m) => {
    if (m === 'start') { cpu0 = process.cpuUsage(); main0 = process.threadCpuUsage(); threads0 = threads(); served0 = served; process.send({ started: true }); return; }
    // CPU of the measured window, including the time the log needs to write what it was given.
    await log?.flush();
    const cpu = process.cpuUsage(cpu0), main = process.threadCpuUsage(main0), n = served - served0, th = threads();
    const s = log?.stats(); await log?.close();
    if (mode === 'pglite-disk') (await import('node:fs')).rmSync(database.slice(0, -'/security'.length), { recursive: true, force: true });
    process.send({ stats: s ?? null, cpuPerRequest: (cpu.user + cpu.system) / n, mainPerRequest: (main.user + main.system) / n, workerPerRequest: (th.worker - threads0.worker) / n, helpersPerRequest: (th.helpers - threads0.helpers) / n });
    process.exit(0);
  });
`;

const pin = !args.includes('--no-pin') && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
type Mode = 'off' | 'sink' | 'pglite' | 'pglite-disk' | 'pglite-main' | 'pglite-baseline' | 'pglite-disk-baseline';
type Cannon = (opts: object) => Promise<{ non2xx: number; errors: number; requests: { average: number } }>;
const autocannon = ((await import('autocannon' as string)) as { default: Cannon }).default;

type Measured = { rps: number; stats: unknown; cpuPerRequest: number; mainPerRequest: number; workerPerRequest: number; helpersPerRequest: number };
async function measure(mode: Mode): Promise<Measured> {
  const src = mode.endsWith('-baseline') ? new URL(`file://${resolve(baseline!)}/src/`) : new URL('../src/', import.meta.url);
  const cmd = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', '1', process.execPath, '--input-type=module', '-e', SERVER] : ['--input-type=module', '-e', SERVER];
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_MODE: mode.replace(/-baseline$/, ''),
      RAMPART_ENTRY: new URL('stack/index.ts', src).href,
      RAMPART_LOG: new URL('log/index.ts', src).href,
    },
  });
  const next = (): Promise<Record<string, unknown>> => new Promise((r) => child.once('message', (m) => r(m as Record<string, unknown>)));
  const { port } = (await next()) as { port: number };
  const url = `http://127.0.0.1:${port}/`;
  await autocannon({ url, connections: 32, duration: WARMUP });
  child.send('start');
  await next();
  const r = await autocannon({ url, connections: 32, duration: DURATION });
  child.send('done');
  const { stats, cpuPerRequest, mainPerRequest, workerPerRequest, helpersPerRequest } = (await next()) as Omit<Measured, 'rps'>;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, stats, cpuPerRequest, mainPerRequest, workerPerRequest, helpersPerRequest };
}

const LABELS: Record<Mode, string> = {
  off: 'no event',
  sink: 'event per request, no-op sink',
  pglite: 'event per request into PGlite (worker thread)',
  'pglite-disk': 'the same, PGlite on disk (a temporary directory)',
  'pglite-baseline': `PGlite in memory with ${baseline ?? ''}`,
  'pglite-disk-baseline': `PGlite on disk with ${baseline ?? ''}`,
  'pglite-main': "event per request into PGlite (caller's instance, main thread)",
};
const modes = (text('modes')?.split(',') ?? ['off', 'sink', 'pglite', 'pglite-main']) as Mode[];
if (baseline !== undefined && modes.includes('pglite')) modes.push('pglite-baseline');
if (baseline !== undefined && modes.includes('pglite-disk')) modes.push('pglite-disk-baseline');
const results = new Map<Mode, Measured[]>(modes.map((m) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) results.get(mode)!.push(await measure(mode));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const of = (mode: Mode, key: Exclude<keyof Measured, 'stats'>): number => median(results.get(mode)?.map((r) => r[key]) ?? [Number.NaN]);
const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2));
console.log(
  `request path with a SecurityLog (${process.version}, ${ROUNDS} rounds × ${DURATION} s, server ${pin ? 'pinned to core 1' : 'not pinned'}, load average ${load.join(' ')})`,
);
console.log(`${''.padEnd(64)}    req/s  ×no event  CPU µs/req: all threads (main, PGlite worker, V8 helpers)`);
for (const mode of modes) {
  const ratio = results.has('off') ? `${(of(mode, 'rps') / of('off', 'rps')).toFixed(2)}×` : '';
  const split = [of(mode, 'mainPerRequest'), of(mode, 'workerPerRequest'), of(mode, 'helpersPerRequest')].map((v) => v.toFixed(1)).join(', ');
  console.log(
    `${LABELS[mode].padEnd(64)} ${Math.round(of(mode, 'rps')).toLocaleString().padStart(8)}  ${ratio.padStart(8)}  ${of(mode, 'cpuPerRequest').toFixed(1).padStart(6)} (${split})`,
  );
}
const lastStats = results.get('pglite')?.at(-1)?.stats;
if (lastStats !== undefined) console.log(`last PGlite run's log stats: ${JSON.stringify(lastStats)}`);
