/**
 * Real Chromium agrees with the CSP judge behind `rampart check` (W006, W009) and the
 * construction warnings: for each policy rampart sends, an injected inline <script> and an
 * injected on* handler run exactly when inlineScriptExposure() says so, and a cross-origin
 * page can frame ours (despite X-Frame-Options: DENY) exactly when openFrameAncestors()
 * lists a source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { launchBrowser } from '../helpers/browser.ts';
import { listenLoopback } from '../helpers/listen.ts';
import { compileHeaders, securityHeaders, type SecurityHeadersOptions } from '../../src/headers/index.ts';
import { inlineScriptExposure, openFrameAncestors } from '../../src/csp/judge.ts';
import { stack } from '../../src/stack/index.ts';

process.env.RAMPART_SILENT = '1';

const HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

const INLINE_CASES: Array<[string, SecurityHeadersOptions['csp']]> = [
  ['script-src-elem unsafe-inline', { directives: { 'script-src-elem': ["'self'", "'unsafe-inline'"] } }],
  ['script-src-attr unsafe-inline', { directives: { 'script-src-attr': ["'unsafe-inline'"] } }],
  ['script-src unsafe-inline', { directives: { 'script-src': ["'self'", "'unsafe-inline'"] } }],
  ['script-src unsafe-inline with a nonce', { directives: { 'script-src': ["'self'", "'unsafe-inline'"] }, nonce: true }],
  ['script-src-attr unsafe-inline with a nonce', { directives: { 'script-src-attr': ["'unsafe-inline'"] }, nonce: true }],
  ['strict-dynamic and a hash cancel unsafe-inline', { directives: { 'script-src': ["'unsafe-inline'", "'strict-dynamic'", HASH] } }],
  ['default-src fallback', { directives: { 'default-src': ["'self'", "'unsafe-inline'"], 'script-src': null } }],
  ['superseded script-src', { directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'script-src-elem': ["'self'"], 'script-src-attr': ["'none'"] } }],
  ['no script directive at all', { directives: { 'object-src': ["'none'"] }, useDefaults: false }],
  ['the default policy', {}],
];

// (http://* without a port means any host on port 80, which the loopback parent is not on;
// http://*:* is any host on any port. Both are judged open: real sites sit on 80 and 443.)
const FRAME_CASES: string[][] = [['*'], ['http:'], ['http://*:*'], ["'self'"], ["'none'"], ['http://127.0.0.1:1']];

test('Chromium runs injected inline script exactly when inlineScriptExposure() says it does', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const shields = INLINE_CASES.map(([, csp]) => stack([securityHeaders({ csp })]));
  const server = await listenLoopback((req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const shield = shields[Number(url.searchParams.get('case'))];
    if (shield === undefined || url.pathname !== '/page') {
      res.statusCode = 404;
      res.end();
      return;
    }
    shield.node((_req, out) => {
      out.setHeader('content-type', 'text/html; charset=utf-8');
      out.end('<!doctype html><body><script>window.elementRan = true</script><img src="/missing.png" onerror="window.handlerRan = true"></body>');
    })(req, res);
  });
  t.after(() => server.close());
  const page = await browser.newPage();
  for (const [index, [name, csp]] of INLINE_CASES.entries()) {
    await page.goto(`${server.url}/page?case=${index}`);
    await page.waitForFunction(() => document.querySelector('img')?.complete === true);
    const ran = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { elements: w.elementRan === true, handlers: w.handlerRan === true };
    });
    const directives = compileHeaders({ csp }).csp?.directives ?? new Map<string, readonly string[]>();
    const open = inlineScriptExposure(directives).open;
    assert.deepEqual(
      ran,
      { elements: open.some((o) => o.runs === 'elements'), handlers: open.some((o) => o.runs === 'handlers') },
      `${name}: Chromium ${JSON.stringify(ran)}, judge ${JSON.stringify(open)}`,
    );
  }
  await page.close();
});

test('Chromium lets another origin frame the page (X-Frame-Options: DENY notwithstanding) exactly when openFrameAncestors() lists a source', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const shields = FRAME_CASES.map((sources) => stack([securityHeaders({ csp: { directives: { 'frame-ancestors': sources } } })]));
  const framed = await listenLoopback((req: http.IncomingMessage, res: http.ServerResponse) => {
    const shield = shields[Number(new URL(req.url ?? '/', 'http://x').searchParams.get('case'))];
    if (shield === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    shield.node((_req, out) => {
      out.setHeader('content-type', 'text/html; charset=utf-8');
      out.end('<!doctype html><title>framed</title><body>framed</body>');
    })(req, res);
  });
  t.after(() => framed.close());
  // The embedding page: another origin (another port), no policy of its own.
  const parent = await listenLoopback((req, res) => {
    const child = new URL(req.url ?? '/', 'http://x').searchParams.get('child') ?? '';
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><body><iframe src="${child.replace(/[^A-Za-z0-9:/.?=&]/g, '')}"></iframe></body>`);
  });
  t.after(() => parent.close());
  const page = await browser.newPage();
  for (const [index, sources] of FRAME_CASES.entries()) {
    const child = `${framed.url}/page?case=${index}`;
    await page.goto(`${parent.url}/?child=${encodeURIComponent(child)}`);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(frame !== undefined);
    const loaded = frame.url() === child && (await frame.evaluate(() => document.title)) === 'framed';
    const directives = compileHeaders({ csp: { directives: { 'frame-ancestors': sources } } }).csp!.directives;
    assert.equal(loaded, openFrameAncestors(directives).length > 0, `frame-ancestors ${sources.join(' ')}: Chromium framed it: ${loaded}`);
  }
  await page.close();
});
