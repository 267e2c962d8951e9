/**
 * inputGuard refuses in block mode what it cannot inspect (issue 12, item 7): compressed
 * bodies are decoded within a cap (or refused), payloads past the scan limit and requests
 * with more parameters or nesting than it inspects are refused; monitor mode passes them
 * with one event saying the request was not fully inspected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { inputGuard, type InputGuardOptions } from './guard.ts';
import { isRampartError } from '../errors.ts';
import { configWarnings } from '../core/events.ts';

const SQLI = "1' OR '1'='1' --";
const HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

function shieldWith(options: InputGuardOptions) {
  const events: SecurityEventRecord[] = [];
  return { events, make: () => stack([inputGuard(options)], { events: { emit: (r) => void events.push(r) } }) };
}

function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
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
  ...(HAS_ZSTD
    ? [['zstd', (b: Buffer) => (zlib as unknown as { zstdCompressSync(x: Buffer): Buffer }).zstdCompressSync(b)] as [string, (b: Buffer) => Buffer]]
    : []),
];

test('every adapter: a compressed SQLi body is decoded and blocked (gzip, deflate, br, zstd); benign compressed bodies pass', async (t) => {
  const { events, make } = shieldWith({ mode: 'block' });
  await forEachAdapter(t, make, async (app) => {
    for (const [coding, compress] of compressors) {
      const attack = compress(Buffer.from(JSON.stringify({ q: SQLI })));
      assert.equal(await status(post(`${app.url}/api`, attack, { 'content-encoding': coding })), 403, coding);
      const form = compress(Buffer.from(`q=${encodeURIComponent(SQLI)}`));
      assert.equal(
        await status(post(`${app.url}/api`, form, { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': coding })),
        403,
        `${coding} form`,
      );
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
    assert.equal(
      await status(post(`${app.url}/api`, JSON.stringify({ q: 'ok' }), { 'content-type': 'application/json; charset=utf-16le' })),
      415,
      'a charset it does not decode',
    );
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
    assert.equal(
      await status(post(`${app.url}/api`, JSON.stringify(Object.fromEntries(many.slice(0, 400).map((p) => p.split('=')))))),
      200,
      'within the limit',
    );
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
  assert.deepEqual(guard.limits, {
    bodyBytes: 1_048_576,
    chars: 50_000,
    values: 1_000,
    depth: 64,
    encodings: HAS_ZSTD ? ['gzip', 'deflate', 'br', 'zstd'] : ['gzip', 'deflate', 'br'],
  });
  assert.throws(
    () => inputGuard({ maxChars: 10 }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => inputGuard({ maxValues: 0 }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

// ---------------------------------------------------------------------------------------
// Every body is inspected or refused (block mode): bodies frameworks parse whatever their
// type says — multipart (Hono parseBody, multer), a JSON body on a GET (express.json), JSON
// without a Content-Type or labelled text/plain (Hono c.req.json()), text/json, XML, a
// repeated Content-Type — never reach the handler unscanned.
// ---------------------------------------------------------------------------------------

interface Sent {
  status: number;
  body: string;
}

/**
 * One request with node:http (which, unlike fetch(), sends a body on GET, no Content-Type
 * at all, or a header twice). `headers` is a flat raw list: [name, value, name, value, …].
 */
function send(url: string, method: string, headers: string[], body?: string | Uint8Array): Promise<Sent> {
  const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  const raw = ['host', new URL(url).host, ...headers, ...(bytes === undefined ? [] : ['content-length', String(bytes.length)])];
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: raw, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

/** A multipart/form-data body written by hand: [headers of the part, content]. */
function multipart(boundary: string, parts: Array<[string, string | Uint8Array]>): Buffer {
  const out: Buffer[] = [];
  for (const [head, content] of parts) out.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n'));
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

const XSS = '<script>alert(1)</script>';
const PNG_BYTES = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.from([0, 0xff, 0x27, 0x3c, 0x3e, 0x22, 0x2d, 0x2d]),
  Buffer.alloc(64),
]);

