/**
 * The dashboard in real Chromium: sign-in by keyboard, uPlot charts drawn from seeded events,
 * a new event arriving over Server-Sent Events without a reload, no CSP violation under the
 * dashboard's nonce policy, 401 without credentials. The screenshot is kept as a test artefact
 * (test-results/screenshots/; RAMPART_SCREENSHOTS=docs/screenshots refreshes the README's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser, screenshotPath } from '../helpers/browser.ts';
import { dashboard } from '../../src/dashboard/index.ts';
import { SecurityEvent, SecurityLog } from '../../src/log/index.ts';

const TOKEN = 'dashboard-test-8WxSQpB1Z7HW3q37LqErf84';

interface Chart {
  series: Array<{ label?: string }>;
  data: number[][];
}

test('dashboard in Chromium: sign in by keyboard, charts of the seeded data, a live event without reload, no CSP violation', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const log = new SecurityLog({ flushIntervalMs: 20 });
  t.after(() => log.close());
  for (let i = 0; i < 3; i++) await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7', userId: 'alice', path: '/login', detail: `bad password ${i}` });
  for (let i = 0; i < 2; i++) await log.log(SecurityEvent.RATE_LIMIT_HIT, { ip: '198.51.100.2', path: '/api' });
  await log.log(SecurityEvent.CSRF_VIOLATION, { ip: '198.51.100.9', path: '/transfer', detail: '<script>alert(1)</script>' });
  await log.flush();

  const dash = dashboard({ log, auth: { token: TOKEN }, pollMs: 100 });
  t.after(() => dash.close());
  const server = http.createServer((req, res) => dash.node(req, res, () => res.writeHead(200).end('app\n')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Not public: no credentials, a wrong token → 401; the right Bearer token → 200.
  assert.equal((await fetch(`${origin}/_rampart/api/summary`)).status, 401);
  assert.equal((await fetch(`${origin}/_rampart/api/summary`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } })).status, 401);
  const loginPage = await fetch(`${origin}/_rampart`, { headers: { accept: 'text/html' } });
  assert.equal(loginPage.status, 401);
  assert.equal((await fetch(`${origin}/_rampart/api/summary`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal(await (await fetch(`${origin}/other`)).text(), 'app\n', 'outside its path the app answers');

  const page = await browser.newPage();
  const violations: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  const first = await page.goto(`${origin}/_rampart`);
  assert.equal(first?.status(), 401, 'a browser without a session gets the sign-in page with 401');
  // Keyboard only: the token field has focus (autofocus), type it and press Enter.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'token');
  assert.equal(await page.evaluate(() => document.querySelector('label[for="token"]')?.textContent), 'Dashboard token');
  await page.keyboard.type(TOKEN);
  await Promise.all([page.waitForURL(`${origin}/_rampart`), page.keyboard.press('Enter')]);
  await page.waitForFunction(() => (window as unknown as { rampartDashboard?: { summary: unknown } }).rampartDashboard?.summary != null);

  const csp = (await page.request.get(`${origin}/_rampart`)).headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'nonce-[^']+'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  // The charts are uPlot canvases holding the seeded counts.
  assert.equal(await page.locator('#chart-timeline canvas').count(), 1);
  assert.equal(await page.locator('#chart-ips canvas').count(), 1);
  assert.equal(await page.locator('#chart-statuses canvas').count(), 1);
  const charts = await page.evaluate(() => {
    const d = (window as unknown as { rampartDashboard: { charts: Record<string, Chart> } }).rampartDashboard;
    const pick = (c: Chart) => ({ labels: c.series.map((s) => s.label ?? ''), data: c.data.map((col) => Array.from(col)) });
    return { timeline: pick(d.charts.timeline!), ips: pick(d.charts.ips!), statuses: pick(d.charts.statuses!) };
  });
  const total = (chart: { labels: string[]; data: number[][] }, label: string): number =>
    (chart.data[chart.labels.indexOf(label)] ?? []).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(total(charts.timeline, 'LOGIN_FAILED'), 3);
  assert.equal(total(charts.timeline, 'RATE_LIMIT_HIT'), 2);
  assert.equal(total(charts.timeline, 'CSRF_VIOLATION'), 1);
  assert.deepEqual(charts.ips.data[1], [3, 2, 1], 'top IPs: 203.0.113.7, 198.51.100.2, 198.51.100.9');
  assert.equal(total(charts.statuses, '429'), 2);
  assert.equal(total(charts.statuses, '403'), 1);
  assert.match((await page.locator('#recent').textContent()) ?? '', /<script>alert\(1\)<\/script>/, 'hostile detail shown as text');
  assert.equal(await page.evaluate(() => document.querySelectorAll('#recent script').length), 0);

  // Live: an event logged after the page loaded appears without a reload.
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  await log.log(SecurityEvent.INVALID_TOKEN, { ip: '192.0.2.44', detail: 'live-marker' });
  await page.waitForFunction(() => document.getElementById('recent')?.textContent?.includes('live-marker'), undefined, { timeout: 20_000 });
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { rampartDashboard: { summary: { counts: Array<{ event: string }> } } }).rampartDashboard.summary;
      return s.counts.some((c) => c.event === 'INVALID_TOKEN');
    },
    undefined,
    { timeout: 20_000 },
  );
  assert.deepEqual(navigations, [], 'no reload');

  // Keyboard: the controls are reachable with Tab and labelled.
  assert.equal(await page.evaluate(() => document.querySelector('label[for="window"]')?.textContent), 'Window');
  await page.focus('#window');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pause');

  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.waitForTimeout(300); // charts keep their size; let the table highlight settle for the picture
  await page.screenshot({ path: screenshotPath('dashboard.png'), fullPage: true });

  assert.deepEqual(violations, [], 'no CSP violation');
  assert.deepEqual(
    errors.filter((e) => !/401 \(Unauthorized\)/.test(e)),
    [],
    'no script error',
  );
  await page.close();
});
