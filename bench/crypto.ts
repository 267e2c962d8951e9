/**
 * rampart/crypto micro-benchmarks (no network): keyring AES-256-GCM throughput, Fernet
 * token rate, key derivation cost. Each row runs for a bounded time.
 *
 *   npx node bench/crypto.ts
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { Fernet, keyring, pbkdf2, scrypt, hkdf, checkSecret, constantTimeEqual } from '../src/crypto/index.ts';

const BUDGET_MS = Number(process.env.BENCH_MS ?? 1500);

function measure(fn: () => void): { ops: number; seconds: number } {
  for (let i = 0; i < 50; i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(BUDGET_MS) * 1_000_000n;
  let ops = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) fn();
    ops += 10;
    now = process.hrtime.bigint();
  }
  return { ops, seconds: Number(now - start) / 1e9 };
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - start) / runs;
}

const rows: Array<[string, string]> = [];
const ring = keyring({ keys: { k1: randomBytes(32) }, current: 'k1', messageLimit: 2 ** 32 });
for (const size of [64, 1024, 65_536, 1_048_576]) {
  const data = randomBytes(size);
  const text = ring.encrypt(data);
  const enc = measure(() => ring.encrypt(data));
  const dec = measure(() => ring.decrypt(text));
  const mb = (r: { ops: number; seconds: number }) => ((r.ops * size) / r.seconds / 1_048_576).toFixed(1);
  const ops = (r: { ops: number; seconds: number }) => Math.round(r.ops / r.seconds).toLocaleString('en');
  // Calibration: bare node:crypto AES-256-GCM with a random IV, no encoding or framing.
  const key = randomBytes(32);
  const raw = measure(() => {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    cipher.update(data);
    cipher.final();
    cipher.getAuthTag();
  });
  rows.push([`node:crypto raw GCM ${size} B`, `${mb(raw)} MB/s (${ops(raw)} ops/s)`]);
  rows.push([`keyring encrypt ${size} B`, `${mb(enc)} MB/s (${ops(enc)} ops/s)`]);
  rows.push([`keyring decrypt ${size} B`, `${mb(dec)} MB/s (${ops(dec)} ops/s)`]);
}

const fernet = new Fernet(Fernet.generateKey());
const small = 'a 100-byte message'.padEnd(100, '.');
const token = fernet.encrypt(small);
const fe = measure(() => fernet.encrypt(small));
const fd = measure(() => fernet.decrypt(token, { ttl: 3600 }));
rows.push(['Fernet encrypt 100 B', `${Math.round(fe.ops / fe.seconds).toLocaleString('en')} ops/s`]);
rows.push(['Fernet decrypt 100 B (ttl)', `${Math.round(fd.ops / fd.seconds).toLocaleString('en')} ops/s`]);
const big = randomBytes(1_048_576);
const bigToken = fernet.encrypt(big);
const fbe = measure(() => fernet.encrypt(big));
const fbd = measure(() => fernet.decrypt(bigToken));
rows.push(['Fernet encrypt 1 MiB', `${(fbe.ops / fbe.seconds).toFixed(1)} MB/s`]);
rows.push(['Fernet decrypt 1 MiB', `${(fbd.ops / fbd.seconds).toFixed(1)} MB/s`]);

const salt = randomBytes(16);
rows.push(['PBKDF2-SHA256 600,000 iterations', `${(await time(() => pbkdf2('passphrase', { salt }), 5)).toFixed(0)} ms per key`]);
rows.push(['scrypt N=2^17 r=8 p=1', `${(await time(() => scrypt('passphrase', { salt }), 5)).toFixed(0)} ms per key`]);
const master = randomBytes(32);
const h = measure(() => hkdf(master, { info: 'purpose' }));
rows.push(['HKDF-SHA256 32 B', `${Math.round(h.ops / h.seconds).toLocaleString('en')} ops/s`]);
const secret = randomBytes(32).toString('base64url');
const cs = measure(() => checkSecret(secret));
rows.push(['checkSecret (43 chars)', `${Math.round(cs.ops / cs.seconds).toLocaleString('en')} ops/s`]);
const ct = measure(() => constantTimeEqual(secret, secret));
rows.push(['constantTimeEqual (43 chars)', `${Math.round(ct.ops / ct.seconds).toLocaleString('en')} ops/s`]);

const width = Math.max(...rows.map(([name]) => name.length));
console.log(`rampart/crypto on Node ${process.version} (${BUDGET_MS} ms per row)`);
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
