import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { csrf, csrfToken, rotateCsrf, type CsrfOptions } from './index.ts';
import { TokenSigner, unmaskToken } from './token.ts';
import { stack, type StackOptions } from '../stack/index.ts';
import { forEachAdapter, type RunningApp, type TestApp } from '../../test/helpers/adapters.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { isRampartError } from '../errors.ts';

process.env.RAMPART_SILENT = '1';

const SECRET = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';
const OTHER = 'Zq8Lm3Np7Rt2Vx6Bc1Df5Gh9Jk4Ws0Ey3Ua8Io2Pe6Q=';
// Masked on the wire (BREACH): base64url of a 64-byte pad and the 64-byte token XOR the pad.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{171}$/;

function shieldFactory(options: Partial<CsrfOptions> = {}, stackOptions: StackOptions = {}, events: SecurityEventRecord[] = []) {
  return () => stack([csrf({ secret: SECRET, ...options })], { events: { emit: (r) => void events.push(r) }, ...stackOptions });
}

/** Cookie name → value from a response's Set-Cookie lines, plus the raw lines. */
function setCookies(r: Response): string[] {
  return r.headers.getSetCookie();
}

async function getToken(app: RunningApp, cookieName = 'csrf_token'): Promise<string> {
  const r = await fetch(`${app.url}/form`);
  const line = setCookies(r).find((l) => l.startsWith(`${cookieName}=`));
  assert.ok(line, 'a token cookie is issued on GET');
  await r.arrayBuffer();
  return line.slice(cookieName.length + 1).split(';')[0]!;
}

interface Send {
  method?: string;
  cookie?: string;
  token?: string;
  body?: BodyInit;
  contentType?: string;
  headers?: Record<string, string>;
}

/** The test app's JSON answer (or a problem document); the text itself when it is not JSON. */
type Answer = { reason: string; detail: string; body: string; locals: { csrfToken: string } };

