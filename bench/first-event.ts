/**
 * The first security event must not stall the server (DESIGN §8: ≤ 1 ms added to any request).
 * For each log configuration, a fresh child process builds the preset, starts serving, and
 * a client sends one request with a bad Host (the first event) followed by 200 good
 * requests, one every 10 ms. Reported: the first request's latency, the slowest of the
 * following requests, and the worst event-loop delay in the server while the log opened.
 *
 *   npx node bench/first-event.ts
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  process.on('message', async () => {
    delay.disable();
    const rss = process.memoryUsage().rss;
    if (shield.log) await shield.log.flush();
    process.send({ maxDelayMs: delay.max / 1e6, rssMb: rss / 1e6 });
    server.close();
    await shield.close();
    process.exit(0);
  });
`;

async function measure(label: string, log: unknown): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, RAMPART_ENTRY: new URL('../src/index.ts', import.meta.url).href, BENCH_LOG: JSON.stringify(log ?? 'default'), RAMPART_SILENT: '1' },
  });
  const messages: Array<Record<string, number>> = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: Record<string, number>) => {
    messages.push(m);
    wake?.();
  });
  const next = async (): Promise<Record<string, number>> => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r));
    return messages.shift()!;
  };
  const { port } = await next();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // fetch() cannot send a Host header of its own: node:http can.
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
  const t0 = performance.now();
  const first = { status: await get('evil.example') };
  const firstMs = performance.now() - t0;
  let worst = 0;
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await get(`127.0.0.1:${port}`);
    worst = Math.max(worst, performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  child.send('done');
  const { maxDelayMs, rssMb } = await next();
  return `${label.padEnd(44)} first ${firstMs.toFixed(1).padStart(7)} ms (status ${first.status})   next 200: worst ${worst.toFixed(1).padStart(6)} ms   event-loop max delay ${maxDelayMs!.toFixed(1).padStart(7)} ms   rss ${rssMb!.toFixed(0)} MB`;
}

const dir = mkdtempSync(join(tmpdir(), 'rampart-first-event-'));
try {
  console.log(`first security event (${process.version})`);
  console.log(await measure('default (JSON lines on stderr)', undefined));
  console.log(await measure("log: { database: 'memory' } (PGlite worker)", { database: 'memory' }));
  console.log(await measure('log: { database: <dir> } (PGlite worker, disk)', { database: join(dir, 'security') }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
