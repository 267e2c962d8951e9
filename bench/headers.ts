/**
 * Per-request cost of securityHeaders (target ≤ 2 µs), in-process on real node:http
 * objects. One real request is received on 127.0.0.1 and its IncomingMessage kept; each
 * timed iteration builds a fresh ServerResponse + NodeExchange (what the node adapter
 * does), calls the middleware's handle() (not in the baseline and the hand-written
 * floors), then writes the handler's head with `writeHead(200, …).end()` — on node:http
 * rampart merges and serialises its headers there, and head hooks (`override: true`) run.
 * Cost = median ns/iteration minus the baseline median, batches interleaved.
 *
 *   npx node bench/headers.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeExchange } from '../src/adapters/node-exchange.ts';
import { stack } from '../src/stack/index.ts';
import type { Middleware } from '../src/core/types.ts';
import { securityHeaders } from '../src/headers/index.ts';
import { printLoad } from './shared.ts';

process.env.RAMPART_SILENT = '1';
const BATCHES = 31;
const ITERATIONS = 20_000;

const server = http.createServer();
const captured = new Promise<http.IncomingMessage>((resolve) =>
  server.once('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.end();
    resolve(req);
  }),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page`);
const req = await captured;
const context = stack([]).context;

const defaults = securityHeaders();
const HANDLER = { 'content-type': 'text/html', 'content-length': '1200' };
const FLAT = [...defaults.headers.flat(), 'content-type', 'text/html', 'content-length', '1200'];

// Each iteration: a fresh response and exchange (what the node adapter does), the subject,
// then the head the handler writes, which is where the node adapter serialises rampart's headers.
type Subject = (exchange: NodeExchange, res: http.ServerResponse) => void;
const through =
  (m: Middleware): Subject =>
  (exchange, res) => {
    m.handle(exchange, exchange);
    exchange.handOver();
    res.writeHead(200, HANDLER).end();
  };
const candidates: Array<[string, Subject]> = [
  ['baseline (handler head only)', (_e, res) => void res.writeHead(200, HANDLER).end()],
  // Node's own floors, no middleware: the same headers written by hand.
  ['hand: one flat writeHead', (_e, res) => void res.writeHead(200, FLAT).end()],
  [
    'hand: setHeader ×7 + writeHead',
    (_e, res) => {
      for (const [name, value] of defaults.headers) res.setHeader(name, value);
      res.writeHead(200, HANDLER).end();
    },
  ],
  ['defaults (7 headers)', through(defaults)],
  ['+ hsts', through(securityHeaders({ hsts: { maxAge: 31536000, includeSubDomains: true } }))],
  ['csp nonce: true', through(securityHeaders({ csp: { nonce: true } }))],
  ['override: true', through(securityHeaders({ override: true }))],
];

function batch(subject: Subject): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) {
    const res = new http.ServerResponse(req);
    subject(new NodeExchange(context, req, res), res);
  }
  return Number(process.hrtime.bigint() - start) / ITERATIONS;
}

const samples = candidates.map(() => [] as number[]);
for (let b = 0; b < BATCHES; b++) {
  for (const [i, [, m]] of candidates.entries()) samples[i]!.push(batch(m));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(samples[0]!);
console.log('securityHeaders per-request cost (node:http objects, median of', BATCHES, 'batches ×', ITERATIONS, ')');
printLoad();
console.log('variant'.padEnd(32), 'ns/iter'.padStart(9), 'added ns'.padStart(9), '  ≤ 2 µs');
candidates.forEach(([name], i) => {
  const ns = median(samples[i]!);
  const added = ns - base;
  console.log(name.padEnd(32), ns.toFixed(0).padStart(9), (i === 0 ? '-' : added.toFixed(0)).padStart(9), i === 0 ? '' : added <= 2000 ? '  ok' : '  OVER');
});
server.close();
