/**
 * Per-middleware cost (DESIGN §8: each middleware alone ≤ 2 µs added per request,
 * compression work excluded), measured in-process without fakes.
 *
 * Method. A one-off node:http server on 127.0.0.1 receives ONE real request (Host
 * 127.0.0.1:<port>, Origin https://app.example.com, Accept-Encoding: gzip) and keeps its
 * real IncomingMessage. Each timed iteration then does what the node adapter does per
 * request: a fresh real `http.ServerResponse` for that message, a fresh `NodeExchange`
 * (so lazily computed values — client ip, host, cookies — are computed again, as on a
 * new request), `bindView`, the middleware's `handle()`, and the head the handler writes
 * (`writeHead(200, {content-type, content-length}).end()`, into which the node adapter
 * merges and serialises rampart's headers and where head hooks run; the response has no
 * socket, so nothing is sent). The baseline runs the same
 * iteration without `handle()`; a middleware's cost is its median ns/iteration minus the
 * baseline's median, on the thread's CPU clock (process.threadCpuUsage) so that time the
 * scheduler gives other processes on a busy machine does not count. Candidates run interleaved in many short batches, so drift and GC
 * hit them alike. Head hooks (compression's encoder, header hooks) are registered by
 * `handle()` and run at `end()`, with no body to encode: the encoding work is excluded, as
 * the target says. The adapter's own cost (exchange + bindView) is shown separately.
 *
 *   npx node bench/micro.ts [--quick]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { NodeExchange } from '../src/adapters/node-exchange.ts';
import { bindView } from '../src/core/registry.ts';
import type { Middleware } from '../src/core/types.ts';
import { stack } from '../src/stack/index.ts';
import { buildPreset } from './rampart-preset.ts';
import { ALLOWED_HOST, ORIGIN, RATE_LIMIT } from './shared.ts';

const quick = process.argv.includes('--quick');
const BATCHES = quick ? 9 : 21;
/** Each batch is sized to take about this long, well above the CPU clock's update granularity (~1 ms). */
const BATCH_NS = (quick ? 50 : 100) * 1e6;
const TARGET_NS = 2_000;

/**
 * The clock: CPU time of this thread (ns) where Node has process.threadCpuUsage (≥ 23.9),
 * so time the scheduler gives to other processes on a busy machine is not counted;
 * wall time otherwise.
 */
const threadCpu = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
const CLOCK = threadCpu !== undefined ? 'thread CPU time' : 'wall time';
const now: () => number =
  threadCpu !== undefined
    ? () => {
        const u = threadCpu();
        return (u.user + u.system) * 1000;
      }
    : () => Number(process.hrtime.bigint());

