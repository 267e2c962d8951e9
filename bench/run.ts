/**
 * rampart benchmark harness (`npm run bench`): the DESIGN §8 throughput comparison.
 *
 * Every contender (bench/servers/*.ts) runs in its own Node process pinned to core 1;
 * the load generator (wrk, or autocannon when wrk is missing) runs on core 0. Each server
 * is warmed up, then measured in interleaved rounds (round 1 = every contender once, round
 * 2 = every contender again, …), each time without Accept-Encoding and with
 * `Accept-Encoding: gzip`. The table shows the median req/s and ratios of medians; the
 * DESIGN §8 targets are checked against those ratios. Loopback only.
 *
 *   npm run bench                       # ~5 minutes
 *   npm run bench -- --quick            # ~1.5 minutes (3 rounds × 1 s)
 *   npm run bench -- --only rampart-node,express-stack
 *
 * Results also go to bench/results/latest.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { ORIGIN, PAYLOAD } from './shared.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Read before pinning: once this process is pinned, availableParallelism() reports 1. */
const CPUS = os.availableParallelism();
const CPU_MODEL = os.cpus()[0]?.model ?? 'cpu';

// ---------------------------------------------------------------- contenders

interface Contender {
  readonly name: string;
  readonly label: string;
  readonly file: string;
}

const CONTENDERS: readonly Contender[] = [
  { name: 'node', label: 'bare node:http', file: 'node-bare.ts' },
  { name: 'handwritten', label: 'hand-written node:http, same work', file: 'node-handwritten.ts' },
  { name: 'rampart-node', label: 'rampart preset · node:http', file: 'rampart-node.ts' },
  { name: 'rampart-express', label: 'rampart preset · express', file: 'rampart-express.ts' },
  { name: 'rampart-fastify', label: 'rampart preset · fastify', file: 'rampart-fastify.ts' },
  { name: 'rampart-hono', label: 'rampart preset · hono', file: 'rampart-hono.ts' },
  { name: 'express', label: 'express bare', file: 'express-bare.ts' },
  { name: 'express-stack', label: 'express+helmet+cors+ratelimit+compression', file: 'express-stack.ts' },
  { name: 'fastify', label: 'fastify bare', file: 'fastify-bare.ts' },
  { name: 'fastify-stack', label: 'fastify+helmet+cors+rate-limit+compress', file: 'fastify-stack.ts' },
  { name: 'hono', label: 'hono bare (@hono/node-server)', file: 'hono-bare.ts' },
  { name: 'hono-stack', label: 'hono+secureHeaders+cors+compress', file: 'hono-stack.ts' },
  { name: 'rampart-fetch', label: 'rampart preset · fetch (@hono/node-server)', file: 'rampart-fetch.ts' },
  { name: 'fetch', label: 'fetch handler bare (@hono/node-server)', file: 'fetch-bare.ts' },
];

type Mode = 'identity' | 'gzip';
const MODES: readonly Mode[] = ['identity', 'gzip'];

// ---------------------------------------------------------------- options

interface Options {
  quick: boolean;
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  only: string[] | undefined;
  loader: 'wrk' | 'autocannon' | undefined;
  out: string;
}

