/**
 * Real Chromium proves the CSP rampart sends does what it says: an inline script
 * without the request's nonce is blocked, one with it runs, and the browser's violation
 * report reaches cspReport() and becomes a CSP_VIOLATION event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser } from '../helpers/browser.ts';
import { securityHeaders } from '../../src/headers/index.ts';
import { cspNonce, cspReport } from '../../src/csp/index.ts';
import { stack } from '../../src/stack/index.ts';
import { escapeHtml, jsonForScript } from '../../src/output/index.ts';
import type { SecurityEventRecord } from '../../src/core/types.ts';

test('Chromium blocks an inline script without the nonce, runs the one with it, and reports the violation', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const events: SecurityEventRecord[] = [];
  let reported: () => void = () => {};
  const reportArrived = new Promise<void>((resolve) => (reported = resolve));
  const shield = stack([securityHeaders({ csp: { nonce: true, reportUri: '/csp-report' } }), cspReport({ path: '/csp-report' })], {
    events: {
      emit: (r) => {
        events.push(r);
        if (r.event === 'CSP_VIOLATION') reported();
      },
    },
  });
  const hostile = '</script><script>window.injected = true</script>';
  const server = http.createServer(
    shield.node((req, res) => {
      const nonce = cspNonce(req)!;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>${escapeHtml(hostile)}</title></head><body>
<script nonce="${nonce}">window.withNonce = true; window.data = ${jsonForScript({ hostile })};</script>
<script>window.withoutNonce = true;</script>
<script nonce="not-the-nonce">window.wrongNonce = true;</script>
</body></html>`);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const page = await browser.newPage();
  const response = await page.goto(url);
  assert.match(response!.headers()['content-security-policy'] ?? '', /script-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='/);
  const state = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return { withNonce: w.withNonce, withoutNonce: w.withoutNonce, wrongNonce: w.wrongNonce, injected: w.injected, data: w.data };
  });
  assert.equal(state.withNonce, true, 'the script carrying the request nonce ran');
  assert.equal(state.withoutNonce, undefined, 'the inline script without a nonce was blocked');
  assert.equal(state.wrongNonce, undefined, 'a script with a wrong nonce was blocked');
  assert.equal(state.injected, undefined, 'jsonForScript kept </script> from ending the script');
  assert.deepEqual(state.data, { hostile }, 'the data round-trips through jsonForScript');

  await Promise.race([reportArrived, new Promise((_, reject) => setTimeout(() => reject(new Error('no CSP report within 15 s')), 15_000))]);
  const violation = events.find((e) => e.event === 'CSP_VIOLATION')!;
  assert.match(violation.detail!, /^directive=script-src(-elem)? blocked=inline document=http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(violation.ip, '127.0.0.1');
  await page.close();
});