/** The handler never saw `payload`: refused (status in `refusals`), or the runtime gave the handler no body. */
function assertNotDelivered(r: Sent, payload: string, refusals: readonly number[], what: string): void {
  if (refusals.includes(r.status)) return;
  assert.equal(r.status, 200, `${what}: status ${r.status}`);
  assert.ok(!r.body.includes(JSON.stringify(payload).slice(1, -1)) && !r.body.includes(payload), `${what}: the payload reached the handler`);
}

test('every adapter: block mode inspects every body shape frameworks parse and blocks the attack in it', async (t) => {
  const { make } = shieldWith({ mode: 'block' });
  const json = JSON.stringify({ q: SQLI });
  await forEachAdapter(t, make, async (app) => {
    const at = `${app.url}/api`;
    const cases: Array<[string, string, string[], string | Uint8Array]> = [
      [
        'multipart text field',
        'POST',
        ['content-type', 'multipart/form-data; boundary=XX'],
        multipart('XX', [['Content-Disposition: form-data; name="q"', SQLI]]),
      ],
      [
        'multipart field after a file',
        'POST',
        ['content-type', 'multipart/form-data; boundary="b 1"'],
        multipart('b 1', [
          ['Content-Disposition: form-data; name="f"; filename="a.png"\r\nContent-Type: image/png', PNG_BYTES],
          ['Content-Disposition: form-data; name="q"', SQLI],
        ]),
      ],
      [
        'multipart octet-stream part without a file name',
        'POST',
        ['content-type', 'multipart/form-data; boundary=XX'],
        multipart('XX', [['Content-Disposition: form-data; name="q"\r\nContent-Type: application/octet-stream', SQLI]]),
      ],
      [
        'multipart JSON part',
        'POST',
        ['content-type', 'multipart/form-data; boundary=XX'],
        multipart('XX', [
          ['Content-Disposition: form-data; name="doc"\r\nContent-Type: application/json', '{"q":"\\u0027 OR \\u00271\\u0027=\\u00271\\u0027 --"}'],
        ]),
      ],
      [
        'multipart file name',
        'POST',
        ['content-type', 'multipart/form-data; boundary=XX'],
        multipart('XX', [['Content-Disposition: form-data; name="f"; filename="../../../../etc/passwd"', 'x']]),
      ],
      ['JSON without Content-Type', 'POST', [], json],
      ['JSON labelled text/plain', 'POST', ['content-type', 'text/plain'], json],
      ['JSON with escapes labelled text/plain', 'POST', ['content-type', 'text/plain;charset=UTF-8'], '{"q":"\\u0027 OR \\u00271\\u0027=\\u00271\\u0027 --"}'],
      ['raw text/plain', 'POST', ['content-type', 'text/plain'], SQLI],
      ['text/json', 'POST', ['content-type', 'text/json'], json],
      ['application/xml', 'POST', ['content-type', 'application/xml'], `<q>${XSS}</q>`],
      ['text/xml', 'POST', ['content-type', 'text/xml'], `<?xml version="1.0"?><q>${SQLI}</q>`],
      ['+xml', 'POST', ['content-type', 'application/soap+xml'], `<q>${SQLI}</q>`],
      ['UTF-16 text with a byte order mark', 'POST', ['content-type', 'text/plain'], Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SQLI, 'utf16le')])],
      ['PUT JSON', 'PUT', ['content-type', 'application/json'], json],
      ['DELETE JSON', 'DELETE', ['content-type', 'application/json'], json],
    ];
    for (const [what, method, headers, body] of cases) {
      const r = await send(at, method, headers, body);
      assert.equal(r.status, 403, `${what}: ${r.status} ${r.body.slice(0, 120)}`);
    }
    // A JSON body on a GET (express.json() parses bodies on any method). @hono/node-server
    // hands GET requests no body at all, so there the handler cannot see it either.
    for (const [method, type] of [
      ['GET', 'application/json'],
      ['GET', 'text/plain'],
      ['OPTIONS', 'application/json'],
      ['GET', ''],
    ] as const) {
      const r = await send(at, method, type === '' ? [] : ['content-type', type], json);
      if (app.adapter === 'hono' || app.adapter === 'fetch') assertNotDelivered(r, SQLI, [403], `${method} ${type}`);
      else assert.equal(r.status, 403, `${method} with a ${type || 'untyped'} body: ${r.status}`);
    }
  });
});