function usage(): string {
  return `usage: node bench/run.ts [--quick] [--only name,name] [--rounds N] [--duration S] [--warmup S]
                          [--connections N] [--loader wrk|autocannon] [--out file.json]
contenders: ${CONTENDERS.map((c) => c.name).join(', ')}`;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    quick: false,
    rounds: 5,
    duration: 2,
    warmup: 3,
    connections: 64,
    only: undefined,
    loader: undefined,
    out: path.join(HERE, 'results', 'latest.json'),
  };
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage()}`);
      return v;
    };
    const int = (min: number): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}`);
      explicit.add(flag);
      return n;
    };
    switch (flag) {
      case '--quick':
        o.quick = true;
        break;
      case '--rounds':
        o.rounds = int(3);
        break;
      case '--duration':
        o.duration = int(1);
        break;
      case '--warmup':
        o.warmup = int(0);
        break;
      case '--connections':
        o.connections = int(1);
        break;
      case '--only':
        o.only = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--loader': {
        const v = value();
        if (v !== 'wrk' && v !== 'autocannon') throw new Error('--loader must be wrk or autocannon');
        o.loader = v;
        break;
      }
      case '--out':
        o.out = path.resolve(value());
        break;
      case '--help':
      case '-h':
        console.log(usage());
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}\n${usage()}`);
    }
  }
  if (o.quick) {
    if (!explicit.has('--rounds')) o.rounds = 3;
    if (!explicit.has('--duration')) o.duration = 1;
    if (!explicit.has('--warmup')) o.warmup = 1;
  }
  if (o.only !== undefined) {
    const known = new Set(CONTENDERS.map((c) => c.name));
    const unknown = o.only.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new Error(`unknown contender(s): ${unknown.join(', ')}\n${usage()}`);
  }
  return o;
}

// ---------------------------------------------------------------- processes and pinning

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

interface Pinning {
  readonly enabled: boolean;
  readonly why: string;
}

/** Pin this process (and so the in-process autocannon fallback) to core 0; servers get core 1. */
function setUpPinning(): Pinning {
  if (process.platform !== 'linux' || !hasCommand('taskset')) return { enabled: false, why: 'taskset not available: no pinning' };
  if (CPUS < 2) return { enabled: false, why: 'one CPU only: no pinning' };
  const r = spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  if (r.status !== 0) return { enabled: false, why: 'taskset failed: no pinning' };
  return { enabled: true, why: 'servers on core 1, load generator on core 0' };
}

interface Running {
  readonly contender: Contender;
  readonly child: ChildProcess;
  readonly port: number;
  readonly note: string;
}

interface Unavailable {
  readonly contender: Contender;
  readonly reason: string;
}

function startServer(c: Contender, pin: Pinning): Promise<Running | Unavailable> {
  const file = path.join(HERE, 'servers', c.file);
  const [cmd, args] = pin.enabled ? ['taskset', ['-c', '1', process.execPath, file]] : [process.execPath, [file]];
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production', RAMPART_BENCH_CHILD: '1' } });
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${c.name}: server did not start within 30 s`));
    }, 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const message = JSON.parse(buffered.slice(0, nl)) as { ready?: number; note?: string; unavailable?: string };
      if (message.unavailable !== undefined) resolve({ contender: c, reason: message.unavailable });
      else resolve({ contender: c, child, port: message.ready!, note: message.note ?? '' });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${c.name}: server exited with code ${code} before it was ready`));
    });
  });
}

function stopServer(r: Running): Promise<void> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null) return resolve();
    const kill = setTimeout(() => r.child.kill('SIGKILL'), 2000);
    r.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    r.child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------- correctness check

interface Check {
  readonly ok: boolean;
  readonly problems: string[];
  /** Content-Encoding answered to each mode. */
  readonly encoding: Record<Mode, string>;
  /** Wire body bytes in each mode. */
  readonly bytes: Record<Mode, number>;
  readonly headerCount: number;
  readonly cors: boolean;
  /** Status for `Host: evil.example` (400 when a host guard runs). */
  readonly foreignHostStatus: number;
}

function get(
  port: number,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: number; wire: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const wire = Buffer.concat(chunks);
        let body = wire;
        try {
          if (res.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(wire);
        } catch {
          body = Buffer.alloc(0);
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders.length / 2, wire: wire.byteLength, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function check(r: Running): Promise<Check> {
  const problems: string[] = [];
  const base = { host: `127.0.0.1:${r.port}`, origin: ORIGIN };
  const plain = await get(r.port, base);
  const gz = await get(r.port, { ...base, 'accept-encoding': 'gzip' });
  const foreign = await get(r.port, { ...base, host: `evil.example:${r.port}` });
  for (const [mode, res] of [
    ['identity', plain],
    ['gzip', gz],
  ] as const) {
    if (res.status !== 200) problems.push(`${mode}: status ${res.status}`);
    else if (!res.body.equals(PAYLOAD)) problems.push(`${mode}: body differs from the shared payload`);
  }
  if (plain.headers['content-encoding'] !== undefined) problems.push('compressed without Accept-Encoding');
  return {
    ok: problems.length === 0,
    problems,
    encoding: { identity: plain.headers['content-encoding'] ?? 'identity', gzip: gz.headers['content-encoding'] ?? 'identity' },
    bytes: { identity: plain.wire, gzip: gz.wire },
    headerCount: plain.raw,
    cors: plain.headers['access-control-allow-origin'] === ORIGIN,
    foreignHostStatus: foreign.status,
  };
}

// ---------------------------------------------------------------- load generators

interface Sample {
  readonly rps: number;
  readonly requests: number;
  /** Non-2xx answers plus socket errors: a valid sample has 0. */
  readonly errors: number;
  readonly latencyMs: number | undefined;
}

interface Loader {
  readonly name: string;
  measure(port: number, mode: Mode, seconds: number): Promise<Sample>;
  warm(port: number, seconds: number): Promise<void>;
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out}`))));
  });
}