async function tryImport(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(path)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** The middleware measured alone, each configured as in the benchmark preset. */
const SUBJECTS: ReadonlyArray<{ label: string; module: string; factory: string; args: unknown }> = [
  { label: 'securityHeaders (defaults + CSP)', module: '../src/headers/index.ts', factory: 'securityHeaders', args: undefined },
  { label: 'hostGuard', module: '../src/guards/index.ts', factory: 'hostGuard', args: { allowedHosts: [ALLOWED_HOST] } },
  { label: 'httpsRedirect (answers 301 here)', module: '../src/guards/index.ts', factory: 'httpsRedirect', args: { allowedHosts: [ALLOWED_HOST] } },
  { label: 'bodyLimit (GET, no body)', module: '../src/guards/index.ts', factory: 'bodyLimit', args: {} },
  { label: 'cors (one origin, simple request)', module: '../src/cors/index.ts', factory: 'cors', args: { origins: [ORIGIN] } },
  {
    label: 'rateLimit (memory, never triggers)',
    module: '../src/ratelimit/index.ts',
    factory: 'rateLimit',
    args: { maxRequests: RATE_LIMIT.max, window: RATE_LIMIT.windowSeconds },
  },
  { label: 'compression (negotiate + register hook)', module: '../src/compression/index.ts', factory: 'compression', args: {} },
];

/** Receive one real request and keep its IncomingMessage; `finish()` answers it and stops the server. */
async function captureRequest(): Promise<{ req: http.IncomingMessage; finish: () => Promise<void> }> {
  let pending: http.ServerResponse | undefined;
  const server = http.createServer();
  const captured = new Promise<http.IncomingMessage>((resolve) => {
    server.once('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      pending = res;
      resolve(req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = http.get({
    host: '127.0.0.1',
    port,
    path: '/items?page=1',
    agent: false,
    headers: { origin: ORIGIN, 'accept-encoding': 'gzip', 'user-agent': 'rampart-micro' },
  });
  const done = new Promise<void>((resolve) => client.on('response', (r) => r.resume().on('end', resolve)));
  const req = await captured;
  return {
    req,
    finish: async () => {
      pending!.end('ok');
      await done;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Candidate {
  readonly label: string;
  /** Runs `iterations` iterations and returns ns per iteration. */
  readonly batch: (iterations: number) => number;
  readonly samples: number[];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const { req, finish } = await captureRequest();
  const context = stack([]).context;
  let sink = 0; // keeps results alive so nothing is optimised away
  const HANDLER_HEADERS = { 'content-type': 'application/json', 'content-length': '1200' };

  const timed =
    (body: (res: http.ServerResponse) => void) =>
    (iterations: number): number => {
      const start = now();
      for (let i = 0; i < iterations; i++) body(new http.ServerResponse(req));
      return (now() - start) / iterations;
    };
  const withExchange = (handle: ((ex: NodeExchange) => unknown) | undefined, ctx = context) =>
    timed((res) => {
      const ex = new NodeExchange(ctx, req, res);
      bindView(ex, req, res);
      if (handle !== undefined && handle(ex) !== undefined) sink++;
      // The head as the handler writes it: rampart's headers are merged in and serialised here.
      ex.handOver();
      res.writeHead(200, HANDLER_HEADERS).end();
    });

  const candidates: Candidate[] = [
    {
      label: 'response only (new ServerResponse)',
      batch: timed((res) => {
        sink += res.statusCode;
      }),
      samples: [],
    },
    { label: 'baseline: + exchange, bindView, writeHead+end', batch: withExchange(undefined), samples: [] },
  ];
  const missing: string[] = [];
  for (const s of SUBJECTS) {
    const mod = await tryImport(s.module);
    const factory = mod?.[s.factory];
    if (typeof factory !== 'function') {
      missing.push(`${s.factory} (${s.module} not in the tree)`);
      continue;
    }
    const mw = (factory as (a: unknown) => Middleware)(s.args);
    candidates.push({ label: s.label, batch: withExchange((ex) => mw.handle(ex, ex)), samples: [] });
  }
  const preset = await buildPreset();
  if (preset.shield !== undefined) {
    const shield = preset.shield;
    candidates.push({ label: `whole preset: ${preset.note}`, batch: withExchange((ex) => shield.run(ex, ex), shield.context), samples: [] });
  }

  // Warm-up (JIT) and calibration: size each candidate's batch to about BATCH_NS.
  const sizes = candidates.map((c) => {
    c.batch(2_000);
    const perIteration = Math.max(c.batch(10_000), 20);
    return Math.max(10_000, Math.ceil(BATCH_NS / perIteration));
  });
  for (let b = 0; b < BATCHES; b++) {
    for (let k = 0; k < candidates.length; k++) {
      const i = (k + b) % candidates.length;
      candidates[i]!.samples.push(candidates[i]!.batch(sizes[i]!));
    }
  }
  await finish();

  const base = median(candidates[1]!.samples);
  const response = median(candidates[0]!.samples);
  const width = Math.max(...candidates.map((c) => c.label.length)) + 2;
  const out: string[] = [];
  out.push('');
  out.push(
    `rampart micro — ${BATCHES} interleaved batches of ~${BATCH_NS / 1e6} ms each, ${CLOCK}, Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  out.push("ns/iter = median per iteration; added = minus the baseline (a fresh real ServerResponse + NodeExchange + bindView + the handler's writeHead)");
  out.push('');
  out.push(`${'subject'.padEnd(width)}${'ns/iter'.padStart(9)}${'added µs'.padStart(10)}   target ≤ 2 µs added`);
  out.push('-'.repeat(width + 42));
  candidates.forEach((c, i) => {
    const ns = median(c.samples);
    let added = '';
    let verdict = '';
    if (i === 1) {
      added = ((ns - response) / 1000).toFixed(2);
      verdict = '(the adapter per request, not a middleware)';
    } else if (i > 1) {
      added = ((ns - base) / 1000).toFixed(2);
      verdict = c.label.startsWith('whole preset') ? '(sum of the chain)' : ns - base <= TARGET_NS ? 'PASS' : 'FAIL';
    }
    out.push(`${c.label.padEnd(width)}${Math.round(ns).toLocaleString('en-US').padStart(9)}${added.padStart(10)}   ${verdict}`);
  });
  if (missing.length > 0) out.push('', `not measured: ${missing.join(', ')}`);
  out.push('');
  console.log(out.join('\n'));
  if (sink === -1) console.log(sink);
}

await main();