test('every adapter: block mode refuses (415) a body whose type it cannot classify or read one way; passTypes lets a listed type through', async (t) => {
  const { make } = shieldWith({ mode: 'block' });
  const json = JSON.stringify({ q: SQLI });
  await forEachAdapter(t, make, async (app) => {
    const at = `${app.url}/api`;
    const refused: Array<[string, string[], string | Uint8Array]> = [
      ['Content-Type twice', ['content-type', 'text/plain', 'content-type', 'application/json'], json],
      ['Content-Type twice, same value', ['content-type', 'application/json', 'content-type', 'application/json'], json],
      ['two types in one header', ['content-type', 'text/plain, application/json'], json],
      ['application/octet-stream', ['content-type', 'application/octet-stream'], json],
      ['image/png', ['content-type', 'image/png'], json],
      ['multipart/mixed', ['content-type', 'multipart/mixed; boundary=XX'], multipart('XX', [['Content-Disposition: form-data; name="q"', SQLI]])],
      [
        'a multipart text part in a charset it does not decode',
        ['content-type', 'multipart/form-data; boundary=XX'],
        multipart('XX', [['Content-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=utf-16le', SQLI]]),
      ],
      [
        'a multipart part with a transfer encoding',
        ['content-type', 'multipart/form-data; boundary=XX'],
        multipart('XX', [['Content-Disposition: form-data; name="q"\r\nContent-Transfer-Encoding: base64', Buffer.from(SQLI).toString('base64')]]),
      ],
      ['UTF-16 text without a byte order mark', ['content-type', 'text/plain'], Buffer.from(SQLI, 'utf16le')],
    ];
    for (const [what, headers, body] of refused) {
      const r = await send(at, 'POST', headers, body);
      assert.equal(r.status, 415, `${what}: ${r.status} ${r.body.slice(0, 120)}`);
      assert.match(r.body, /cannot inspect/, what);
    }
    const broken: Array<[string, string[], string | Uint8Array]> = [
      ['multipart without a boundary', ['content-type', 'multipart/form-data'], multipart('XX', [['Content-Disposition: form-data; name="q"', SQLI]])],
      ['multipart that never closes', ['content-type', 'multipart/form-data; boundary=XX'], `--XX\r\nContent-Disposition: form-data; name="q"\r\n\r\n${SQLI}`],
      ['multipart with a part that has no name', ['content-type', 'multipart/form-data; boundary=XX'], multipart('XX', [['Content-Type: text/plain', SQLI]])],
    ];
    for (const [what, headers, body] of broken) {
      const r = await send(at, 'POST', headers, body);
      assert.equal(r.status, 400, `${what}: ${r.status} ${r.body.slice(0, 120)}`);
    }
    // No body, nothing to inspect: the type does not matter.
    assert.equal((await send(at, 'POST', ['content-type', 'application/octet-stream'], '')).status, 200, 'an empty body');
    assert.equal((await send(at, 'POST', ['content-type', 'application/octet-stream'])).status, 200, 'no body at all');
  });
  const passed = shieldWith({ mode: 'block', passTypes: ['application/octet-stream', 'image/*'] });
  await forEachAdapter(t, passed.make, async (app) => {
    assert.equal((await send(`${app.url}/blob`, 'POST', ['content-type', 'application/octet-stream'], PNG_BYTES)).status, 200);
    assert.equal((await send(`${app.url}/blob`, 'POST', ['content-type', 'image/png'], PNG_BYTES)).status, 200);
    assert.equal((await send(`${app.url}/blob`, 'POST', ['content-type', 'application/pdf'], PNG_BYTES)).status, 415, 'types not listed are still refused');
    assert.equal(
      (await send(`${app.url}/blob?q=${encodeURIComponent(SQLI)}`, 'POST', ['content-type', 'application/octet-stream'], PNG_BYTES)).status,
      403,
      'the rest of the request is still scanned',
    );
  });
  assert.ok(
    configWarnings().some((w) => /inputGuard.*application\/octet-stream.*not inspected/.test(w)),
    'passTypes is announced',
  );
});

