/**
 * Real Chromium loads rampart's rejection pages: a 429 and a cross-site form POST (403
 * CSRF) render as HTML under the page's own CSP with no violation, the title and heading
 * are visible, the hashed stylesheet applies, and nothing from the request is echoed.
 *
 * The pages are saved as PNG test artefacts (test-results/screenshots/; RAMPART_SCREENSHOTS=docs/screenshots
 * refreshes the README's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser, screenshotPath } from '../helpers/browser.ts';
import { rampart } from '../../src/preset.ts';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('Chromium renders the 429 and CSRF 403 pages: visible title, styled, no CSP violation, no echo', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const shield = rampart({ log: false, rateLimit: { maxRequests: 2, window: 60 } });
  const server = http.createServer(
    shield.node((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>home</title><p>home</p>');
    }),
  );
  const url = await listen(server);
  // A second origin (another port) whose page posts a form to the first: a cross-site POST.
  const evil = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      `<!doctype html><title>evil</title><form method="post" action="${url}/transfer?to=%3Cscript%3Ealert(1)%3C/script%3E"><input name="amount" value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"><button>go</button></form>`,
    );
  });
  const evilUrl = await listen(evil);
  t.after(async () => {
    for (const s of [server, evil]) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    await shield.close();
  });

  const context = await browser.newContext();
  // Registered through the DevTools protocol, so it runs even under the page's `default-src 'none'`.
  await context.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(m.text()));

  // CSRF: the evil page's form posts cross-site; Chromium sends Sec-Fetch-Site: cross-site.
  await page.goto(`${evilUrl}/`);
  const [csrf] = await Promise.all([page.waitForNavigation(), page.click('button')]);
  assert.equal(csrf!.status(), 403);
  assert.equal(csrf!.headers()['content-type'], 'text/html; charset=utf-8');
  assert.equal(await page.title(), '403 This form could not be verified');
  assert.ok(await page.getByRole('heading', { name: 'This form could not be verified' }).isVisible());
  await page.screenshot({ path: screenshotPath('rejection-403-csrf.png') });
  const csrfText = await page.content();
  assert.ok(!/alert|<script/i.test(csrfText), 'nothing from the request is echoed');

  // 429: the rate limit (2 per minute) is spent by the CSRF POST and one visit; the next is refused.
  await page.goto(`${url}/`);
  const limited = await page.goto(`${url}/account?next=%3Cscript%3Ealert(3)%3C/script%3E`);
  assert.equal(limited!.status(), 429);
  assert.equal(await page.title(), '429 Too many requests');
  const heading = page.getByRole('heading', { name: 'Too many requests' });
  assert.ok(await heading.isVisible());
  const retry = limited!.headers()['retry-after'];
  assert.ok(await page.getByText(`Please wait ${retry} seconds before trying again.`).isVisible());
  // The hashed stylesheet applied (the CSP allowed it): the card has its border radius.
  assert.equal(await page.locator('main').evaluate((el) => getComputedStyle(el).borderTopLeftRadius), '8px');
  assert.equal(await page.evaluate(() => document.scripts.length), 0);
  await page.screenshot({ path: screenshotPath('rejection-429.png') });

  const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
  assert.deepEqual(violations, [], 'no CSP violation on the page');
  assert.deepEqual(
    console.filter((m) => /Content Security Policy/i.test(m)),
    [],
    'no CSP message in the console',
  );
  await context.close();
});
