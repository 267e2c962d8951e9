/**
 * Per-request cost as CPU instructions, deterministic: no sockets, no load generator.
 *
 * Method. One bench server module (bench/servers/<name>.ts) is loaded into this process;
 * `http.Server.prototype.listen` is wrapped to capture its server. Each request is then a
 * fresh `IncomingMessage` (the bench's `GET /` with Host 127.0.0.1:<port> and Origin
 * https://app.example.com, optionally Accept-Encoding: gzip, on a real accepted socket so
 * the client address is real) and a fresh `ServerResponse` without a socket, emitted as
 * the server's 'request' event: the framework, rampart and node's head serialisation run
 * as under load; nothing is written to the wire (node buffers the response), so the counts
 * leave out what every contender pays alike for the socket. Requests go in batches of 100
 * with a setImmediate between batches, so async frameworks finish each batch.
 *
 * Under callgrind with `--instr-atstart=no`, instrumentation is switched on
 * (`callgrind_control --instr=on`) after the warm-up, and V8 runs with `--predictable`
 * (no concurrent compiler or GC threads, no time-based heuristics): two runs with
 * different request counts give the instructions per request as the difference, repeatable
 * to about 2 % (bench/instructions.ts, over real sockets, varies by 10–20 % run to run).
 *
 * The `*-headers` rows are floors: each framework's bare route plus the preset's response
 * headers from a constant (bench/servers/preset-headers.ts), so `<framework>-headers` minus
 * `<framework>-bare` is what sending those headers costs there whoever sets them, and the
 * rampart row minus the floor is rampart's own work. On a loaded machine add `--mutator`
 * (bench/callgrind.ts): GC and compiler runs vary by ~10 % between identical runs.
 *
 *   node bench/instructions-loop.ts --all [--gzip] [--mutator] [--only a,b] [--small N] [--large N]
 *   node bench/instructions-loop.ts <server> [requests] [--gzip]   (one run; no valgrind)
 *   node --cpu-prof bench/instructions-loop.ts rampart-node 200000  (where the time goes)
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callgrindTotal, flag, printPerRequest } from './callgrind.ts';
import { ORIGIN } from './shared.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['rampart-node', 'node-bare'],
  ['node-handwritten', 'node-bare'],
  ['rampart-express', 'express-bare'],
  ['rampart-fastify', 'fastify-bare'],
  ['rampart-hono', 'hono-bare'],
  ['rampart-fetch', 'fetch-bare'],
  // Floors: the preset's response headers sent from a constant, the cheapest way each framework allows.
  ['node-headers', 'node-bare'],
  ['express-headers', 'express-bare'],
  ['fastify-headers', 'fastify-bare'],
  ['hono-headers', 'hono-bare'],
  ['fetch-headers', 'fetch-bare'],
];

/** Load a server module; resolve with its server and a server-side socket of a real loopback connection. */
async function startServer(name: string): Promise<{ server: http.Server; socket: net.Socket; port: number }> {
  let captured: http.Server | undefined;
  const listen = http.Server.prototype.listen;
  http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
    captured = this;
    return (listen as (...a: unknown[]) => http.Server).apply(this, args);
  } as typeof listen;
  const write = process.stdout.write.bind(process.stdout);
  let resolvePort: (port: number) => void = () => {};
  const ready = new Promise<number>((resolve) => {
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
  await import(pathToFileURL(path.join(HERE, 'servers', `${name}.ts`)).href);
  const port = await ready;
  process.stdout.write = write;
  const server = captured!;
  const socket = await new Promise<net.Socket>((resolve) => {
    server.once('connection', resolve);
    net.connect(port, '127.0.0.1');
  });
  return { server, socket, port };
}

async function runOne(): Promise<void> {
  const name = process.argv[2]!;
  const requests = Number(process.argv[3] ?? 10000);
  const warmup = flag('--warmup', 10000);
  const gzip = process.argv.includes('--gzip');
  const { server, socket, port } = await startServer(name);
  const host = `127.0.0.1:${port}`;
  const headers: http.IncomingHttpHeaders = gzip ? { host, origin: ORIGIN, 'accept-encoding': 'gzip' } : { host, origin: ORIGIN };
  const rawHeaders = gzip ? ['Host', host, 'Origin', ORIGIN, 'Accept-Encoding', 'gzip'] : ['Host', host, 'Origin', ORIGIN];
  const one = (): http.ServerResponse => {
    const req = new http.IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/';
    req.httpVersion = '1.1';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = { ...headers };
    req.rawHeaders = [...rawHeaders];
    req.complete = true;
    req.push(null);
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = true;
    server.emit('request', req, res);
    return res;
  };
  const run = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 100) {
      for (let j = 0; j < 100 && i + j < count; j++) one();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const first = one();
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (first.statusCode !== 200 || !first.headersSent) throw new Error(`${name}: the first answer is ${first.statusCode}, not a 200 with its head written`);
  await run(warmup);
  if (process.argv.includes('--callgrind')) {
    await new Promise((resolve) => spawn('callgrind_control', ['--instr=on', String(process.pid)], { stdio: 'ignore' }).on('exit', resolve));
  }
  await run(requests);
  process.exit(0);
}

/** Instructions (callgrind) of one run, counted from the end of the warm-up. */
function instructions(name: string, requests: number, gzip: boolean): number {
  return callgrindTotal(
    name,
    ['--instr-atstart=no'],
    [
      '--predictable',
      fileURLToPath(import.meta.url),
      name,
      String(requests),
      '--callgrind',
      '--warmup',
      String(flag('--warmup', 10000)),
      ...(gzip ? ['--gzip'] : []),
    ],
  );
}

function runAll(): void {
  printPerRequest({
    pairs: PAIRS,
    run: instructions,
    small: flag('--small', 3000),
    large: flag('--large', 13000),
    method: 'in-process loop under callgrind',
    baseWidth: 13,
    compare: (mine, theirs) =>
      `added ${Math.round(mine - theirs)
        .toLocaleString('en')
        .padStart(8)}`,
  });
}

if (process.argv.includes('--all')) runAll();
else await runOne();
