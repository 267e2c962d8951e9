/**
 * Rate limiter benchmarks (issue 5, DESIGN §8: memory store >= 5 M decisions/s; Redis
 * store one round trip per request).
 *
 * Part 1, in-process: decisions/s of memoryStore().consume (10,000 hot keys, sliding
 * window), best of several batches; also the GCRA / token-bucket / fixed-window paths.
 *
 * Part 2, over HTTP (autocannon programmatic API, loopback, keep-alive): req/s of
 *   node:http bare · node:http + rampart rateLimit (memory) · express + express-rate-limit ·
 *   fastify + @fastify/rate-limit · node:http + rampart rateLimit (redisStore) ·
 *   node:http + rate-limiter-flexible RateLimiterRedis
 * Servers run in one child process; rounds are interleaved; the best round counts. The
 * Redis rows need redis-server on PATH (a throwaway one on a free port). Limits are set
 * high enough never to trigger (every request is a full decision + headers).
 *
 *   npx node bench/ratelimit.ts [--quick] [--micro] [--rounds N] [--duration S] [--connections N]
 *   (--micro: the in-process rows only)
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '../src/stores/memory.ts';
import type { Algorithm, Policy } from '../src/stores/types.ts';

process.env.RAMPART_SILENT = '1';
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const quick = args.includes('--quick');
const LIMIT = 1e9;
const BODY = JSON.stringify({ ok: true, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) });

// ───────────────────────────── child: the servers ─────────────────────────────
async function serve(redisUrl: string | undefined): Promise<void> {
  const { stack } = await import('../src/stack/index.ts');
  const { rateLimit, redisStore } = await import('../src/ratelimit/index.ts');
  const { default: express } = await import('express');
  const { rateLimit: expressRateLimit } = await import('express-rate-limit');
  const { default: Fastify } = await import('fastify');
  const { default: fastifyRateLimit } = await import('@fastify/rate-limit');
  const ports: Record<string, number> = {};
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.setHeader('content-type', 'application/json');
    res.end(BODY);
  };
  const listen = (name: string, server: http.Server): Promise<void> =>
    new Promise((resolve) => {
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1', () => {
        ports[name] = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  await listen('node bare', http.createServer(handler));
  await listen('node + rampart rateLimit (memory)', http.createServer(stack([rateLimit({ maxRequests: LIMIT, window: 60 })]).node(handler)));

  const app = express();
  app.use(expressRateLimit({ windowMs: 60_000, limit: LIMIT, standardHeaders: 'draft-8', legacyHeaders: true, validate: false }));
  app.get('/', (_req, res) => {
    res.type('application/json').send(BODY);
  });
  await listen('express + express-rate-limit', http.createServer(app));

  const f = Fastify();
  await f.register(fastifyRateLimit, { max: LIMIT, timeWindow: 60_000 });
  f.get('/', async (_req, reply) => reply.type('application/json').send(BODY));
  await f.listen({ port: 0, host: '127.0.0.1' });
  ports['fastify + @fastify/rate-limit'] = (f.server.address() as AddressInfo).port;

  if (redisUrl !== undefined) {
    await listen(
      'node + rampart rateLimit (redisStore)',
      http.createServer(stack([rateLimit({ maxRequests: LIMIT, window: 60, store: redisStore({ url: redisUrl, timeout: 2 }) })]).node(handler)),
    );
    const { RateLimiterRedis } = await import('rate-limiter-flexible');
    const { Redis } = await import('ioredis');
    const client = new Redis(redisUrl, { enableOfflineQueue: false });
    await new Promise((r) => client.once('ready', r));
    const flexible = new RateLimiterRedis({ storeClient: client, points: LIMIT, duration: 60, keyPrefix: 'rlflx' });
    await listen(
      'node + rate-limiter-flexible (Redis)',
      http.createServer((req, res) => {
        flexible.consume(req.socket.remoteAddress ?? '').then(
          (r) => {
            res.setHeader('X-RateLimit-Limit', String(LIMIT));
            res.setHeader('X-RateLimit-Remaining', String(r.remainingPoints));
            res.setHeader('X-RateLimit-Reset', String(Math.ceil(r.msBeforeNext / 1000)));
            handler(req, res);
          },
          () => {
            res.statusCode = 429;
            res.end();
          },
        );
      }),
    );
  }
  process.stdout.write(JSON.stringify({ ports }) + '\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

// ───────────────────────────── parent ─────────────────────────────
function micro(): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const keys = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  for (const algorithm of ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'] as Algorithm[]) {
    const store = memoryStore();
    const policy: Policy = { id: 'g', algorithm, limit: LIMIT, windowMs: 60_000 };
    const n = quick ? 1_000_000 : 3_000_000;
    let best = 0;
    const t0 = Date.now();
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      const start = performance.now();
      let admitted = 0;
      for (let i = 0; i < n; i++) if (store.consume(keys[i % 10_000]!, policy, t0 + (i >> 12)).allowed) admitted++;
      const seconds = (performance.now() - start) / 1000;
      if (admitted !== n) throw new Error('unexpected rejection');
      best = Math.max(best, n / seconds);
    }
    store.close();
    out.push([algorithm, best]);
  }
  return out;
}

/** rateLimit().handle decisions/s through the middleware (headers off): one policy, + burst, + a matching rule. */
async function microMiddleware(): Promise<Array<[string, number]>> {
  const { rateLimit } = await import('../src/ratelimit/index.ts');
  const out: Array<[string, number]> = [];
  const views = Array.from({ length: 10_000 }, (_, i) => ({
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    path: '/login',
    method: 'GET',
    header: () => undefined,
    emit: () => {},
  }));
  const res = { set() {}, append() {}, get: () => undefined, onHead() {} };
  const configs: Array<[string, object]> = [
    ['one policy', {}],
    ['+ burst', { burst: LIMIT }],
    ['+ rule', { rules: [{ match: '/login', maxRequests: LIMIT, window: 60 }] }],
  ];
  for (const [name, extra] of configs) {
    let t = Date.now();
    const m = rateLimit({ maxRequests: LIMIT, window: 60, headers: false, now: () => t, ...extra });
    const n = quick ? 1_000_000 : 3_000_000;
    let best = 0;
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        if ((i & 4095) === 0) t++;
        if (m.handle(views[i % 10_000] as never, res as never) !== undefined) throw new Error('unexpected rejection');
      }
      best = Math.max(best, n / ((performance.now() - start) / 1000));
    }
    await m.close();
    out.push([name, best]);
  }
  return out;
}

