/**
 * CSRF in a real browser: Debian Chromium driven by playwright-core, two loopback sites.
 * App: http://127.0.0.1:A (rampart csrf). Attacker: http://127.0.0.2:B (another site) and
 * http://127.0.0.1:C (same site, other origin: cookies are not port-scoped, so this page
 * can even read the token cookie).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser } from '../helpers/browser.ts';
import { csrf, csrfToken } from '../../src/csrf/index.ts';
import { stack } from '../../src/stack/index.ts';
import type { SecurityEventRecord } from '../../src/core/types.ts';

process.env.RAMPART_SILENT = '1';
const SECRET = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';

function listen(server: http.Server, host: string): Promise<string> {
  return new Promise((resolve) => server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)));
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function html(res: http.ServerResponse, body: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html><body>${body}</body></html>`);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

test('CSRF in Chromium: same-origin forms and fetches pass, cross-site and same-site attacks are rejected', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;

  const events: SecurityEventRecord[] = [];
  const reached: Array<{ path: string; body: string }> = [];
  const shield = stack([csrf({ secret: SECRET })], { events: { emit: (e) => void events.push(e) } });
  const app = http.createServer(
    shield.node(async (req, res) => {
      const path = req.url!.split('?')[0]!;
      if (req.method === 'GET' && path === '/form') {
        const token = csrfToken(req)!;
        return html(
          res,
          `<form id="f" method="POST" action="/submit"><input name="title" value="hello"><input type="hidden" name="_csrf_token" value="${token}"><button id="go">Send</button></form>` +
            `<form id="m" method="POST" action="/upload" enctype="multipart/form-data"><input name="note" value="multi"><input type="hidden" name="_csrf_token" value="${token}"><button id="go-m">Upload</button></form>`,
        );
      }
      if (req.method === 'POST') {
        const body = await readBody(req);
        reached.push({ path, body });
        res.setHeader('content-type', 'text/plain');
        return res.end(`accepted ${path}`);
      }
      res.end('ok');
    }),
  );
  const appUrl = await listen(app, '127.0.0.1');
  t.after(() => close(app));

  // Attacker pages: an auto-submitting form, a credentialed fetch, and (same-site) a form
  // that copies the token cookie it can read.
  let sawToken = '';
  const attackerPages = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = req.url!;
    if (path === '/autoform') {
      html(
        res,
        `<form id="f" method="POST" action="${appUrl}/submit"><input name="_csrf_token" value="guess"><input name="title" value="pwned"></form><script>document.getElementById('f').submit()</script>`,
      );
      return;
    }
    if (path === '/fetch') {
      html(
        res,
        `<script>window.result = fetch('${appUrl}/submit', { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: 'title=pwned' }).then(r => 'status ' + r.status, e => 'error ' + e.name)</script>`,
      );
      return;
    }
    if (path === '/sibling-form') {
      html(
        res,
        `<form id="f" method="POST" action="${appUrl}/submit"><input id="t" name="_csrf_token"><input name="title" value="pwned"></form>` +
          `<script>const m = document.cookie.match(/(?:^|; )csrf_token=([^;]+)/); document.getElementById('t').value = m ? m[1] : 'none'; fetch('/saw', { method: 'POST', body: m ? m[1] : 'none' }).then(() => document.getElementById('f').submit())</script>`,
      );
      return;
    }
    if (path === '/saw') {
      void readBody(req).then((body) => {
        sawToken = body;
        res.end();
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  };
  const crossSite = http.createServer(attackerPages);
  const crossSiteUrl = await listen(crossSite, '127.0.0.2');
  t.after(() => close(crossSite));
  const sameSite = http.createServer(attackerPages);
  const sameSiteUrl = await listen(sameSite, '127.0.0.1');
  t.after(() => close(sameSite));

  const context = await browser.newContext();
  const page = await context.newPage();

  // 1. The token cookie as the browser stored it.
  await page.goto(`${appUrl}/form`);
  const cookies = await context.cookies(appUrl);
  const cookie = cookies.find((c) => c.name === 'csrf_token');
  assert.ok(cookie, 'the browser stored the token cookie');
  // Masked (BREACH): base64url of a 64-byte pad and the token XOR the pad.
  assert.match(cookie.value, /^[A-Za-z0-9_-]{171}$/);
  assert.equal(cookie.path, '/');
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(cookie.httpOnly, false, 'scripts may read it (double submit from JS)');
  assert.equal(cookie.secure, false, 'plain http: not Secure');
  assert.equal(cookie.domain, '127.0.0.1', 'host-only cookie');
  assert.equal(cookie.expires, -1, 'session cookie');

  // 2. Same-origin urlencoded form POST.
  const [formResponse] = await Promise.all([page.waitForResponse(`${appUrl}/submit`), page.click('#go')]);
  assert.equal(formResponse.status(), 200);
  assert.equal(await formResponse.text(), 'accepted /submit');
  assert.equal(reached.at(-1)!.body, `title=hello&_csrf_token=${encodeURIComponent(cookie.value)}`, 'the app read the whole form body');

  // 3. Same-origin multipart form POST (Chromium's own multipart encoding), from a reloaded
  // page whose token is masked afresh (BREACH: no two responses carry the same string).
  await page.goto(`${appUrl}/form`);
  const reloaded = await page.inputValue('#m input[name="_csrf_token"]');
  assert.match(reloaded, /^[A-Za-z0-9_-]{171}$/);
  assert.notEqual(reloaded, cookie.value, 'the reloaded page carries a different token string');
  const [multipartResponse] = await Promise.all([page.waitForResponse(`${appUrl}/upload`), page.click('#go-m')]);
  assert.equal(multipartResponse.status(), 200);
  assert.match(reached.at(-1)!.body, /name="note"\r\n\r\nmulti\r\n/);

  // 4. Same-origin fetch with the header read from document.cookie.
  await page.goto(`${appUrl}/form`);
  const fetched = await page.evaluate(async () => {
    const token =
      document.cookie
        .split('; ')
        .find((row) => row.startsWith('csrf_token='))
        ?.split('=')[1] ?? '';
    const r = await fetch('/submit', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: '{"a":1}' });
    return { status: r.status, text: await r.text() };
  });
  assert.deepEqual(fetched, { status: 200, text: 'accepted /submit' });
  // …and without the header it is refused.
  const bare = await page.evaluate(async () => (await fetch('/submit', { method: 'POST', body: 'x' })).status);
  assert.equal(bare, 403);

  const countReached = reached.length;
  events.length = 0;

  // 5. Cross-site auto-submitting form (127.0.0.2 → 127.0.0.1).
  const attacker = await context.newPage();
  const [crossForm] = await Promise.all([attacker.waitForResponse(`${appUrl}/submit`), attacker.goto(`${crossSiteUrl}/autoform`)]);
  assert.equal(crossForm.status(), 403);
  // A browser navigation prefers HTML: it gets rampart's rejection page (the reason is in the log, checked below).
  assert.match(crossForm.headers()['content-type'] ?? '', /^text\/html/);
  assert.match(await crossForm.text(), /could not be verified/);

  // 6. Cross-site credentialed fetch (a "simple" request: no preflight, so it reaches the server).
  await attacker.goto(`${crossSiteUrl}/fetch`);
  const fetchResult = await attacker.evaluate(() => (window as unknown as { result: Promise<string> }).result);
  assert.match(fetchResult, /^error/, 'no CORS grant: the attacker cannot read the response');

  // 7. Same-site, cross-origin form that even copies the readable token cookie.
  const [siblingForm] = await Promise.all([attacker.waitForResponse(`${appUrl}/submit`), attacker.goto(`${sameSiteUrl}/sibling-form`)]);
  assert.equal(sawToken, cookie.value, 'the same-site page read the real token and submitted it');
  assert.equal(siblingForm.status(), 403);
  // A browser navigation prefers HTML: it gets rampart's rejection page (the reason is in the log, checked below).
  assert.match(siblingForm.headers()['content-type'] ?? '', /^text\/html/);
  assert.match(await siblingForm.text(), /could not be verified/);

  assert.equal(reached.length, countReached, 'no attack reached the application');
  const reasons = events.filter((e) => e.event === 'CSRF_VIOLATION').map((e) => e.detail);
  assert.deepEqual(reasons, ['cross-site request', 'cross-site request', 'cross-site request'], 'each attack was logged');
  await context.close();
});