function toMs(value: string, unit: string): number {
  return Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? NaN);
}

/** Alternates plain and gzip requests so one warm-up exercises both code paths. */
const WARM_SCRIPT = `
local reqs = {}
local n = 0
function init(args)
  reqs[1] = wrk.format("GET", "/", { ["Host"] = args[1], ["Origin"] = args[2] })
  reqs[2] = wrk.format("GET", "/", { ["Host"] = args[1], ["Origin"] = args[2], ["Accept-Encoding"] = "gzip" })
end
function request()
  n = n + 1
  return reqs[(n % 2) + 1]
end
`;

function wrkLoader(connections: number, pin: Pinning): Loader {
  const prefix = pin.enabled ? ['taskset', '-c', '0', 'wrk'] : ['wrk'];
  const script = path.join(os.tmpdir(), `rampart-bench-warm-${process.pid}.lua`);
  fs.writeFileSync(script, WARM_SCRIPT);
  process.on('exit', () => fs.rmSync(script, { force: true }));
  const wrk = (args: string[]): Promise<string> => run(prefix[0]!, [...prefix.slice(1), '-t', '1', '-c', String(connections), '--timeout', '5s', ...args]);
  return {
    name: (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'wrk').replace(/ Copyright.*/, '').trim(),
    async measure(port, mode, seconds) {
      const out = await wrk([
        '-d',
        `${seconds}s`,
        '-H',
        `Host: 127.0.0.1:${port}`,
        '-H',
        `Origin: ${ORIGIN}`,
        ...(mode === 'gzip' ? ['-H', 'Accept-Encoding: gzip'] : []),
        `http://127.0.0.1:${port}/`,
      ]);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (rps === null) throw new Error(`cannot parse wrk output:\n${out}`);
      const total = /(\d+) requests in/.exec(out);
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const latency = /Latency\s+([\d.]+)(us|ms|s|m)\b/.exec(out);
      return {
        rps: Number(rps[1]),
        requests: total === null ? 0 : Number(total[1]),
        errors: (non2xx === null ? 0 : Number(non2xx[1])) + (socket === null ? 0 : socket.slice(1).reduce((a, b) => a + Number(b), 0)),
        latencyMs: latency === null ? undefined : toMs(latency[1]!, latency[2]!),
      };
    },
    async warm(port, seconds) {
      await wrk(['-d', `${seconds}s`, '-s', script, `http://127.0.0.1:${port}/`, '--', `127.0.0.1:${port}`, ORIGIN]);
    },
  };
}

