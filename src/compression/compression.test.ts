import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { compression, negotiate, compressible } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter, type AppResponse, type TestApp } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

const HAS_ZSTD = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
// Poorly compressible text just under the small-body size (its encoded form spans several
// 1 KiB output chunks) and a body over it (the large-body encoders).
const DENSE = randomBytes(3000).toString('base64');
const LARGE = DENSE.repeat(20);
const BIG = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item number ${i}` })) });

/** GET with explicit Accept-Encoding and no automatic decompression (node:http, not fetch). */
function get(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decode(encoding: string | undefined, body: Buffer): string {
  switch (encoding) {
    case 'gzip':
      return zlib.gunzipSync(body).toString();
    case 'br':
      return zlib.brotliDecompressSync(body).toString();
    case 'zstd':
      return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(body).toString();
    default:
      return body.toString();
  }
}

test('negotiate honours q-values, refusals, * and server preference', () => {
  const pref = ['zstd', 'br', 'gzip'] as const;
  assert.equal(negotiate('gzip', pref), 'gzip');
  assert.equal(negotiate('gzip, deflate, br, zstd', pref), 'zstd');
  assert.equal(negotiate('gzip;q=1.0, br;q=0.5', pref), 'gzip');
  assert.equal(negotiate('gzip;q=0', pref), undefined);
  assert.equal(negotiate('*', pref), 'zstd');
  assert.equal(negotiate('*;q=0.5, zstd;q=0, br;q=0', pref), 'gzip');
  assert.equal(negotiate('identity', pref), undefined);
  assert.equal(negotiate('br;q=abc', pref), undefined);
  assert.equal(negotiate('x-gzip', pref), 'gzip');
  assert.equal(negotiate('GZIP', pref), 'gzip');
});

test('compressible types', () => {
  assert.ok(compressible('application/json; charset=utf-8'));
  assert.ok(compressible('text/html'));
  assert.ok(compressible('application/problem+json'));
  assert.ok(compressible('image/svg+xml'));
  assert.ok(!compressible('image/png'));
  assert.ok(!compressible('video/mp4'));
  assert.ok(!compressible('application/zip'));
  assert.ok(!compressible('text/event-stream'));
});

test('construction errors', () => {
  assert.throws(
    () => compression({ level: 12 }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => compression({ encodings: ['deflate' as never] }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => compression({ minsize: 1 } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
});

const app: TestApp = (req): AppResponse => {
  switch (req.path) {
    case '/dense':
      return { headers: { 'content-type': 'text/plain' }, body: DENSE };
    case '/large':
      return { headers: { 'content-type': 'text/plain' }, body: LARGE };
    case '/small':
      return { headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
    case '/png':
      return { headers: { 'content-type': 'image/png' }, body: BIG };
    case '/encoded':
      return { headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: BIG };
    case '/no-transform':
      return { headers: { 'content-type': 'application/json', 'cache-control': 'public, no-transform' }, body: BIG };
    case '/etag':
      return { headers: { 'content-type': 'application/json', etag: '"abc"' }, body: BIG };
    case '/empty':
      return { status: 204, headers: { 'content-type': 'application/json' }, body: '' };
    default:
      return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: BIG };
  }
};

test('compression through every adapter', async (t) => {
  await forEachAdapter(
    t,
    () => stack([compression()]),
    async (server) => {
      const codings = HAS_ZSTD ? ['gzip', 'br', 'zstd'] : ['gzip', 'br'];
      for (const coding of codings) {
        const r = await get(`${server.url}/json`, { 'accept-encoding': coding });
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-encoding'], coding);
        assert.match(String(r.headers.vary), /Accept-Encoding/i);
        assert.equal(decode(coding, r.body), BIG);
        assert.ok(r.body.length < BIG.length);
        if (r.headers['content-length'] !== undefined) assert.equal(Number(r.headers['content-length']), r.body.length);
        for (const [path, text] of [
          ['/dense', DENSE],
          ['/large', LARGE],
        ] as const) {
          const d = await get(`${server.url}${path}`, { 'accept-encoding': coding });
          assert.equal(d.headers['content-encoding'], coding, path);
          assert.equal(decode(coding, d.body), text, `${path} ${coding} round-trips`);
          if (d.headers['content-length'] !== undefined) assert.equal(Number(d.headers['content-length']), d.body.length);
        }
      }
      // Refused and absent codings, small bodies, media types, pre-encoded and no-transform stay identity.
      for (const [path, accept] of [
        ['/json', 'gzip;q=0'],
        ['/json', ''],
        ['/small', 'gzip'],
        ['/png', 'gzip'],
        ['/encoded', 'gzip'],
        ['/no-transform', 'gzip'],
      ] as const) {
        const headers: Record<string, string> = accept === '' ? {} : { 'accept-encoding': accept };
        const r = await get(`${server.url}${path}`, headers);
        assert.notEqual(r.headers['content-encoding'], 'gzip', `${path} ${accept}`);
        assert.match(String(r.headers.vary), /Accept-Encoding/i, `${path} has Vary`);
      }
      // Strong ETag becomes weak when compressed.
      const tagged = await get(`${server.url}/etag`, { 'accept-encoding': 'gzip' });
      assert.equal(tagged.headers.etag, 'W/"abc"');
      // HEAD and 204 are never encoded.
      const head = await get(`${server.url}/json`, { 'accept-encoding': 'gzip' }, 'HEAD');
      assert.equal(head.headers['content-encoding'], undefined);
      const empty = await get(`${server.url}/empty`, { 'accept-encoding': 'gzip' });
      assert.equal(empty.status, 204);
      assert.equal(empty.headers['content-encoding'], undefined);
    },
    app,
  );
});

test('node: streamed responses are left alone unless streams: true', async () => {
  for (const streams of [false, true]) {
    const shield = stack([compression({ streams })]);
    const server = http.createServer(
      shield.node((_req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.write('x'.repeat(2000));
        setTimeout(() => res.end('y'.repeat(2000)), 5);
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const r = await get(`http://127.0.0.1:${port}/`, { 'accept-encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], streams ? 'gzip' : undefined);
    assert.equal(decode(r.headers['content-encoding'], r.body), 'x'.repeat(2000) + 'y'.repeat(2000));
    server.close();
  }
});
