import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import test from 'node:test';
import { PAGE_CSP } from '../core/rejection-page.ts';
import { rampart } from '../preset.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const XSS = '"><script>alert(1)</script><svg onload=alert(2)>';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request with exactly these headers (node:http lets a test set Host). */
function request(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function assertPage(answer: Answer, status: number, heading: string): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(answer.headers['content-length'], String(answer.body.byteLength));
  assert.equal(answer.headers['cache-control'], 'no-store');
  assert.equal(answer.headers['content-security-policy'], PAGE_CSP);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', 'the security headers still apply');
  assert.match(answer.text, /^<!doctype html>/);
  assert.ok(answer.text.includes(`<title>${status} ${heading}</title>`), answer.text);
  assert.ok(answer.text.includes(`<h1>${heading}</h1>`), answer.text);
  assert.ok(!/<script|onload|alert|<svg/i.test(answer.text), 'nothing from the request is echoed');
}

function assertProblem(answer: Answer, status: number): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers['content-type'], 'application/problem+json');
  assert.equal(JSON.parse(answer.text).status, status);
}

test('a browser gets an HTML page for 429 (Retry-After shown), an API client problem+json', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ log: false, rateLimit: { maxRequests: 1, window: 60 } }),
    async (app) => {
      assert.equal((await request(app.url, '/')).status, 200);
      const page = await request(app.url, `/x?q=${encodeURIComponent(XSS)}`, { headers: { accept: BROWSER, 'user-agent': XSS, 'x-evil': XSS } });
      assertPage(page, 429, 'Too many requests');
      const retry = page.headers['retry-after'];
      assert.match(String(retry), /^\d+$/);
      assert.ok(page.text.includes(`Please wait ${retry} seconds before trying again.`), page.text);
      assertProblem(await request(app.url, '/'), 429);
      assertProblem(await request(app.url, '/', { headers: { accept: '*/*' } }), 429);
      assertProblem(await request(app.url, '/', { headers: { accept: 'application/json, text/html' } }), 429);
      assertPage(await request(app.url, '/', { headers: { accept: 'application/json;q=0.5, text/html' } }), 429, 'Too many requests');
    },
  );
});

test('CSRF 403, host 400, body 413 and an ambiguous target answer browsers with a page that echoes nothing', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ log: false, allowedHosts: ['localhost', '127.0.0.1'], bodyLimit: 16, rateLimit: false }),
    async (app) => {
      const port = new URL(app.url).port;
      const csrf = await request(app.url, `/form?${encodeURIComponent(XSS)}`, {
        method: 'POST',
        headers: {
          accept: BROWSER,
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
          'content-type': 'application/x-www-form-urlencoded',
          referer: XSS,
        },
        body: 'a=1',
      });
      assertPage(csrf, 403, 'This form could not be verified');
      const host = await request(app.url, '/', { headers: { accept: BROWSER, host: `evil.example:${port}`, 'x-forwarded-host': XSS } });
      assertPage(host, 400, 'Bad request');
      const big = await request(app.url, '/upload', {
        method: 'POST',
        headers: { accept: BROWSER, 'content-type': 'text/plain', 'sec-fetch-site': 'same-origin', origin: app.url },
        body: 'x'.repeat(64),
      });
      assertPage(big, 413, 'Request too large');
      const target = await request(app.url, `/a%2F${encodeURIComponent(XSS)}/b`, { headers: { accept: BROWSER } });
      assertPage(target, 400, 'Bad request');
      // API clients: problem+json as before
      assertProblem(await request(app.url, '/', { headers: { host: 'evil.example' } }), 400);
      assertProblem(
        await request(app.url, '/form', { method: 'POST', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, body: 'a=1' }),
        403,
      );
    },
  );
});

/** Write `head`, then the body chunks, on a raw socket; resolve with the response head and body once the server closes or answers. */
function rawExchange(url: string, head: string, chunks: readonly string[], waitMs = 15_000): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(head);
      for (const chunk of chunks) socket.write(chunk);
    });
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      response += c;
      if (/<\/html>|\}$/.test(response)) socket.end();
    });
    const timer = setTimeout(() => socket.destroy(), waitMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(response);
    };
    socket.on('close', done);
    socket.on('error', (error) => (response === '' ? reject(error) : done()));
  });
}

test('the 413 for a chunked body cut while the app reads it, and the 408 for a stalled body, are pages for browsers too', async (t) => {
  await forEachAdapter(
    t,
    () => rampart({ log: false, bodyLimit: { maxBytes: 16, idleTimeout: 1 }, rateLimit: false, csrf: false }),
    async (app) => {
      const head = (accept: string): string =>
        `POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const chunk = `20\r\n${'x'.repeat(32)}\r\n`;
      const page = await rawExchange(app.url, head(BROWSER), [chunk, chunk, '0\r\n\r\n']);
      assert.match(page, /^HTTP\/1\.1 413 /);
      assert.match(page, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
      assert.ok(page.includes('<h1>Request too large</h1>'), page);
      const problem = await rawExchange(app.url, head('*/*'), [chunk, chunk, '0\r\n\r\n']);
      assert.match(problem, /^HTTP\/1\.1 413 /);
      assert.match(problem, /\r\ncontent-type: application\/problem\+json\r\n/i);
      const stalled = await rawExchange(app.url, head(BROWSER), ['4\r\nabcd\r\n']);
      assert.match(stalled, /^HTTP\/1\.1 408 /);
      assert.ok(stalled.includes('<h1>Request timed out</h1>'), stalled);
    },
  );
});