test('every adapter: benign bodies of every shape pass block mode (multipart with a file, text, XML, untyped JSON)', async (t) => {
  const { events, make } = shieldWith({ mode: 'block' });
  await forEachAdapter(t, make, async (app) => {
    const at = `${app.url}/api`;
    const fd = new FormData();
    fd.append('name', "Conor O'Brien");
    fd.append('comment', "It's great -- select the best one from the list");
    fd.append('avatar', new Blob([new Uint8Array(PNG_BYTES)], { type: 'image/png' }), 'me.png');
    fd.append('empty', new Blob([], { type: 'application/octet-stream' }), '');
    const form = await fetch(at, { method: 'POST', body: fd });
    assert.equal(form.status, 200, 'a browser-style multipart form with a file');
    assert.ok(((await form.json()) as { body: string }).body.includes("Conor O'Brien"), 'the handler reads the same body');
    const cases: Array<[string, string, string[], string | Uint8Array]> = [
      [
        'plain text',
        'POST',
        ['content-type', 'text/plain; charset=utf-8'],
        "Hello team,\nIt's great -- select the best one from the list and drop me a note.\nThanks, O'Brien",
      ],
      [
        'XML',
        'POST',
        ['content-type', 'application/xml'],
        '<?xml version="1.0" encoding="UTF-8"?><note><to>Tove</to><from>Jani</from><body>Don\'t forget me this weekend!</body></note>',
      ],
      [
        'SOAP',
        'POST',
        ['content-type', 'application/soap+xml; charset=utf-8'],
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><m:Item xmlns:m="https://example.com/p">Apples</m:Item></soap:Body></soap:Envelope>',
      ],
      ['JSON without a type', 'POST', [], JSON.stringify({ name: "Conor O'Brien", note: 'Drop by the union hall; select a seat' })],
      ['JSON as text/plain', 'POST', ['content-type', 'text/plain'], JSON.stringify({ items: [{ id: 1, title: 'a < b > c' }] })],
      ['text/json', 'PATCH', ['content-type', 'text/json'], JSON.stringify({ ok: true })],
      ['CSV', 'POST', ['content-type', 'text/csv'], "name,city\nO'Brien,Cork\n"],
      ['UTF-8 with a byte order mark', 'POST', ['content-type', 'text/plain'], '\ufeffHello'],
      ['a GET with an empty JSON body', 'GET', ['content-type', 'application/json'], ''],
      [
        'a hand-written multipart with preamble and quoted boundary',
        'POST',
        ['content-type', 'multipart/form-data; boundary="a:b"'],
        Buffer.concat([
          Buffer.from('preamble\r\n'),
          multipart('a:b', [
            ['content-disposition: form-data; name="a"', 'one'],
            ['Content-Disposition: form-data; name="f"; filename="x.bin"\r\nContent-Type: application/octet-stream', PNG_BYTES],
          ]),
        ]),
      ],
    ];
    for (const [what, method, headers, body] of cases) {
      const r = await send(at, method, headers, body);
      assert.equal(r.status, 200, `${what}: ${r.status} ${r.body.slice(0, 160)}`);
    }
  });
  assert.deepEqual(
    events.filter((e) => e.event !== 'CONFIG_WARNING'),
    [],
    'no event for benign bodies',
  );
});

test('every adapter: monitor mode reports the attack in every body shape, and one "not inspected" event for a type it cannot read', async (t) => {
  const { events, make } = shieldWith({ mode: 'monitor' });
  await forEachAdapter(t, make, async (app) => {
    const at = `${app.url}/api`;
    events.length = 0;
    assert.equal(
      (await send(at, 'POST', ['content-type', 'multipart/form-data; boundary=XX'], multipart('XX', [['Content-Disposition: form-data; name="q"', SQLI]])))
        .status,
      200,
    );
    assert.equal(events.length, 1);
    assert.match(events[0]!.detail!, /rule=sqli.* in=body\.q /);
    events.length = 0;
    assert.equal((await send(at, 'POST', ['content-type', 'text/plain'], SQLI)).status, 200);
    assert.match(events[0]!.detail!, /rule=sqli.* in=body /);
    events.length = 0;
    assert.equal((await send(at, 'POST', ['content-type', 'application/octet-stream'], 'abc')).status, 200);
    assert.equal(events.length, 1);
    assert.match(events[0]!.detail!, /^not inspected: reason=type /);
    events.length = 0;
    assert.equal((await send(at, 'POST', ['content-type', 'text/plain', 'content-type', 'application/json'], '{}')).status, 200);
    assert.match(events[0]!.detail!, /^not inspected: reason=type .*Content-Type/);
  });
});