async function autocannonLoader(connections: number): Promise<Loader> {
  const specifier = 'autocannon';
  type Result = { requests: { average: number; total: number }; latency: { average: number }; non2xx: number; errors: number; timeouts: number };
  const autocannon = ((await import(specifier)) as { default: (opts: object) => Promise<Result> }).default;
  const headersFor = (port: number, mode: Mode): Record<string, string> => ({
    host: `127.0.0.1:${port}`,
    origin: ORIGIN,
    ...(mode === 'gzip' ? { 'accept-encoding': 'gzip' } : {}),
  });
  return {
    name: 'autocannon (in-process)',
    async measure(port, mode, seconds) {
      const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds, headers: headersFor(port, mode) });
      return { rps: r.requests.average, requests: r.requests.total, errors: r.non2xx + r.errors + r.timeouts, latencyMs: r.latency.average };
    },
    async warm(port, seconds) {
      await autocannon({
        url: `http://127.0.0.1:${port}/`,
        connections,
        duration: seconds,
        requests: MODES.map((m) => ({ method: 'GET', path: '/', headers: headersFor(port, m) })),
      });
    },
  };
}

// ---------------------------------------------------------------- statistics and report

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Row {
  readonly contender: Contender;
  readonly note: string;
  readonly unavailable?: string;
  readonly check?: Check;
  readonly samples: Record<Mode, Sample[]>;
}

const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fmtRatio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function spread(samples: readonly Sample[]): string {
  if (samples.length === 0) return '';
  const r = samples.map((s) => s.rps);
  const m = median(r);
  return `±${(((Math.max(...r) - Math.min(...r)) / 2 / m) * 100).toFixed(0)}%`;
}

interface TargetResult {
  readonly label: string;
  readonly goal: number;
  readonly ratio: number;
  readonly pass: boolean | undefined;
  readonly comment: string;
}

function evaluateTargets(med: (name: string, mode: Mode) => number, rows: readonly Row[]): TargetResult[] {
  const preset = rows.find((r) => r.contender.name === 'rampart-node');
  const partial = preset !== undefined && preset.unavailable === undefined && preset.note !== 'rampart() full preset' ? `partial preset: ${preset.note}` : '';
  const defs: Array<[string, Mode, string, number]> = [
    ['preset·node, no gzip  vs bare node:http', 'identity', 'node', 0.85],
    ['preset·node, gzip     vs hand-written server', 'gzip', 'handwritten', 0.9],
    ['preset·node, gzip     vs express stack', 'gzip', 'express-stack', 3],
    ['preset·node, gzip     vs fastify stack', 'gzip', 'fastify-stack', 1.5],
  ];
  return defs.map(([label, mode, other, goal]) => {
    const ratio = med('rampart-node', mode) / med(other, mode);
    const pass = Number.isFinite(ratio) ? ratio >= goal : undefined;
    return { label, goal, ratio, pass, comment: pass === undefined ? 'not measured' : partial };
  });
}