async function main(): Promise<void> {
  if (args[0] === '--serve') {
    await serve(args[1] === '-' ? undefined : args[1]);
    return;
  }
  console.log('memoryStore().consume — decisions/s (best batch, 10,000 keys)');
  for (const [name, rate] of micro()) console.log(`  ${name.padEnd(16)} ${(rate / 1e6).toFixed(2)} M/s`);
  console.log('rateLimit().handle — decisions/s through the middleware (sliding window, headers off, best batch)');
  for (const [name, rate] of await microMiddleware()) console.log(`  ${name.padEnd(16)} ${(rate / 1e6).toFixed(2)} M/s`);
  if (args.includes('--micro')) return;

  const { startRedis } = await import('../test/helpers/services.ts');
  const redis = await startRedis(undefined).catch(() => undefined);
  if (redis === undefined) console.log('(redis-server not available: Redis rows skipped)');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', redis?.url ?? '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(buf.slice(0, nl)).ports);
    });
    child.once('exit', (code) => reject(new Error(`server child exited ${code}`)));
  });
  // autocannon ships no types: describe the part used here.
  type Cannon = (o: {
    url: string;
    connections: number;
    duration: number;
    pipelining: number;
  }) => Promise<{ requests: { average: number }; '2xx': number; non2xx: number; errors: number }>;
  const autocannonModule = 'autocannon';
  const autocannon = ((await import(autocannonModule)) as { default: Cannon }).default;
  const rounds = flag('--rounds', quick ? 1 : 3);
  const duration = flag('--duration', quick ? 2 : 4);
  const connections = flag('--connections', 50);
  const best: Record<string, number> = {};
  const statuses: Record<string, string> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, port] of Object.entries(ports)) {
      const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration, pipelining: 1 });
      best[name] = Math.max(best[name] ?? 0, result.requests.average);
      statuses[name] = `2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}`;
    }
  }
  const bare = best['node bare']!;
  console.log(`\nHTTP req/s (autocannon, ${connections} connections, ${duration} s × ${rounds} interleaved rounds, best round)`);
  for (const [name, rps] of Object.entries(best)) {
    console.log(`  ${name.padEnd(42)} ${Math.round(rps).toString().padStart(7)} req/s  ${(rps / bare).toFixed(2)}× bare  (${statuses[name]})`);
  }
  const pair = (a: string, b: string): void => {
    if (best[a] !== undefined && best[b] !== undefined) console.log(`  ${a} / ${b}: ${(best[a]! / best[b]!).toFixed(2)}×`);
  };
  console.log('');
  pair('node + rampart rateLimit (memory)', 'express + express-rate-limit');
  pair('node + rampart rateLimit (memory)', 'fastify + @fastify/rate-limit');
  pair('node + rampart rateLimit (redisStore)', 'node + rate-limiter-flexible (Redis)');
  child.stdin!.end();
  child.kill();
  await redis?.stop();
  process.exit(0);
}

await main();
