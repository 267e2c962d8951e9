import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './browser.ts';

test('launchBrowser starts real Chromium that runs scripts', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const page = await browser.newPage();
  await page.setContent('<script>window.__ran = 40 + 2</script>');
  assert.equal(await page.evaluate(() => (window as unknown as { __ran: number }).__ran), 42);
});
