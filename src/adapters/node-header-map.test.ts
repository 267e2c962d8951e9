import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { storeHeader } from './node-header-map.ts';

/** One real request to a server whose handler is `handle`; the raw response head as received. */
async function exchange(handle: (res: http.ServerResponse) => void): Promise<{ status: number; raw: string[]; errors: string[] }> {
  const errors: string[] = [];
  const server = http.createServer((_req, res) => {
    try {
      handle(res);
    } catch (error) {
      errors.push((error as NodeJS.ErrnoException).code ?? String(error));
    }
    if (!res.headersSent) res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject);
    });
    response.resume();
    return { status: response.statusCode ?? 0, raw: response.rawHeaders, errors };
  } finally {
    server.close();
  }
}

test('storeHeader: the header is in node’s map (read back, listed, removable, replaced) and sent once, in the case given', async () => {
  const seen: unknown[] = [];
  const { raw } = await exchange((res) => {
    for (let i = 0; i < 3; i++) storeHeader(res, 'X-Frame-Options', 'DENY'); // known text the second time
    storeHeader(res, 'Cross-Origin-Opener-Policy', 'same-origin');
    storeHeader(res, 'X-Removed', 'yes');
    seen.push(res.getHeader('x-frame-options'), res.hasHeader('X-Removed'), res.getHeaderNames().includes('cross-origin-opener-policy'));
    res.removeHeader('x-removed');
    res.setHeader('cross-origin-opener-policy', 'unsafe-none'); // the app's later value wins
  });
  assert.deepEqual(seen, ['DENY', true, true]);
  assert.equal(raw.filter((v) => v === 'X-Frame-Options').length, 1);
  assert.equal(raw[raw.indexOf('X-Frame-Options') + 1], 'DENY');
  assert.equal(raw.indexOf('X-Removed'), -1);
  assert.equal(raw[raw.findIndex((v) => v.toLowerCase() === 'cross-origin-opener-policy') + 1], 'unsafe-none');
});

test('storeHeader: invalid names and values are refused as setHeader refuses them, even for a name already known', async () => {
  const errors: string[] = [];
  const { raw } = await exchange((res) => {
    storeHeader(res, 'X-Known', 'fine');
    for (const [name, value] of [
      ['X-Known', 'bad\r\nInjected: yes'],
      ['X-Known', 'nul\u0000'],
      ['Bad Name', 'v'],
      ['', 'v'],
    ] as const) {
      try {
        storeHeader(res, name, value);
      } catch (error) {
        errors.push((error as NodeJS.ErrnoException).code ?? String(error));
      }
    }
  });
  assert.deepEqual(errors, ['ERR_INVALID_CHAR', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_HTTP_TOKEN']);
  assert.equal(raw[raw.indexOf('X-Known') + 1], 'fine');
  assert.equal(raw.indexOf('Injected'), -1);
});

test('storeHeader: after the head is sent it throws ERR_HTTP_HEADERS_SENT, as setHeader does', async () => {
  const { errors } = await exchange((res) => {
    storeHeader(res, 'X-Before', '1');
    res.end('done');
    storeHeader(res, 'X-Before', '1');
  });
  assert.deepEqual(errors, ['ERR_HTTP_HEADERS_SENT']);
});
