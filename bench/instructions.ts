/**
 * Per-request cost as CPU instructions (repeatable on a shared, noisy machine).
 *
 * Method. One bench server module (bench/servers/<name>.ts) is loaded into this process;
 * it listens on 127.0.0.1 as under `npm run bench`. A raw TCP client in the same process
 * writes pipelined, pre-built requests (the bench's request: `GET /`, Host
 * 127.0.0.1:<port>, Origin https://app.example.com, optionally Accept-Encoding: gzip) and
 * only counts the responses, so almost all the work is the server's. The driver runs
 * `--warmup` requests, then `--requests` more.
 *
 * Run it twice under callgrind (instructions, not time: the same count whatever else
 * the machine runs) with two request counts; the difference divided by the difference in
 * requests is the instructions per request, start-up excluded:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/instructions.ts rampart-node 2000
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/instructions.ts rampart-node 6000
 *
 * `node bench/instructions.ts --all [--gzip]` does that for every server and prints a table
 * (instructions per request, and each rampart row against its own bare framework).
 * Without valgrind, `node --cpu-prof bench/instructions.ts <server> 200000` profiles one path.
 *
 *   node bench/instructions.ts <server> [requests] [--gzip] [--warmup N]
 *   node bench/instructions.ts --all [--gzip] [--small N] [--large N] [--only a,b]
 */
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callgrindTotal, flag, printPerRequest } from './callgrind.ts';
import { ORIGIN } from './shared.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['rampart-node', 'node'],
  ['handwritten', 'node'],
  ['rampart-express', 'express'],
  ['rampart-fastify', 'fastify'],
  ['rampart-hono', 'hono'],
  ['hono-middleware', 'hono'],
  ['rampart-fetch', 'fetch'],
];
const FILES: Record<string, string> = {
  node: 'node-bare.ts',
  handwritten: 'node-handwritten.ts',
  'rampart-node': 'rampart-node.ts',
  express: 'express-bare.ts',
  'rampart-express': 'rampart-express.ts',
  fastify: 'fastify-bare.ts',
  'rampart-fastify': 'rampart-fastify.ts',
  hono: 'hono-bare.ts',
  'rampart-hono': 'rampart-hono.ts',
  'hono-middleware': 'hono-middleware.ts',
  fetch: 'fetch-bare.ts',
  'rampart-fetch': 'rampart-fetch.ts',
};

/** Load a server module and return the port it announced on stdout. */
async function startServer(name: string): Promise<number> {
  const file = FILES[name];
  if (file === undefined) throw new Error(`unknown server ${name}; one of ${Object.keys(FILES).join(', ')}`);
  const write = process.stdout.write.bind(process.stdout);
  let resolvePort: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.startsWith('{')) {
      const message = JSON.parse(text) as { ready?: number; unavailable?: string };
      if (message.ready !== undefined) resolvePort(message.ready);
      if (message.unavailable !== undefined) throw new Error(message.unavailable);
      return true;
    }
    return write(chunk, ...(rest as []));
  }) as typeof process.stdout.write;
  await import(pathToFileURL(path.join(HERE, 'servers', file)).href);
  const found = await port;
  process.stdout.write = write;
  return found;
}

/** Send `count` pipelined requests in batches of `depth` and resolve when every response has arrived. */
function drive(port: number, count: number, gzip: boolean, depth = 32): Promise<void> {
  const one = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${ORIGIN}\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`;
  const batch = Buffer.from(one.repeat(depth));
  const marker = Buffer.from('HTTP/1.1 ');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let sent = 0;
    let seen = 0;
    let tail: Buffer = Buffer.alloc(0);
    const send = (): void => {
      const n = Math.min(depth, count - sent);
      sent += n;
      socket.write(n === depth ? batch : Buffer.from(one.repeat(n)));
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      const data = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
      let at = data.indexOf(marker);
      while (at !== -1) {
        if (data[at + 9] !== 0x32 /* 2 */) reject(new Error(`non-2xx answer: ${data.subarray(at, at + 12).toString()}`));
        seen++;
        at = data.indexOf(marker, at + marker.length);
      }
      tail = data.subarray(Math.max(0, data.length - marker.length + 1));
      if (seen === count) {
        socket.end();
        resolve();
      } else if (seen === sent) send();
    });
    socket.on('error', reject);
  });
}

async function runOne(): Promise<void> {
  const name = process.argv[2]!;
  const requests = Number(process.argv[3] ?? 10000);
  const gzip = process.argv.includes('--gzip');
  const port = await startServer(name);
  await drive(port, flag('--warmup', 3000), gzip);
  await drive(port, requests, gzip);
  process.exit(0);
}

/** Total instructions (callgrind) of one run. */
function instructions(name: string, requests: number, gzip: boolean): number {
  return callgrindTotal(
    name,
    [],
    [path.join(HERE, 'instructions.ts'), name, String(requests), '--warmup', String(flag('--warmup', 3000)), ...(gzip ? ['--gzip'] : [])],
  );
}

function runAll(): void {
  printPerRequest({
    pairs: PAIRS,
    run: instructions,
    small: flag('--small', 2000),
    large: flag('--large', 6000),
    method: 'callgrind',
    baseWidth: 8,
    compare: (mine, theirs) => `ratio ${(theirs / mine).toFixed(2)}×`,
  });
}

if (process.argv.includes('--all')) runAll();
else await runOne();
