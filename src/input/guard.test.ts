/**
 * inputGuard refuses in block mode what it cannot inspect (issue 12, item 7): compressed
 * bodies are decoded within a cap (or refused), payloads past the scan limit and requests
 * with more parameters or nesting than it inspects are refused; monitor mode passes them
 * with one event saying the request was not fully inspected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { inputGuard, type InputGuardOptions } from './guard.ts';
import { isRampartError } from '../errors.ts';

const SQLI = "1' OR '1'='1' --";
const HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

function shieldWith(options: InputGuardOptions) {
  const events: SecurityEventRecord[] = [];
  return { events, make: () => stack([inputGuard(options)], { events: { emit: (r) => void events.push(r) } }) };
}

function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

async function status(response: Promise<Response>): Promise<number> {
  const r = await response;
  await r.arrayBuffer();
  return r.status;
}

const compressors: Array<[string, (b: Buffer) => Buffer]> = [
  ['gzip', (b) => zlib.gzipSync(b)],
  ['deflate', (b) => zlib.deflateSync(b)],
  ['br', (b) => zlib.brotliCompressSync(b)],
  ...(HAS_ZSTD ? [['zstd', (b: Buffer) => (zlib as unknown as { zstdCompressSync(x: Buffer): Buffer }).zstdCompressSync(b)] as [string, (b: Buffer) => Buffer]] : []),
];

test('every adapter: a compressed SQLi body is decoded and blocked (gzip, deflate, br, zstd); benign compressed bodies pass', async (t) => {
  const { events, make } = shieldWith({ mode: 'block' });
  await forEachAdapter(t, make, async (app) => {
    for (const [coding, compress] of compressors) {
      const attack = compress(Buffer.from(JSON.stringify({ q: SQLI })));
      assert.equal(await status(post(`${app.url}/api`, attack, { 'content-encoding': coding })), 403, coding);
      const form = compress(Buffer.from(`q=${encodeURIComponent(SQLI)}`));
      assert.equal(await status(post(`${app.url}/api`, form, { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': coding })), 403, `${coding} form`);
      const benign = compress(Buffer.from(JSON.stringify({ name: "Conor O'Brien" })));
      assert.equal(await status(post(`${app.url}/api`, benign, { 'content-encoding': coding })), 200, `${coding} benign`);
    }
    const xgzip = zlib.gzipSync(Buffer.from(JSON.stringify({ q: SQLI })));
    assert.equal(await status(post(`${app.url}/api`, xgzip, { 'content-encoding': 'x-gzip' })), 403, 'x-gzip');
    const layered = zlib.gzipSync(zlib.brotliCompressSync(Buffer.from(JSON.stringify({ q: SQLI }))));
    assert.equal(await status(post(`${app.url}/api`, layered, { 'content-encoding': 'br, gzip' })), 403, 'codings applied in order are undone in reverse');
    assert.match(events.at(-1)!.detail!, /rule=sqli/);
  });
});

test('every adapter: a zip bomb is 413, an unknown coding 415, a corrupt stream 400 (block mode)', async (t) => {
  const { make } = shieldWith({ mode: 'block', bodyLimit: 65_536 });
  const bomb = zlib.gzipSync(Buffer.from(`{"a":"${'a'.repeat(20_000_000)}"}`));
  assert.ok(bomb.length < 65_536, 'the compressed bomb fits the body limit');
  await forEachAdapter(t, make, async (app) => {
    assert.equal(await status(post(`${app.url}/api`, bomb, { 'content-encoding': 'gzip' })), 413);
    assert.equal(await status(post(`${app.url}/api`, Buffer.from('{"q":1}'), { 'content-encoding': 'compress' })), 415);
    assert.equal(await status(post(`${app.url}/api`, Buffer.from('{"q":1}'), { 'content-encoding': 'gzip, gzip, gzip, gzip' })), 415, 'too many layers');
    assert.equal(await status(post(`${app.url}/api`, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })), 400);
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ q: 'ok' }), { 'content-encoding': 'identity' })), 200);
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ q: 'ok' }), { 'content-type': 'application/json; charset=utf-16le' })), 415, 'a charset it does not decode');
  });
});

test('every adapter: a payload after the scan limit is refused, not passed (block mode)', async (t) => {
  const { make } = shieldWith({ mode: 'block', maxChars: 100_000 });
  await forEachAdapter(t, make, async (app) => {
    // One long value: scanned whole (no per-value prefix), so the payload at its end is found.
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ text: 'lorem ipsum '.repeat(7_000) + SQLI }))), 403);
    // More text than the guard scans per request: refused unscanned.
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ a: 'lorem ipsum '.repeat(9_000), b: SQLI }))), 413);
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ a: 'lorem ipsum '.repeat(9_000), b: 'harmless' }))), 413, 'whatever lies past the limit');
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ a: 'lorem ipsum '.repeat(8_000) }))), 200, 'within the limit');
  });
});

test('every adapter: 10,000 parameters with the attack in the last one are refused (block mode)', async (t) => {
  const { make } = shieldWith({ mode: 'block' });
  const many = Array.from({ length: 10_000 }, (_, i) => `p${i}=v${i}`);
  many[many.length - 1] = `last=${encodeURIComponent(SQLI)}`;
  const manyJson = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`p${i}`, i === 9_999 ? SQLI : `v${i}`]));
  let deep: unknown = SQLI;
  for (let i = 0; i < 100; i++) deep = { d: deep };
  await forEachAdapter(t, make, async (app) => {
    assert.equal(await status(post(`${app.url}/form`, many.join('&'), { 'content-type': 'application/x-www-form-urlencoded' })), 413);
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify(manyJson))), 413);
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify({ list: Array.from({ length: 10_000 }, (_, i) => (i === 9_999 ? SQLI : 'x')) }))), 413);
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify(deep))), 413, 'nesting deeper than inspected');
    assert.equal(await status(post(`${app.url}/api`, '{"q": "unterminated')), 400, 'a JSON body that cannot be parsed cannot be inspected');
    assert.equal(await status(post(`${app.url}/api`, JSON.stringify(Object.fromEntries(many.slice(0, 400).map((p) => p.split('=')))))), 200, 'within the limit');
  });
});

test('every adapter: more query parameters than inspected are refused (block mode)', async (t) => {
  const { make } = shieldWith({ mode: 'block', maxValues: 100 });
  const query = Array.from({ length: 150 }, (_, i) => `p${i}=v`).join('&');
  await forEachAdapter(t, make, async (app) => {
    assert.equal(await status(fetch(`${app.url}/search?${query}&q=${encodeURIComponent(SQLI)}`)), 413);
    assert.equal(await status(fetch(`${app.url}/search?${query}`)), 413);
    assert.equal(await status(fetch(`${app.url}/search?p=1&q=2`)), 200);
  });
});

test('every adapter: monitor mode passes what it cannot inspect with one event saying so', async (t) => {
  const { events, make } = shieldWith({ mode: 'monitor', maxChars: 20_000, bodyLimit: 65_536 });
  const many = Array.from({ length: 2_000 }, (_, i) => `p${i}=v${i}`).join('&');
  await forEachAdapter(t, make, async (app) => {
    const cases: Array<[string, () => Promise<Response>]> = [
      ['values', () => post(`${app.url}/form`, many, { 'content-type': 'application/x-www-form-urlencoded' })],
      ['chars', () => post(`${app.url}/api`, JSON.stringify({ a: 'lorem ipsum '.repeat(2_000) }))],
      ['encoding', () => post(`${app.url}/api`, Buffer.from('{}'), { 'content-encoding': 'compress' })],
      ['size', () => post(`${app.url}/api`, JSON.stringify({ a: 'x'.repeat(70_000) }))],
    ];
    for (const [reason, send] of cases) {
      events.length = 0;
      const code = await status(send());
      // Express's own body parser (the test app's) refuses the unknown coding itself: 415.
      assert.equal(code, reason === 'encoding' && app.adapter === 'express' ? 415 : 200, reason);
      assert.equal(events.length, 1, reason);
      assert.equal(events[0]!.event, 'SUSPICIOUS_INPUT');
      assert.match(events[0]!.detail!, new RegExp(`^not inspected: reason=${reason} `));
    }
    events.length = 0;
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify({ q: SQLI })));
    assert.equal(await status(post(`${app.url}/api`, gz, { 'content-encoding': 'gzip' })), 200);
    assert.match(events[0]!.detail!, /rule=sqli/, 'monitor mode decodes and reports compressed payloads too');
  });
});

test('inputGuard exposes its scan limits; limit options are validated', () => {
  const guard = inputGuard({ mode: 'block', maxChars: 50_000 });
  assert.deepEqual(guard.limits, { bodyBytes: 1_048_576, chars: 50_000, values: 1_000, depth: 64, encodings: HAS_ZSTD ? ['gzip', 'deflate', 'br', 'zstd'] : ['gzip', 'deflate', 'br'] });
  assert.throws(() => inputGuard({ maxChars: 10 }), (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
  assert.throws(() => inputGuard({ maxValues: 0 }), (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
});