test('inputGuard passTypes is validated; block mode without body scanning is announced', () => {
  for (const bad of [['octet-stream'], ['application/json'], ['text/plain'], ['multipart/form-data'], ['*/*'], ['text/*'], [42]]) {
    assert.throws(
      () => inputGuard({ mode: 'block', passTypes: bad as never }),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      JSON.stringify(bad),
    );
  }
  inputGuard({ mode: 'block', scan: ['path', 'query'] });
  assert.ok(configWarnings().some((w) => /inputGuard.*bodies are not scanned/.test(w)));
});

test('real parsers: express.json() on a GET, Hono parseBody() on multipart and c.req.json() on untyped or text/plain bodies never get the payload (block mode)', async () => {
  const e = express();
  e.use(stack([inputGuard({ mode: 'block' })]).express());
  e.use(express.json());
  e.all('/search', (req, res) => void res.json({ got: (req.body as { q?: string } | undefined)?.q ?? null }));
  const h = new Hono();
  h.use(stack([inputGuard({ mode: 'block' })]).hono());
  h.post('/form', async (c) => c.json({ got: (await c.req.parseBody()).q ?? null }));
  h.post('/api', async (c) => c.json({ got: ((await c.req.json()) as { q?: string }).q ?? null }));
  const expressServer = http.createServer(e);
  await new Promise<void>((resolve) => expressServer.listen(0, '127.0.0.1', resolve));
  const honoServer = serveNode({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
  await new Promise<void>((resolve) => (honoServer.listening ? resolve() : honoServer.once('listening', () => resolve())));
  const base = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  try {
    const json = JSON.stringify({ q: SQLI });
    const sent: Array<[string, Promise<Sent>]> = [
      ['express GET + JSON body', send(`${base(expressServer)}/search`, 'GET', ['content-type', 'application/json'], json)],
      [
        'hono multipart parseBody',
        send(
          `${base(honoServer)}/form`,
          'POST',
          ['content-type', 'multipart/form-data; boundary=XX'],
          multipart('XX', [['Content-Disposition: form-data; name="q"', SQLI]]),
        ),
      ],
      [
        'hono multipart octet-stream part',
        send(
          `${base(honoServer)}/form`,
          'POST',
          ['content-type', 'multipart/form-data; boundary=XX'],
          multipart('XX', [['Content-Disposition: form-data; name="q"\r\nContent-Type: application/octet-stream', SQLI]]),
        ),
      ],
      ['hono json without Content-Type', send(`${base(honoServer)}/api`, 'POST', [], json)],
      ['hono json as text/plain', send(`${base(honoServer)}/api`, 'POST', ['content-type', 'text/plain'], json)],
      ['hono json as text/json', send(`${base(honoServer)}/api`, 'POST', ['content-type', 'text/json'], json)],
    ];
    for (const [what, response] of sent) {
      const r = await response;
      assert.equal(r.status, 403, `${what}: ${r.status} ${r.body.slice(0, 120)}`);
    }
    const ok = await send(
      `${base(honoServer)}/form`,
      'POST',
      ['content-type', 'multipart/form-data; boundary=XX'],
      multipart('XX', [['Content-Disposition: form-data; name="q"', "Conor O'Brien"]]),
    );
    assert.deepEqual([ok.status, JSON.parse(ok.body)], [200, { got: "Conor O'Brien" }], 'a benign form reaches parseBody intact');
    const okJson = await send(`${base(expressServer)}/search`, 'GET', ['content-type', 'application/json'], JSON.stringify({ q: 'shoes' }));
    assert.deepEqual([okJson.status, JSON.parse(okJson.body)], [200, { got: 'shoes' }], 'a benign GET body reaches express.json() intact');
  } finally {
    expressServer.closeAllConnections();
    honoServer.closeAllConnections();
    await Promise.all([new Promise((r) => expressServer.close(r)), new Promise((r) => honoServer.close(r))]);
  }
});