async function send(app: RunningApp, path: string, s: Send): Promise<{ status: number; json: Answer; response: Response }> {
  const headers: Record<string, string> = { ...s.headers };
  if (s.cookie !== undefined) headers.cookie = `other=1; csrf_token=${s.cookie}`;
  if (s.token !== undefined) headers['x-csrf-token'] = s.token;
  if (s.contentType !== undefined) headers['content-type'] = s.contentType;
  const response = await fetch(`${app.url}${path}`, { method: s.method ?? 'POST', headers, body: s.body ?? null, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  let json: Answer;
  try {
    json = JSON.parse(text) as Answer;
  } catch {
    json = text as unknown as Answer;
  }
  return { status: response.status, json, response };
}

function assertRejected(r: { status: number; json: Answer; response: Response }, reason: string, secretValues: string[] = []): void {
  assert.equal(r.status, 403, `expected 403 ${reason}, got ${r.status} ${JSON.stringify(r.json)}`);
  assert.equal(r.response.headers.get('content-type'), 'application/problem+json');
  assert.equal(r.json.reason, reason);
  assert.match(r.json.detail, new RegExp(reason));
  const raw = JSON.stringify(r.json);
  for (const v of secretValues) assert.equal(raw.includes(v), false, 'the body never reveals a token');
  assert.equal(r.response.headers.getSetCookie().length, 0, 'a rejection sets no cookie');
}

test('safe methods pass and receive a token cookie with the expected attributes; a valid cookie is kept', async (t) => {
  await forEachAdapter(t, shieldFactory(), async (app) => {
    const r = await fetch(`${app.url}/form`);
    assert.equal(r.status, 200);
    const lines = setCookies(r);
    assert.equal(lines.length, 1);
    const [pair, ...attrs] = lines[0]!.split('; ');
    assert.match(pair!, /^csrf_token=/);
    const token = pair!.slice('csrf_token='.length);
    assert.match(token, TOKEN_SHAPE);
    assert.deepEqual(attrs.sort(), ['Path=/', 'SameSite=Lax'], 'not HttpOnly (scripts read it), not Secure over http');
    const body = await r.json();
    assert.equal(body.locals.csrfToken, token, 'handlers see the token set in this response');

    const again = await fetch(`${app.url}/form`, { headers: { cookie: `csrf_token=${token}` } });
    assert.equal(setCookies(again).length, 0, 'a valid cookie is not replaced');
    const remasked = (await again.json()).locals.csrfToken;
    assert.match(remasked, TOKEN_SHAPE);
    assert.notEqual(remasked, token, 'the same token, masked afresh for this response');
    assert.equal(unmaskToken(remasked), unmaskToken(token));

    for (const method of ['HEAD', 'OPTIONS']) {
      const h = await fetch(`${app.url}/form`, { method });
      assert.notEqual(h.status, 403, method);
      await h.arrayBuffer();
    }

    // A forged or foreign cookie on a safe request is replaced by a fresh valid one.
    const forged = `${token.slice(0, 44)}${'A'.repeat(43)}`;
    const replaced = await fetch(`${app.url}/form`, { headers: { cookie: `csrf_token=${forged}` } });
    const fresh = setCookies(replaced)[0]?.split(';')[0]?.slice('csrf_token='.length);
    assert.match(fresh ?? '', TOKEN_SHAPE);
    assert.notEqual(fresh, forged);
    assert.equal((await replaced.json()).locals.csrfToken, fresh);
  });
});

test('unsafe methods need the header token to equal a validly signed cookie', async (t) => {
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(t, shieldFactory({}, {}, events), async (app) => {
    events.length = 0;
    const token = await getToken(app);
    const other = await getToken(app);

    const ok = await send(app, '/submit', { cookie: token, token, body: '{"a":1}', contentType: 'application/json' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.body, '{"a":1}', 'the app reads the body');
    assert.equal(unmaskToken(ok.json.locals.csrfToken), unmaskToken(token), 'the handler sees the same token, masked afresh');

    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      assertRejected(await send(app, '/submit', { method, cookie: token }), 'missing token', [token]);
      assert.equal((await send(app, '/submit', { method, cookie: token, token })).status, 200, method);
    }

    assertRejected(await send(app, '/submit', {}), 'missing token');
    assertRejected(await send(app, '/submit', { token }), 'missing token', [token]);
    assertRejected(await send(app, '/submit', { cookie: token }), 'missing token', [token]);
    assertRejected(await send(app, '/submit', { cookie: token, token: '' }), 'missing token', [token]);
    assertRejected(await send(app, '/submit', { cookie: token, token: other }), 'token mismatch', [token, other]);
    assertRejected(await send(app, '/submit', { cookie: other, token }), 'token mismatch', [token, other]);
    // Attacker-chosen pair: equal but not signed by us.
    const forged = `${'a'.repeat(43)}.${'b'.repeat(43)}`;
    assertRejected(await send(app, '/submit', { cookie: forged, token: forged }), 'bad signature');
    // Signed with another secret.
    const foreign = new TokenSigner([OTHER]).issue('');
    assertRejected(await send(app, '/submit', { cookie: foreign, token: foreign }), 'bad signature');
    // JSON bodies are not searched for the field: JSON uses the header.
    assertRejected(
      await send(app, '/submit', { cookie: token, body: JSON.stringify({ _csrf_token: token }), contentType: 'application/json' }),
      'missing token',
      [token],
    );
    // text/plain forms (what a cross-site form can send without preflight) are not parsed either.
    assertRejected(await send(app, '/submit', { cookie: token, body: `_csrf_token=${token}`, contentType: 'text/plain' }), 'missing token', [token]);

    const violation = events.find((e) => e.event === 'CSRF_VIOLATION' && e.detail === 'token mismatch');
    assert.ok(violation, 'a CSRF_VIOLATION event is emitted');
    assert.equal(violation.ip, '127.0.0.1');
    assert.equal(violation.path, '/submit');
    assert.equal(typeof violation.userAgent, 'string');
    for (const e of events) assert.equal(JSON.stringify(e).includes(token), false, 'events never carry tokens');
  });
});

test('unknown methods are unsafe', async (t) => {
  await forEachAdapter(t, shieldFactory(), async (app) => {
    const token = await getToken(app);
    for (const method of ['PROPFIND', 'PURGE']) {
      const r = await send(app, '/x', { method, cookie: token });
      // Fastify/Hono may refuse unknown methods themselves; what must never happen is a pass.
      assert.notEqual(r.status, 200, method);
      if (app.adapter === 'node' || app.adapter === 'express' || app.adapter === 'fetch') assertRejected(r, 'missing token', [token]);
    }
  });
});

test('the form field works for urlencoded and multipart bodies, and the app still receives the identical body', async (t) => {
  await forEachAdapter(t, shieldFactory(), async (app) => {
    const token = await getToken(app);
    const urlencoded = `title=caf%C3%A9+au+lait&_csrf_token=${encodeURIComponent(token)}&n=${'z'.repeat(3000)}`;
    for (const contentType of ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-Urlencoded; Charset=UTF-8']) {
      const r = await send(app, '/submit', { cookie: token, body: urlencoded, contentType });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.body, urlencoded, 'identical body reaches the app');
    }
    assertRejected(
      await send(app, '/submit', { cookie: token, body: 'title=x&_csrf_token=wrong', contentType: 'application/x-www-form-urlencoded' }),
      'token mismatch',
      [token],
    );
    assertRejected(await send(app, '/submit', { cookie: token, body: 'title=x', contentType: 'application/x-www-form-urlencoded' }), 'missing token', [token]);

    const boundary = '----rampartBoundary7MA4YWxkTrZu0gW';
    const multipart =
      `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n${'f'.repeat(5000)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n${token}\r\n--${boundary}--\r\n`;
    const m = await send(app, '/upload', { cookie: token, body: multipart, contentType: `multipart/form-data; boundary=${boundary}` });
    assert.equal(m.status, 200, JSON.stringify(m.json));
    assert.equal(m.json.body, multipart, 'identical multipart body reaches the app');

    const asFile = multipart.replace('name="_csrf_token"', 'name="_csrf_token"; filename="t"');
    assertRejected(await send(app, '/upload', { cookie: token, body: asFile, contentType: `multipart/form-data; boundary=${boundary}` }), 'missing token', [
      token,
    ]);

    // A FormData body as a browser/undici serialises it.
    const fd = new FormData();
    fd.append('_csrf_token', token);
    fd.append('doc', new Blob(['%PDF-1.7 ...']), 'doc.pdf');
    const f = await send(app, '/upload', { cookie: token, body: fd });
    assert.equal(f.status, 200, JSON.stringify(f.json));
    assert.match(f.json.body, /doc\.pdf/);
  });
});

test('form bodies over bodyLimit are not buffered: the request is rejected as missing token', async (t) => {
  await forEachAdapter(t, shieldFactory({ bodyLimit: 1024 }), async (app) => {
    const token = await getToken(app);
    const big = `_csrf_token=${token}&pad=${'p'.repeat(4000)}`;
    assertRejected(await send(app, '/submit', { cookie: token, body: big, contentType: 'application/x-www-form-urlencoded' }), 'missing token', [token]);
    // The header still works for large bodies.
    assert.equal((await send(app, '/submit', { cookie: token, token, body: big, contentType: 'application/x-www-form-urlencoded' })).status, 200);
    // A chunked body (no Content-Length) over the limit too.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(i === 0 ? `_csrf_token=${token}&pad=` : 'p'.repeat(1000)));
        c.close();
      },
    });
    const r = await fetch(`${app.url}/submit`, {
      method: 'POST',
      headers: { cookie: `csrf_token=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(r.status, 403);
    await r.arrayBuffer();
  });
});

test('fetch-metadata / Origin layer (mode both)', async (t) => {
  await forEachAdapter(t, shieldFactory({ trustedOrigins: ['https://partner.example', 'https://app.example.com'] }), async (app) => {
    const token = await getToken(app);
    const base = { cookie: token, token };
    const own = app.url; // http://127.0.0.1:port
    const pass = async (headers: Record<string, string>) => assert.equal((await send(app, '/s', { ...base, headers })).status, 200, JSON.stringify(headers));
    const fail = async (headers: Record<string, string>) => assertRejected(await send(app, '/s', { ...base, headers }), 'cross-site request', [token]);

    await pass({ 'sec-fetch-site': 'same-origin', origin: own });
    await pass({ 'sec-fetch-site': 'none' });
    await fail({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    await fail({ 'sec-fetch-site': 'same-site', origin: own.replace('127.0.0.1', '127.0.0.2') });
    await fail({ 'sec-fetch-site': 'cross-site' });
    await fail({ 'sec-fetch-site': 'bogus', origin: 'https://evil.example' });
    await pass({ 'sec-fetch-site': 'cross-site', origin: 'https://partner.example' });
    await pass({ 'sec-fetch-site': 'cross-site', origin: 'https://PARTNER.example:443' });
    await pass({ 'sec-fetch-site': 'same-site', origin: 'https://app.example.com' });
    await fail({ 'sec-fetch-site': 'cross-site', origin: 'https://partner.example.evil' });
    // No Sec-Fetch-Site: the Origin must be the request's own origin.
    await pass({ origin: own });
    await pass({});
    await fail({ origin: 'https://evil.example' });
    await fail({ origin: 'null' });
    await fail({ origin: own.replace('http:', 'https:') });
    await fail({ origin: own.replace(/:\d+$/, ':1') });
    await pass({ origin: 'https://partner.example' });
    // Passing the origin layer is not enough: the token is still checked.
    assertRejected(await send(app, '/s', { cookie: token, headers: { 'sec-fetch-site': 'same-origin' } }), 'missing token', [token]);
  });
});

test('the origin check uses the secure flag and the trusted-proxy host', async (t) => {
  await forEachAdapter(t, shieldFactory({}, { trustProxy: ['127.0.0.1'] }), async (app) => {
    const token = await getToken(app);
    const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' };
    assert.equal((await send(app, '/s', { cookie: token, token, headers: { ...proxied, origin: 'https://shop.example' } })).status, 200);
    assertRejected(await send(app, '/s', { cookie: token, token, headers: { ...proxied, origin: 'http://shop.example' } }), 'cross-site request');
    // Secure requests get a Secure cookie.
    const r = await fetch(`${app.url}/`, { headers: proxied });
    assert.match(setCookies(r)[0] ?? '', /; Secure/);
    await r.arrayBuffer();
  });
});

test("mode 'origin' needs no token and sets no cookie; mode 'token' ignores fetch metadata", async (t) => {
  await forEachAdapter(
    t,
    () => stack([csrf({ mode: 'origin' })]),
    async (app) => {
      const r = await fetch(`${app.url}/`);
      assert.equal(setCookies(r).length, 0);
      assert.equal((await r.json()).locals?.csrfToken, undefined);
      assert.equal((await send(app, '/s', { headers: { 'sec-fetch-site': 'same-origin' } })).status, 200);
      assert.equal((await send(app, '/s', {})).status, 200, 'non-browser client without Origin');
      assertRejected(await send(app, '/s', { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } }), 'cross-site request');
    },
  );
  await forEachAdapter(t, shieldFactory({ mode: 'token' }), async (app) => {
    const token = await getToken(app);
    assert.equal((await send(app, '/s', { cookie: token, token, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://x.example' } })).status, 200);
    assertRejected(await send(app, '/s', { headers: { 'sec-fetch-site': 'same-origin' } }), 'missing token');
  });
});

test('API clients skip CSRF only with a configured header or a Bearer token; cookies alone never do', async (t) => {
  await forEachAdapter(t, shieldFactory({ apiKeyHeader: ['x-api-key', 'authorization'] }), async (app) => {
    const token = await getToken(app);
    assert.equal((await send(app, '/api', { headers: { 'x-api-key': 'rk_live_abc' } })).status, 200);
    assert.equal((await send(app, '/api', { headers: { authorization: 'Bearer eyJhbGciOi' } })).status, 200);
    assert.equal((await send(app, '/api', { headers: { authorization: 'bearer eyJhbGciOi' } })).status, 200);
    assertRejected(await send(app, '/api', { headers: { authorization: 'Basic dTpw' } }), 'missing token');
    assertRejected(await send(app, '/api', { headers: { authorization: 'Bearer ' } }), 'missing token');
    assertRejected(await send(app, '/api', { headers: { 'x-api-key': '' } }), 'missing token');
    assertRejected(await send(app, '/api', { cookie: token, headers: { cookie: `x-api-key=1; csrf_token=${token}` } }), 'missing token');
  });
  await forEachAdapter(t, shieldFactory(), async (app) => {
    assertRejected(await send(app, '/api', { headers: { 'x-api-key': 'k', authorization: 'Bearer t' } }), 'missing token');
  });
  await forEachAdapter(t, shieldFactory({ skip: (req) => req.header('x-signed') === 'yes' }), async (app) => {
    assert.equal((await send(app, '/api', { headers: { 'x-signed': 'yes' } })).status, 200);
    assertRejected(await send(app, '/api', { headers: { 'x-signed': 'no' } }), 'missing token');
  });
});

/** A raw HTTP/1.1 request so the path is sent exactly as written (fetch normalises `..`). */
function rawPost(url: string, path: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-length': '0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

test('exemptPaths: canonical prefix match only', async (t) => {
  await forEachAdapter(t, shieldFactory({ exemptPaths: ['/webhooks/'] }), async (app) => {
    assert.equal(await rawPost(app.url, '/webhooks/stripe'), 200);
    assert.equal(await rawPost(app.url, '/webhooks/stripe?x=1'), 200);
    for (const path of [
      '/webhooks/../admin',
      '/webhooks/%2e%2e/admin',
      '/webhooks/%2E%2E/admin',
      '/webhooks//admin',
      '/webhooks/%252e%252e/admin',
      '/Webhooks/stripe',
      '/webhooks',
      '/admin',
    ]) {
      // A `..` segment (raw or encoded) is refused by the stack before CSRF: 400 (src/stack/canonical-path.test.ts).
      assert.equal(await rawPost(app.url, path), /\.\.|%2e%2e/i.test(path) ? 400 : 403, path);
    }
  });
});

test('hostPrefix: __Host- cookie, Secure, Path=/, no Domain', async (t) => {
  await forEachAdapter(t, shieldFactory({ hostPrefix: true }), async (app) => {
    const r = await fetch(`${app.url}/`);
    const line = setCookies(r)[0] ?? '';
    await r.arrayBuffer();
    assert.match(line, /^__Host-csrf_token=[A-Za-z0-9_-]{171}; Path=\/; Secure; SameSite=Lax$/);
    const token = line.split(';')[0]!.slice('__Host-csrf_token='.length);
    assert.equal((await send(app, '/s', { token, headers: { cookie: `__Host-csrf_token=${token}` } })).status, 200);
    // The unprefixed cookie (which a sibling subdomain could plant) is not read.
    assertRejected(await send(app, '/s', { cookie: token, token }), 'missing token');
  });
});

test('sessionId binds tokens: a token planted from another session fails and is replaced on the next GET', async (t) => {
  const sessionId = (req: { cookie(n: string): string | undefined }) => req.cookie('sid');
  await forEachAdapter(t, shieldFactory({ sessionId }), async (app) => {
    const r = await fetch(`${app.url}/`, { headers: { cookie: 'sid=attacker' } });
    const attackerToken = setCookies(r)[0]!.split(';')[0]!.slice('csrf_token='.length);
    await r.arrayBuffer();
    const victim = { cookie: `sid=victim; csrf_token=${attackerToken}` };
    assertRejected(await send(app, '/s', { token: attackerToken, headers: victim }), 'bad signature', [attackerToken]);
    assert.equal((await send(app, '/s', { token: attackerToken, headers: { cookie: `sid=attacker; csrf_token=${attackerToken}` } })).status, 200);
    const g = await fetch(`${app.url}/`, { headers: victim });
    const fresh = setCookies(g)[0]?.split(';')[0]?.slice('csrf_token='.length);
    await g.arrayBuffer();
    assert.match(fresh ?? '', TOKEN_SHAPE);
    assert.equal((await send(app, '/s', { token: fresh!, headers: { cookie: `sid=victim; csrf_token=${fresh}` } })).status, 200);
  });
});

test('secret rotation: tokens signed with the previous secret still pass', async (t) => {
  const old = new TokenSigner([OTHER]).issue('');
  await forEachAdapter(t, shieldFactory({ secret: [SECRET, OTHER] }), async (app) => {
    assert.equal((await send(app, '/s', { cookie: old, token: old })).status, 200);
    const fresh = await getToken(app);
    assert.equal(new TokenSigner([SECRET]).verify(unmaskToken(fresh)!, ''), true, 'the first secret signs');
  });
});

test('csrfToken(req) and rotateCsrf(req) work with every adapter native request', async (t) => {
  const app: TestApp = (req) => {
    const before = csrfToken(req.native);
    const rotated = req.path === '/login' ? rotateCsrf(req.native) : undefined;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ before, rotated, after: csrfToken(req.native) }) };
  };
  await forEachAdapter(
    t,
    shieldFactory(),
    async (running) => {
      const token = await getToken(running);
      const r = await fetch(`${running.url}/login`, { method: 'POST', headers: { cookie: `csrf_token=${token}`, 'x-csrf-token': token } });
      const body = await r.json();
      assert.equal(unmaskToken(body.before), unmaskToken(token));
      assert.match(body.rotated, TOKEN_SHAPE);
      assert.notEqual(unmaskToken(body.rotated), unmaskToken(token));
      assert.equal(body.after, body.rotated);
      const cookie = setCookies(r).find((l) => l.startsWith('csrf_token='));
      assert.equal(cookie?.split(';')[0], `csrf_token=${body.rotated}`, 'the rotated token is set as the cookie');
      const page = await fetch(`${running.url}/page`, { headers: { cookie: `csrf_token=${token}` } });
      assert.equal(unmaskToken((await page.json()).before), unmaskToken(token));
    },
    app,
  );
  assert.throws(
    () => rotateCsrf({}),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CSRF_NOT_MOUNTED'),
  );
  assert.equal(csrfToken({}), undefined);
  assert.equal(csrfToken(null), undefined);
});

test('rotateCsrf accepts the node response object too', async () => {
  const shield = stack([csrf({ secret: SECRET })]);
  const server = http.createServer(shield.node((_req, res) => res.end(rotateCsrf(res))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const token = await r.text();
    assert.match(token, TOKEN_SHAPE);
    assert.equal(r.headers.getSetCookie().at(-1)?.split(';')[0], `csrf_token=${token}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('construction errors: secret strength, unknown options, bad values; options are not mutated', () => {
  const code = (fn: () => unknown, expected: string) => assert.throws(fn, (e: unknown) => isRampartError(e) && e.code === expected && e.message.length > 20);
  code(() => csrf({} as never), 'ERR_RAMPART_CSRF_SECRET');
  code(() => csrf({ secret: 'short' }), 'ERR_RAMPART_CSRF_SECRET');
  code(() => csrf({ secret: 'your-csrf-secret-your-csrf-secret!!' }), 'ERR_RAMPART_CSRF_SECRET');
  code(() => csrf({ secret: 'changeme-changeme-changeme-changeme' }), 'ERR_RAMPART_CSRF_SECRET');
  code(() => csrf({ secret: 'a'.repeat(64) }), 'ERR_RAMPART_CSRF_SECRET');
  code(() => csrf({ secret: [SECRET, 'short'] }), 'ERR_RAMPART_CSRF_SECRET');
  code(() => csrf({ secret: [] }), 'ERR_RAMPART_CONFIG');
  assert.throws(() => csrf({ secret: 'short' }), /openssl rand/);
  code(() => csrf({ secret: SECRET, exemptPath: ['/x/'] } as never), 'ERR_RAMPART_UNKNOWN_OPTION');
  assert.throws(() => csrf({ secret: SECRET, exemptPath: ['/x/'] } as never), /exemptPaths/);
  code(() => csrf({ secret: SECRET, mode: 'strict' as never }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, cookieName: 'a b' }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, cookieName: '__Host-x' }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, headerName: 'x\r\ny' }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, exemptPaths: ['/'] }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, trustedOrigins: ['*'] }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, trustedOrigins: ['https://a.example/x'] }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, apiKeyHeader: 'cookie' }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, bodyLimit: -1 }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, hostPrefix: 'yes' as never }), 'ERR_RAMPART_CONFIG');
  code(() => csrf({ secret: SECRET, sessionId: 'sid' as never }), 'ERR_RAMPART_CONFIG');
  code(() => csrf(null as never), 'ERR_RAMPART_CONFIG');

  const options = Object.freeze({
    secret: Object.freeze([SECRET, OTHER]),
    exemptPaths: Object.freeze(['/webhooks/']),
    trustedOrigins: Object.freeze(['https://a.example']),
  });
  const m = csrf(options as CsrfOptions);
  assert.equal(m.name, 'csrf');
  assert.equal(typeof m.handle, 'function');
  assert.equal(csrf({ mode: 'origin' }).name, 'csrf', 'origin mode needs no secret');
});
