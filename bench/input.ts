/**
 * rampart/input benchmark: detectAttack throughput, inputGuard overhead per request
 * (node:http on loopback, autocannon), redactPii throughput, and the detection rates on
 * the public payload corpora and the benign corpus. Bounded: ~20 s.
 *
 *   npx node bench/input.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { detectAttack } from '../src/input/detect.ts';
import { redactPii } from '../src/input/pii.ts';
import { inputGuard } from '../src/input/guard.ts';
import { ATTACK_CORPORA, BENIGN_CORPORA, loadCorpus, measure } from '../src/input/corpus.ts';
import { stack } from '../src/stack/index.ts';

const rows: Array<[string, string]> = [];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function timeFor(ms: number, fn: () => void): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return n / (ms / 1000);
}

// ── detectAttack ops/s ──────────────────────────────────────────────────────
const attacks = ATTACK_CORPORA.flatMap((c) => loadCorpus(c.file));
const benign = BENIGN_CORPORA.flatMap((f) => loadCorpus(f));
const typical = ['alice', 'alice@example.com', "Conor O'Brien", '42', 'Please select the red one', '/api/v1/users/42', 'https://example.com/x?y=1'];
for (const [label, inputs] of [
  ['typical form values (short)', typical],
  ['benign corpus (prose, code)', benign],
  ['attack corpora', attacks],
] as const) {
  let i = 0;
  detectAttack(inputs[0]!); // warm-up
  timeFor(300, () => detectAttack(inputs[i++ % inputs.length]!));
  i = 0;
  const ops = timeFor(1500, () => detectAttack(inputs[i++ % inputs.length]!));
  rows.push([`detectAttack, ${label}`, `${fmt(ops)} ops/s (${fmt(1e6 / ops, 1)} µs/op)`]);
}

// ── redactPii MB/s ──────────────────────────────────────────────────────────
const paragraph =
  'Dear support, my name is Ann Lee (ann.lee@example.com, +44 20 7946 0958). I paid with card 4111 1111 1111 1111 ' +
  'from 203.0.113.7 and my IBAN is GB82 WEST 1234 5698 7654 32. The order shipped late and the box was damaged; please refund. ';
const prose = benign.join('\n');
for (const [label, text] of [
  ['PII-dense support tickets', paragraph.repeat(Math.ceil(1_000_000 / paragraph.length)).slice(0, 1_000_000)],
  ['ordinary prose/code', prose.repeat(Math.ceil(1_000_000 / prose.length)).slice(0, 1_000_000)],
] as const) {
  redactPii(text.slice(0, 10_000));
  const start = performance.now();
  let bytes = 0;
  while (performance.now() - start < 2000) {
    redactPii(text);
    bytes += Buffer.byteLength(text);
  }
  rows.push([`redactPii, ${label} (1 MB)`, `${fmt(bytes / 1e6 / ((performance.now() - start) / 1000), 1)} MB/s`]);
}

// ── inputGuard overhead per request ────────────────────────────────────────
type Cannon = (opts: object) => Promise<{ non2xx: number; errors: number; requests: { average: number } }>;
const autocannonModule = 'autocannon';
const autocannon = ((await import(autocannonModule)) as { default: Cannon }).default;

async function serve(middleware: Parameters<typeof stack>[0]): Promise<{ url: string; close: () => Promise<void> }> {
  const shield = stack(middleware);
  const server = http.createServer(
    shield.node((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function rps(url: string, opts: object = {}): Promise<number> {
  const result = await autocannon({ url, connections: 20, duration: 3, ...opts });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`bench: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const path = '/search?q=red+shoes&page=2&sort=price';
const bare = await serve([]);
// Control: only the adapter's non-consuming body read, to separate its cost from the guard's own work.
const readOnly = await serve([{ name: 'readBodyOnly', handle: (req) => req.readBody(1 << 20).then(() => undefined) }]);
const guarded = await serve([inputGuard({ mode: 'block' })]);
const bodyOpts = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: "Conor O'Brien", email: 'c@example.com', comment: 'Great product, would buy again. Please select a faster courier next time.' }),
};
await rps(bare.url + path, { duration: 1 });
await rps(guarded.url + path, { duration: 1 });
const bareGet = await rps(bare.url + path);
const guardGet = await rps(guarded.url + path);
const barePost = await rps(bare.url + path, bodyOpts);
const readPost = await rps(readOnly.url + path, bodyOpts);
const guardPost = await rps(guarded.url + path, bodyOpts);
await bare.close();
await readOnly.close();
await guarded.close();
// Extra server time per request: the single-threaded server spends 1/rps seconds per request.
const overhead = (a: number, b: number) => fmt((1 / b - 1 / a) * 1e6, 1);
rows.push(['GET with query, bare stack', `${fmt(bareGet)} req/s`]);
rows.push(['GET with query, inputGuard(block)', `${fmt(guardGet)} req/s (${fmt((guardGet / bareGet) * 100, 1)}%, ≈${overhead(bareGet, guardGet)} µs/request)`]);
rows.push(['POST small JSON body, bare stack', `${fmt(barePost)} req/s`]);
rows.push([
  'POST small JSON body, readBody only (control)',
  `${fmt(readPost)} req/s (${fmt((readPost / barePost) * 100, 1)}%, ≈${overhead(barePost, readPost)} µs/request)`,
]);
rows.push([
  'POST small JSON body, inputGuard(block)',
  `${fmt(guardPost)} req/s (${fmt((guardPost / barePost) * 100, 1)}%, ≈${overhead(barePost, guardPost)} µs/request; ≈${overhead(readPost, guardPost)} µs over the body read)`,
]);

// ── detection rates ─────────────────────────────────────────────────────────
for (const { file, type } of ATTACK_CORPORA) {
  const r = measure(loadCorpus(file), type);
  rows.push([
    `detection, ${file} (${type})`,
    `${r.detected}/${r.total} = ${fmt((100 * r.detected) / r.total, 1)}% (right type ${fmt((100 * r.ofType) / r.total, 1)}%)`,
  ]);
}
let fp = 0;
let total = 0;
for (const file of BENIGN_CORPORA) {
  const r = measure(loadCorpus(file));
  fp += r.detected;
  total += r.total;
  rows.push([`false positives, ${file}`, `${r.detected}/${r.total} = ${fmt((100 * r.detected) / r.total, 2)}%`]);
}
rows.push(['false positives, all benign', `${fp}/${total} = ${fmt((100 * fp) / total, 2)}%`]);

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`rampart/input bench — node ${process.version}\n`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
