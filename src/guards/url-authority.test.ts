/**
 * Issue 15: on fetch runtimes and Hono, a request built from a full URL with no Host header
 * (Hono's `app.request()`, `fetch(new Request(url))` in tests) is judged by the URL's
 * authority, so the frameworks' test helpers work with `allowedHosts` set. An authority
 * not listed is still refused, and a Host header that disagrees with the URL keeps the
 * canonical-request rule (400, ambiguous target).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { rampart } from '../preset.ts';
import { stack } from '../stack/index.ts';
import { hostGuard } from './host.ts';

process.env.RAMPART_SILENT = '1';

const presetOptions = {
  allowedHosts: ['example.com', 'localhost'],
  csrf: { secret: 'z3gyGvltTMhNHacqnzP3J-ZlWOB3sya8qp0yvV2yXb7BqgF6' },
  log: false as const,
};

test('fetch: new Request(url) with no Host header is judged by the URL authority (preset and hostGuard alone)', async () => {
  const shield = rampart(presetOptions);
  const handler = shield.fetch(() => new Response('ok'), { clientIp: () => '203.0.113.7' });
  const guardOnly = stack([hostGuard({ allowedHosts: ['example.com'] })]).fetch(() => new Response('ok'));
  for (const run of [handler, guardOnly]) {
    const request = new Request('https://example.com/x');
    assert.equal(request.headers.get('host'), null, 'the runtime hands no Host header');
    let r = await run(request);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'ok');
    r = await run(new Request('https://example.com:8443/x'));
    assert.equal(r.status, 200, 'a port does not change the host name');
    await r.arrayBuffer();
    r = await run(new Request('https://evil.example/x'));
    assert.equal(r.status, 400, 'an authority not in allowedHosts is refused');
    assert.match(await r.text(), /Invalid host/);
    r = await run(new Request('https://example.com/x', { headers: { host: 'evil.example' } }));
    assert.equal(r.status, 400, 'a Host header disagreeing with the URL keeps the ambiguous-target rule');
    assert.match(await r.text(), /ambiguous/);
    r = await run(new Request('https://example.com/x', { headers: { host: 'example.com' } }));
    assert.equal(r.status, 200, 'a Host header agreeing with the URL is fine');
    await r.arrayBuffer();
  }
  await shield.close();
});

test("Hono: app.request('/x') and app.request(url) pass allowedHosts by the URL authority; other authorities get 400", async () => {
  const shield = rampart(presetOptions);
  const app = new Hono();
  app.use(shield.hono({ clientIp: () => '203.0.113.8' }));
  app.get('/x', (c) => c.text('ok'));
  let r = await app.request('/x');
  assert.equal(r.status, 200, "app.request('/x') is for http://localhost/x");
  assert.equal(await r.text(), 'ok');
  r = await app.request('http://example.com/x');
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  r = await app.request('http://evil.example/x');
  assert.equal(r.status, 400);
  assert.match(await r.text(), /Invalid host/);
  r = await app.request('http://example.com/x', { headers: { host: 'evil.example' } });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /ambiguous/);

  const strict = new Hono();
  strict.use(stack([hostGuard({ allowedHosts: ['example.com'] })]).hono());
  strict.get('/x', (c) => c.text('ok'));
  r = await strict.request('/x');
  assert.equal(r.status, 400, 'localhost is not listed: fail closed');
  await r.arrayBuffer();
  r = await strict.request('https://example.com/x');
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  await shield.close();
});