function report(rows: readonly Row[], meta: Record<string, unknown>, targets: readonly TargetResult[], med: (name: string, mode: Mode) => number): string {
  const lines: string[] = [];
  const bare = (mode: Mode): number => med('node', mode);
  lines.push('');
  lines.push(
    `rampart bench — ${meta.loader}, ${meta.connections} connections, ${meta.rounds} interleaved rounds × ${meta.duration} s (after ${meta.warmup} s warm-up), ${meta.pinning}`,
  );
  lines.push(
    `Node ${process.version}, ${CPU_MODEL} × ${CPUS}; load average ${meta.loadBefore} before, ${meta.loadAfter} after; body ${PAYLOAD.byteLength} B JSON; Origin ${ORIGIN}; Host 127.0.0.1:<port>`,
  );
  lines.push('req/s = median over rounds; × bare = ratio to bare node:http in the same mode; ± = half the min–max range');
  lines.push('');
  const head1 = `${pad('', 42)} ${pad('no Accept-Encoding', 26)} ${pad('Accept-Encoding: gzip', 34)} checks`;
  const head2 = `${pad('contender', 42)} ${lpad('req/s', 8)} ${lpad('× bare', 7)} ${lpad('±', 5)}    ${lpad('req/s', 8)} ${lpad('× bare', 7)} ${lpad('× hand', 7)} ${lpad('±', 5)}    enc   bytes cors host hdrs`;
  lines.push(head1, head2, '-'.repeat(head2.length));
  for (const row of rows) {
    const name = row.contender.label;
    if (row.unavailable !== undefined) {
      lines.push(`${pad(name, 42)} not measured: ${row.unavailable}`);
      continue;
    }
    const c = row.check!;
    const id = med(row.contender.name, 'identity');
    const gz = med(row.contender.name, 'gzip');
    const errs = [...row.samples.identity, ...row.samples.gzip].reduce((a, s) => a + s.errors, 0);
    lines.push(
      `${pad(name, 42)} ${lpad(fmtInt(id), 8)} ${lpad(fmtRatio(id / bare('identity')), 7)} ${lpad(spread(row.samples.identity), 5)}    ` +
        `${lpad(fmtInt(gz), 8)} ${lpad(fmtRatio(gz / bare('gzip')), 7)} ${lpad(fmtRatio(gz / med('handwritten', 'gzip')), 7)} ${lpad(spread(row.samples.gzip), 5)}    ` +
        `${pad(c.encoding.gzip === 'identity' ? '-' : c.encoding.gzip, 5)} ${lpad(String(c.bytes.gzip), 5)} ${pad(c.cors ? 'yes' : 'no', 4)} ${lpad(String(c.foreignHostStatus), 4)} ${lpad(String(c.headerCount), 4)}` +
        (c.ok ? '' : `  INVALID: ${c.problems.join('; ')}`) +
        (errs > 0 ? `  (${errs} non-2xx/socket errors during load)` : ''),
    );
  }
  const notes = rows.filter((r) => r.note !== '' && r.unavailable === undefined);
  if (notes.length > 0) {
    lines.push('');
    for (const r of notes) lines.push(`note ${r.contender.name}: ${r.note}`);
  }
  lines.push('');
  lines.push('checks: enc/bytes = Content-Encoding and body bytes answered to gzip; cors = Access-Control-Allow-Origin echoed;');
  lines.push('        host = status for Host: evil.example (400 = host guard); hdrs = response header count without gzip');
  if (Number(meta.loadBefore) > CPUS * 0.5 || Number(meta.loadAfter) > CPUS * 0.5) {
    lines.push(`WARNING: the machine was busy (1-min load average ${meta.loadBefore} → ${meta.loadAfter} on ${CPUS} CPUs): other processes`);
    lines.push('         shared the cores, so absolute req/s are low and ratios are noisier than on an idle machine.');
  }
  lines.push('');
  lines.push('DESIGN §8 targets (ratios of medians, one run)');
  for (const t of targets) {
    const verdict = t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    lines.push(
      `  ${pad(t.label, 46)} goal ≥ ${lpad(t.goal.toFixed(2), 4)}×   measured ${lpad(fmtRatio(t.ratio), 6)}   ${verdict}${t.comment === '' ? '' : `  (${t.comment})`}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const pin = setUpPinning();
  const useWrk = options.loader === 'wrk' || (options.loader === undefined && hasCommand('wrk'));
  if (options.loader === 'wrk' && !hasCommand('wrk')) throw new Error('wrk is not installed (Debian: apt-get install wrk)');
  const loader = useWrk ? wrkLoader(options.connections, pin) : await autocannonLoader(options.connections);

  let selected = options.only === undefined ? [...CONTENDERS] : CONTENDERS.filter((c) => options.only!.includes(c.name));
  if (!selected.some((c) => c.name === 'node')) selected = [CONTENDERS[0]!, ...selected]; // the yardstick is always measured
  const cells = selected.length * MODES.length;
  const estimate = cells * options.rounds * (options.duration + 0.3) + selected.length * (options.warmup + 0.5) + 10;
  console.error(
    `rampart bench: ${selected.length} contenders × 2 modes × ${options.rounds} rounds with ${loader.name}; ${pin.why}; about ${Math.ceil(estimate / 60)} min`,
  );

  const running: Running[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.map(stopServer));
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  const loadBefore = os.loadavg()[0]!;
  const rows: Row[] = [];
  try {
    // Start every server at once (start-up is mostly module loading), then check and warm them one by one.
    const starting = selected.map((c) => startServer(c, pin));
    const settled = await Promise.allSettled(starting);
    for (const s of settled) if (s.status === 'fulfilled' && !('reason' in s.value)) running.push(s.value);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    for (const [i, c] of selected.entries()) {
      const started = (settled[i] as PromiseFulfilledResult<Running | Unavailable>).value;
      if ('reason' in started) {
        console.error(`  ${c.name}: not measured — ${started.reason}`);
        rows.push({ contender: c, note: '', unavailable: started.reason, samples: { identity: [], gzip: [] } });
        continue;
      }
      const result = await check(started);
      console.error(
        `  ${c.name}: port ${started.port}${result.ok ? '' : ` — INVALID: ${result.problems.join('; ')}`}${started.note ? ` — ${started.note}` : ''}`,
      );
      rows.push({ contender: c, note: started.note, check: result, samples: { identity: [], gzip: [] } });
      if (options.warmup > 0) await loader.warm(started.port, options.warmup);
    }

    const measured = rows.filter((r) => r.unavailable === undefined);
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round so no contender always runs first or last.
      const order = measured.map((_, i) => measured[(i + round) % measured.length]!);
      const parts: string[] = [];
      for (const row of order) {
        const server = running.find((r) => r.contender === row.contender)!;
        const modes = round % 2 === 0 ? MODES : [...MODES].reverse();
        for (const mode of modes) {
          row.samples[mode].push(await loader.measure(server.port, mode, options.duration));
          await sleep(100);
        }
        parts.push(`${row.contender.name} ${fmtInt(row.samples.identity.at(-1)!.rps)}/${fmtInt(row.samples.gzip.at(-1)!.rps)}`);
      }
      console.error(`  round ${round + 1}/${options.rounds} (req/s plain/gzip): ${parts.join(' · ')}`);
    }
  } finally {
    await stopAll();
  }

  const medians = new Map<string, number>();
  for (const row of rows) {
    const valid = row.unavailable === undefined && row.check!.ok;
    for (const mode of MODES) medians.set(`${row.contender.name}:${mode}`, valid ? median(row.samples[mode].map((s) => s.rps)) : NaN);
  }
  const med = (name: string, mode: Mode): number => medians.get(`${name}:${mode}`) ?? NaN;
  const targets = evaluateTargets(med, rows);
  const meta = {
    loader: loader.name,
    connections: options.connections,
    rounds: options.rounds,
    duration: options.duration,
    warmup: options.warmup,
    pinning: pin.why,
    loadBefore: loadBefore.toFixed(1),
    loadAfter: os.loadavg()[0]!.toFixed(1),
  };
  console.log(report(rows, meta, targets, med));

  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: CPU_MODEL,
    cpus: CPUS,
    ...meta,
    payloadBytes: PAYLOAD.byteLength,
    contenders: rows.map((r) => ({
      name: r.contender.name,
      label: r.contender.label,
      note: r.note,
      unavailable: r.unavailable,
      check: r.check,
      modes: Object.fromEntries(
        MODES.map((m) => [m, { medianRps: med(r.contender.name, m), ratioToBare: med(r.contender.name, m) / med('node', m), samples: r.samples[m] }]),
      ),
    })),
    targets,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), options.out)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
