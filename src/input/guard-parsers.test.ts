/**
 * inputGuard reads a body the way the application's parser will (black-box pass 6A): a
 * multipart part busboy/multer deliver as a string field is scanned even when it carries an
 * empty file name, and a JSON body labelled as a form is scanned as JSON too, since Hono's
 * `c.req.json()` and fetch's `req.json()` parse it whatever the label.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { inputGuard } from './guard.ts';

const XSS = '<script>alert(document.cookie)</script>';
const ESCAPED_SQLI = '{"q":"\\u0027 OR \\u00271\\u0027=\\u00271\\u0027 --"}';

const quiet = () => stack([inputGuard({ mode: 'block' })], { events: { emit() {} } });

/** One request with node:http, so the exact bytes and Content-Type are sent. */
function send(url: string, type: string, body: string | Buffer): Promise<{ status: number; body: string }> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': type, 'content-length': bytes.length }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

function onePart(disposition: string, content: string, boundary = 'BB'): Buffer {
  return Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n${content}\r\n--${boundary}--\r\n`);
}

/** What busboy (multer's and @fastify/multipart's parser) hands the application for a body. */
function busboyReads(body: Buffer): Promise<string[]> {
  return new Promise((resolve) => {
    const out: string[] = [];
    const parser = busboy({ headers: { 'content-type': 'multipart/form-data; boundary=BB' } });
    parser.on('field', (name, value) => out.push(`field ${name}=${value}`));
    parser.on('file', (name, stream) => {
      out.push(`file ${name}`);
      stream.resume();
    });
    parser.on('close', () => resolve(out));
    parser.on('error', () => resolve(out));
    parser.end(body);
  });
}

// Content-Disposition variants a parser may read as a string field although a file name
// parameter is present. busboy: an empty `filename` (or `filename*` decoding to '') is no file.
const EMPTY_NAMES = [
  'form-data; name="q"; filename=""',
  'form-data; name="q"; FILENAME=""',
  'form-data; name="q"; filename*=UTF-8\'\'; filename=""',
  'form-data; name="q"; filename*=UTF-8\'\'x.txt; filename=""',
  'form-data; name="q"; filename*=UTF-8\'\'',
];

test('busboy delivers a part with an empty file name as a string field (the behaviour inputGuard mirrors)', async () => {
  assert.deepEqual(await busboyReads(onePart('form-data; name="q"; filename=""', XSS)), [`field q=${XSS}`]);
  assert.deepEqual(await busboyReads(onePart('form-data; name="q"; filename="x.txt"', XSS)), ['file q']);
});

test('every adapter: a multipart part with an empty file name is scanned as the string field busboy and multer deliver (block mode)', async (t) => {
  await forEachAdapter(t, quiet, async (app) => {
    for (const disposition of EMPTY_NAMES) {
      const r = await send(`${app.url}/upload`, 'multipart/form-data; boundary=BB', onePart(disposition, XSS));
      assert.equal(r.status, 403, `${disposition}: ${r.status} ${r.body.slice(0, 100)}`);
    }
    // A real file keeps its contents unscanned (uploads are counted, not scanned), and a
    // browser's empty file input (filename="", no content) passes.
    const file = await send(`${app.url}/upload`, 'multipart/form-data; boundary=BB', onePart('form-data; name="f"; filename="notes.html"', XSS));
    assert.equal(file.status, 200, 'a named file');
    const fd = new FormData();
    fd.append('comment', 'hello');
    fd.append('attachment', new Blob([], { type: 'application/octet-stream' }), '');
    const browser = await fetch(`${app.url}/upload`, { method: 'POST', body: fd });
    await browser.arrayBuffer();
    assert.equal(browser.status, 200, 'an empty file input');
  });
});

test('every adapter: a JSON body labelled application/x-www-form-urlencoded is scanned as JSON too (block mode)', async (t) => {
  await forEachAdapter(t, quiet, async (app) => {
    const at = `${app.url}/api`;
    for (const type of ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8']) {
      const r = await send(at, type, ESCAPED_SQLI);
      assert.equal(r.status, 403, `${type}: ${r.status} ${r.body.slice(0, 100)}`);
      const nested = await send(at, type, ' [{"a":{"b":"\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}}]');
      assert.equal(nested.status, 403, `${type}, nested: ${nested.status}`);
    }
    // Benign JSON under a form label, and an ordinary form, pass.
    assert.equal((await send(at, 'application/x-www-form-urlencoded', '{"name":"Conor O\'Brien","n":[1,2]}')).status, 200);
    assert.equal((await send(at, 'application/x-www-form-urlencoded', 'name=Conor+O%27Brien&city=Cork')).status, 200);
    // The reverse: a form body labelled JSON is no JSON: refused (400), never passed unscanned.
    assert.equal((await send(at, 'application/json', 'q=%27%20OR%20%271%27%3D%271%27%20--')).status, 400);
  });
});

test("Hono's c.req.json() never gets a payload hidden in JSON labelled as a form", async () => {
  const app = new Hono();
  app.use(quiet().hono());
  app.post('/', async (c) => c.text(`got ${String(((await c.req.json().catch(() => ({}))) as { q?: unknown }).q)}`));
  const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  try {
    const r = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'application/x-www-form-urlencoded', ESCAPED_SQLI);
    assert.equal(r.status, 403, r.body);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
