/**
 * rampart behind a real nginx with its common reverse-proxy configuration: X-Forwarded-For
 * appended, X-Forwarded-Proto and Host set, everything else the client sent passed on. A
 * client that adds its own `Forwarded` and `X-Forwarded-For` must get its real address
 * (rate-limit key, log ip) and plain HTTP must stay plain HTTP (httpsRedirect redirects).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { stack } from '../stack/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { httpsRedirect } from '../guards/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { configWarnings } from '../core/events.ts';
import { ADAPTERS, serve, type TestApp } from '../../test/helpers/adapters.ts';
import { startNginx } from '../../test/helpers/services.ts';

/** The client's real address: a loopback address other than nginx's own 127.0.0.1. */
const CLIENT = '127.0.0.2';

/** nginx's usual proxy block (as in most tutorials and the Debian proxy_params). */
const commonProxy = (upstream: string): string => `
    location / {
      proxy_pass ${upstream};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }`;

/** GET through nginx from CLIENT with extra request headers; resolves status, headers and body. */
function get(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { localAddress: CLIENT, headers: { host: 'app.example', ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const spoofs: ReadonlyArray<Record<string, string>> = [
  { forwarded: 'for=1.2.3.4;proto=https', 'x-forwarded-for': '6.6.6.6' },
  { forwarded: 'for=5.5.5.5;proto=https;host=evil.example', 'x-forwarded-for': '7.7.7.7', 'x-forwarded-proto': 'https' },
  { forwarded: 'for="[2001:db8::1]";proto=https' },
];

const whoAmI: TestApp = (req) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ip: req.view?.ip ?? null, secure: req.view?.secure ?? null }),
});

for (const adapter of ADAPTERS) {
  test(`behind nginx (${adapter}): client-sent Forwarded / X-Forwarded-For change neither clientIp, nor the rate-limit key, nor the log ip`, async (t) => {
    const events: SecurityEventRecord[] = [];
    const shield = stack([rateLimit({ maxRequests: spoofs.length, window: 60 })], {
      trustProxy: ['127.0.0.1'],
      events: { emit: (r) => void events.push(r) },
    });
    const app = await serve(adapter, shield, whoAmI);
    t.after(async () => {
      await app.close();
      await shield.close();
    });
    const nginx = await startNginx(t, { server: commonProxy(app.url) });
    if (nginx === undefined) return;
    for (const headers of spoofs) {
      const res = await get(nginx.url, '/whoami', headers);
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.deepEqual(JSON.parse(res.body), { ip: CLIENT, secure: false }, JSON.stringify(headers));
    }
    // Every spoof counted against the one real client: the next request is over the limit.
    const over = await get(nginx.url, '/whoami', { forwarded: 'for=9.9.9.9', 'x-forwarded-for': '8.8.8.8' });
    assert.equal(over.status, 429);
    const hits = events.filter((e) => e.event === 'RATE_LIMIT_HIT');
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.ip, CLIENT);
    // The Forwarded header nginx passed on is announced (once per process), naming the option.
    assert.ok(
      configWarnings().some((m) => m.startsWith("proxyHeaders: 'x-forwarded'")),
      'CONFIG_WARNING about proxyHeaders',
    );
  });

  test(`behind nginx (${adapter}): Forwarded proto=https on plain HTTP still redirects`, async (t) => {
    const shield = stack([httpsRedirect({ allowedHosts: ['app.example'] })], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } });
    const app = await serve(adapter, shield, whoAmI);
    t.after(async () => {
      await app.close();
      await shield.close();
    });
    const nginx = await startNginx(t, { server: commonProxy(app.url) });
    if (nginx === undefined) return;
    for (const headers of spoofs) {
      const res = await get(nginx.url, '/account?x=1', headers);
      assert.equal(res.status, 301, JSON.stringify(headers));
      assert.equal(res.headers.location, 'https://app.example/account?x=1');
    }
  });
}

test('behind nginx with proxyHeaders: forwarded, the proxy-set Forwarded header is read and X-Forwarded-For ignored', async (t) => {
  const shield = stack([], { trustProxy: ['127.0.0.1'], proxyHeaders: 'forwarded', events: { emit: () => undefined } });
  const app = await serve('node', shield, whoAmI);
  t.after(async () => {
    await app.close();
    await shield.close();
  });
  // A proxy that speaks RFC 7239 replaces whatever Forwarded the client sent.
  const server = `
    location / {
      proxy_pass ${app.url};
      proxy_set_header Host $host;
      proxy_set_header Forwarded "for=$remote_addr;proto=$scheme";
    }`;
  const nginx = await startNginx(t, { server });
  if (nginx === undefined) return;
  const res = await get(nginx.url, '/', { forwarded: 'for=1.2.3.4;proto=https', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' });
  assert.deepEqual(JSON.parse(res.body), { ip: CLIENT, secure: false });
});
