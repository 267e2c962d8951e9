/**
 * CSRF per-request overhead (DESIGN §8 / issue 4: target < 2 µs added on node:http).
 *
 * Part 1, in-process: one real request of each kind is received on 127.0.0.1 and its
 * IncomingMessage kept; each timed iteration builds a fresh ServerResponse + NodeExchange
 * (what the node adapter does) and, except in the baseline, runs csrf's handle(). Added
 * cost = median ns/iteration minus the baseline median; batches interleaved.
 *
 * Part 2, over HTTP (autocannon, loopback): bare vs protected servers for node:http +
 * rampart csrf, Express + csrf-csrf (doubleCsrf + cookie-parser) and Hono + hono/csrf
 * (an Origin / Sec-Fetch-Site check, no tokens), on a safe GET and on a POST carrying a
 * valid token (or, for hono/csrf, a same-origin Origin). Servers run in a child process;
 * rounds are interleaved; overhead = 1e6/rps(protected) − 1e6/rps(bare) µs per request
 * (the server process is the bottleneck). Bounded: rounds × contenders × scenarios × duration.
 *
 *   npx node bench/csrf.ts [--quick] [--micro] [--rounds N] [--duration S] [--connections N]
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { NodeExchange } from '../src/adapters/node-exchange.ts';
import { stack } from '../src/stack/index.ts';
import { csrf } from '../src/csrf/index.ts';
import type { Middleware } from '../src/core/types.ts';
import { printLoad } from './shared.ts';

process.env.RAMPART_SILENT = '1';
const SECRET = 'bench-only-k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4';
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const quick = args.includes('--quick');

// ───────────────────────────── child: the servers ─────────────────────────────
async function serve(): Promise<void> {
  const { default: express } = await import('express');
  const { default: cookieParser } = await import('cookie-parser');
  const { doubleCsrf } = await import('csrf-csrf');
  const { Hono } = await import('hono');
  const { csrf: honoCsrf } = await import('hono/csrf');
  const { serve: serveHono } = await import('@hono/node-server');

  const drainThenOk = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.end('ok');
      return;
    }
    req.resume();
    req.on('end', () => res.end('ok'));
  };
  const ports: Record<string, number> = {};
  const listen = (name: string, server: http.Server) =>
    new Promise<void>((resolve) => {
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1', () => {
        ports[name] = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  await listen('node', http.createServer(drainThenOk));
  await listen('node+rampart', http.createServer(stack([csrf({ secret: SECRET })]).node(drainThenOk)));

  const bareExpress = express();
  bareExpress.all('/{*any}', (_req, res) => void res.end('ok'));
  await listen('express', http.createServer(bareExpress));
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => SECRET,
    getSessionIdentifier: () => '',
    cookieName: 'csrf_token',
    cookieOptions: { sameSite: 'lax', secure: false, path: '/' },
  });
  const protectedExpress = express();
  protectedExpress.use(cookieParser());
  protectedExpress.get('/token', (req, res) => void res.end(generateCsrfToken(req, res)));
  protectedExpress.use(doubleCsrfProtection);
  protectedExpress.all('/{*any}', (_req, res) => void res.end('ok'));
  await listen('express+csrf-csrf', http.createServer(protectedExpress));

  const bareHono = new Hono();
  bareHono.all('*', (c) => c.text('ok'));
  const protectedHono = new Hono();
  protectedHono.use(honoCsrf());
  protectedHono.all('*', (c) => c.text('ok'));
  for (const [name, app] of [
    ['hono', bareHono],
    ['hono+hono/csrf', protectedHono],
  ] as const) {
    const server = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    server.keepAliveTimeout = 60_000;
    ports[name] = (server.address() as AddressInfo).port;
  }
  process.stdout.write(JSON.stringify(ports) + '\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (args.includes('--serve')) {
  await serve();
} else {
  await main();
}

// ───────────────────────────── part 1: in-process ─────────────────────────────
async function micro(): Promise<void> {
  const BATCHES = quick ? 11 : 31;
  const ITERATIONS = 20_000;
  const server = http.createServer();
  const requests: http.IncomingMessage[] = [];
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push(req);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/form`;
  const middleware = csrf({ secret: SECRET });
  const signerProbe = await (async () => {
    // A real token from the middleware, via a real GET through the stack.
    const s = http.createServer(stack([middleware]).node((_q, r) => r.end()));
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const r = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
    s.close();
    return r.headers.getSetCookie()[0]!.split(';')[0]!.slice('csrf_token='.length);
  })();
  const cookie = `session=abc123; theme=dark; csrf_token=${signerProbe}`;
  await fetch(url, { headers: { cookie: 'session=abc123; theme=dark' } });
  await fetch(url, { headers: { cookie } });
  await fetch(url, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': signerProbe, origin: url.slice(0, url.indexOf('/form')), 'sec-fetch-site': 'same-origin' },
  });
  const [getNoCookie, getCookie, post] = requests as [http.IncomingMessage, http.IncomingMessage, http.IncomingMessage];
  const context = stack([]).context;

  const cases: Array<[string, http.IncomingMessage, Middleware | undefined]> = [
    ['baseline GET (exchange only)', getCookie, undefined],
    ['GET, valid cookie', getCookie, middleware],
    ['GET, no cookie (issues one)', getNoCookie, middleware],
    ['baseline POST (exchange only)', post, undefined],
    ['POST, valid header token', post, middleware],
  ];
  const batch = (req: http.IncomingMessage, m: Middleware | undefined): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) {
      const res = new http.ServerResponse(req);
      const exchange = new NodeExchange(context, req, res);
      if (m !== undefined && m.handle(exchange, exchange) !== undefined) throw new Error('csrf rejected the bench request');
    }
    return Number(process.hrtime.bigint() - start) / ITERATIONS;
  };
  const samples = cases.map(() => [] as number[]);
  for (let b = 0; b < BATCHES; b++) {
    for (const [i, [, req, m]] of cases.entries()) samples[i]!.push(batch(req, m));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nPart 1 — rampart csrf handle() on node:http objects (median of ${BATCHES} batches × ${ITERATIONS})`);
  console.log('case'.padEnd(32), 'ns/iter'.padStart(9), 'added ns'.padStart(9), '  < 2 µs');
  cases.forEach(([name, , m], i) => {
    const ns = median(samples[i]!);
    const base = median(samples[i < 3 ? 0 : 3]!);
    const added = ns - base;
    console.log(
      name.padEnd(32),
      ns.toFixed(0).padStart(9),
      (m === undefined ? '-' : added.toFixed(0)).padStart(9),
      m === undefined ? '' : added < 2000 ? '  ok' : '  OVER',
    );
  });
  server.close();
}

// ───────────────────────────── part 2: over HTTP ─────────────────────────────
async function main(): Promise<void> {
  printLoad();
  await micro();
  if (args.includes('--micro')) return;

  const rounds = flag('--rounds', quick ? 2 : 3);
  const duration = flag('--duration', quick ? 1 : 2);
  const connections = flag('--connections', 32);
  // autocannon ships no types: describe the part used here.
  type Cannon = (o: {
    url: string;
    connections: number;
    duration: number;
    method: string;
    headers: Record<string, string>;
    body?: string | undefined;
  }) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;
  const autocannonModule = 'autocannon';
  const autocannon = ((await import(autocannonModule)) as { default: Cannon }).default;
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports: Record<string, number> = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const nl = text.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(text.slice(0, nl)));
    });
    child.once('exit', (code) => reject(new Error(`server child exited (${code})`)));
  });
  try {
    const base = (name: string) => `http://127.0.0.1:${ports[name]}`;
    // Valid tokens for the token-based stacks.
    const rampartGet = await fetch(`${base('node+rampart')}/`);
    const rampartToken = rampartGet.headers.getSetCookie()[0]!.split(';')[0]!.slice('csrf_token='.length);
    const ccResponse = await fetch(`${base('express+csrf-csrf')}/token`);
    const ccToken = await ccResponse.text();
    const ccCookie = ccResponse.headers.getSetCookie()[0]!.split(';')[0]!;
    const body = '{"item":42,"qty":1}';
    type Req = { method: string; headers: Record<string, string>; body?: string };
    const scenarios: Record<string, Record<'GET' | 'POST', Req>> = {};
    for (const name of Object.keys(ports)) {
      const origin = base(name);
      const get: Req = { method: 'GET', headers: {} };
      const post: Req = { method: 'POST', headers: { 'content-type': 'application/json', origin, 'sec-fetch-site': 'same-origin' }, body };
      if (name === 'node' || name === 'node+rampart') {
        get.headers.cookie = `csrf_token=${rampartToken}`;
        post.headers.cookie = `csrf_token=${rampartToken}`;
        post.headers['x-csrf-token'] = rampartToken;
      }
      if (name === 'express' || name === 'express+csrf-csrf') {
        get.headers.cookie = ccCookie;
        post.headers.cookie = ccCookie;
        post.headers['x-csrf-token'] = ccToken;
      }
      scenarios[name] = { GET: get, POST: post };
    }
    // Sanity: every protected POST passes (a 403 would make the numbers meaningless).
    for (const [name, s] of Object.entries(scenarios)) {
      const r = await fetch(`${base(name)}/`, { method: 'POST', headers: s.POST.headers, body: s.POST.body });
      if (r.status !== 200) throw new Error(`${name}: POST answered ${r.status}`);
      await r.arrayBuffer();
    }
    const names = Object.keys(ports);
    const results: Record<string, number[]> = {};
    const errors: Record<string, number> = {};
    console.log(`\nPart 2 — over HTTP (autocannon, ${connections} connections, ${duration} s × ${rounds} interleaved rounds per row)`);
    for (let round = 0; round < rounds; round++) {
      // Rotate the order every round so no contender always runs first (or last).
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      for (const method of ['GET', 'POST'] as const) {
        for (const name of order) {
          const s = scenarios[name]![method];
          const r = await autocannon({ url: `${base(name)}/`, connections, duration, method: s.method, headers: s.headers, body: s.body });
          const key = `${name} ${method}`;
          results[key] ??= [];
          results[key].push(r.requests.average);
          errors[key] = (errors[key] ?? 0) + r.non2xx + r.errors;
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const pairs: Array<[string, string]> = [
      ['node', 'node+rampart'],
      ['express', 'express+csrf-csrf'],
      ['hono', 'hono+hono/csrf'],
    ];
    console.log('contender'.padEnd(22), 'method'.padEnd(6), 'req/s'.padStart(9), 'bare req/s'.padStart(11), 'added µs/req'.padStart(13), 'non-2xx'.padStart(8));
    for (const method of ['GET', 'POST'] as const) {
      for (const [bare, protectedName] of pairs) {
        const p = median(results[`${protectedName} ${method}`]!);
        const b = median(results[`${bare} ${method}`]!);
        const added = 1e6 / p - 1e6 / b;
        console.log(
          protectedName.padEnd(22),
          method.padEnd(6),
          p.toFixed(0).padStart(9),
          b.toFixed(0).padStart(11),
          added.toFixed(2).padStart(13),
          String(errors[`${protectedName} ${method}`]).padStart(8),
        );
      }
    }
    console.log('\nNotes: hono/csrf checks Origin / Sec-Fetch-Site only (no token, no cookie); csrf-csrf and rampart check a signed double-submit token,');
    console.log(
      'and rampart also runs the fetch-metadata layer. "added µs/req" is per request of the server process (1e6/rps difference); noisy on a loaded box.',
    );
  } finally {
    child.stdin!.end();
    child.kill();
  }
}
