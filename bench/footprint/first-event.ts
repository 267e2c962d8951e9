/**
 * The first security event, measured in a fresh child process (DESIGN §8: it adds ≤ 1 ms to
 * any request). Shared by bench/first-event.ts and bench/footprint.ts.
 *
 * The child builds the preset with `allowedHosts: ['127.0.0.1']` and the given log option
 * and serves node:http on 127.0.0.1. The client warms the connection with one good request,
 * reads the server's RSS and the worst event-loop delay so far (start-up), sends one
 * request with a bad Host (the first security event), then 200 good requests one every
 * 10 ms, and reads the RSS and the worst event-loop delay since the event. fetch() cannot send a Host header of its own: node:http can.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { median } from './probe.ts';

const SERVER = `
  import http from 'node:http';
  import { monitorEventLoopDelay } from 'node:perf_hooks';
  const { rampart } = await import(process.env.RAMPART_ENTRY);
  const log = JSON.parse(process.env.BENCH_LOG);
  const shield = rampart({ allowedHosts: ['127.0.0.1'], log: log === 'default' ? undefined : log });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const server = http.createServer(shield.node((req, res) => res.end('ok')));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', async (m) => {
    if (m === 'rss') {
      const startupMaxDelayMs = delay.max / 1e6;
      delay.reset();
      return process.send({ rssMb: process.memoryUsage().rss / 1e6, startupMaxDelayMs });
    }
    delay.disable();
    const rss = process.memoryUsage().rss;
    if (shield.log) await shield.log.flush();
    process.send({ maxDelayMs: delay.max / 1e6, rssMb: rss / 1e6 });
    server.close();
    await shield.close();
    process.exit(0);
  });
`;

/** What one first-event run measured. */
export interface FirstEvent {
  /** Latency of the request that raised the first security event, ms. */
  firstMs: number;
  /** Its status (400: the host guard answered). */
  status: number;
  /** Median and worst latency of the 200 good requests that followed, ms. */
  medianMs: number;
  worstMs: number;
  /** Worst event-loop delay in the server from the first event to the end of the run, ms. */
  maxDelayMs: number;
  /** Worst event-loop delay from the shield's construction to the first event (a log opening at start-up shows here), ms. */
  startupMaxDelayMs: number;
  /** Server RSS after the warm-up request and after the 200 requests, MB. */
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Lines the server wrote on stderr (the default sink writes one JSON line per event). */
  stderrLines: number;
}

/** Options of one run. */
export interface FirstEventOptions {
  /** Module specifier or URL of rampart's main entry, resolved from `cwd`. */
  entry: string;
  /** The preset's `log` option; undefined for the default (JSON lines on stderr). */
  log?: unknown;
  /** Working directory of the server process (resolution base for a bare `entry`). */
  cwd?: string;
  /** Give up after this many ms (default 60 s). */
  timeoutMs?: number;
}

/** Run one first-event measurement in a fresh server process. */
export async function firstEvent(opts: FirstEventOptions): Promise<FirstEvent> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
    cwd: opts.cwd,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, RAMPART_ENTRY: opts.entry, BENCH_LOG: JSON.stringify(opts.log ?? 'default'), RAMPART_SILENT: '1' },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const messages: Array<Record<string, number>> = [];
  let wake: (() => void) | undefined;
  let exited = false;
  child.on('message', (m: Record<string, number>) => {
    messages.push(m);
    wake?.();
  });
  child.on('exit', () => {
    exited = true;
    wake?.();
  });
  const next = async (): Promise<Record<string, number>> => {
    while (messages.length === 0) {
      if (exited) throw new Error(`server exited: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    return messages.shift()!;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { port } = await next();
    const get = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent, headers: { host } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    await get(`127.0.0.1:${port}`); // connection and handler warm
    child.send('rss');
    const { rssMb: rssBeforeMb, startupMaxDelayMs } = await next();
    const t0 = performance.now();
    const status = await get('evil.example');
    const firstMs = performance.now() - t0;
    const after: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await get(`127.0.0.1:${port}`);
      after.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.send('done');
    const { maxDelayMs, rssMb } = await next();
    await new Promise<void>((r) => (exited ? r() : child.once('exit', () => r())));
    const stderrLines = stderr.split('\n').filter((l) => l.trim() !== '').length;
    return {
      firstMs,
      status,
      medianMs: median(after),
      worstMs: Math.max(...after),
      maxDelayMs: maxDelayMs!,
      startupMaxDelayMs: startupMaxDelayMs!,
      rssBeforeMb: rssBeforeMb!,
      rssAfterMb: rssMb!,
      stderrLines,
    };
  } finally {
    clearTimeout(timer);
    agent.destroy();
    if (!exited) child.kill('SIGKILL');
  }
}
