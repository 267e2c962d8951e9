/**
 * Real Chromium for browser tests (Debian's `chromium` driven by playwright-core).
 *
 * `launchBrowser(t)` starts a headless Chromium with no network side traffic and closes
 * it when the test ends. When the binary is missing the test is skipped visibly with
 * the reason, unless RAMPART_REQUIRE_SERVICES=1 (CI), in which case it throws.
 *
 * @example
 * test('renders', async (t) => {
 *   const browser = await launchBrowser(t);
 *   if (!browser) return;              // skipped: chromium not installed
 *   const page = await browser.newPage();
 *   await page.goto(url);
 * });
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Where Chromium lives (override with RAMPART_CHROMIUM). */
export const CHROMIUM_PATH = process.env.RAMPART_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless run inside containers. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * Launch headless Chromium for the duration of test `t` (closed automatically after it).
 * Returns undefined after `t.skip(reason)` when Chromium is unavailable and services are
 * not required; throws when RAMPART_REQUIRE_SERVICES=1.
 */
export async function launchBrowser(t: TestContext): Promise<Browser | undefined> {
  const required = process.env.RAMPART_REQUIRE_SERVICES === '1';
  if (!existsSync(CHROMIUM_PATH)) {
    const reason = `chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set RAMPART_CHROMIUM)`;
    if (required) throw new Error(`RAMPART_REQUIRE_SERVICES=1 but ${reason}`);
    t.skip(reason);
    return undefined;
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true, timeout: 60_000 });
  } catch (error) {
    if (required) throw error;
    t.skip(`chromium failed to start: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
  t.after(() => browser.close());
  return browser;
}

/**
 * Where browser tests keep their screenshots: `RAMPART_SCREENSHOTS` when set (e.g.
 * `docs/screenshots` to refresh the README's pictures), else `test-results/screenshots/`
 * (git-ignored), so a test run never modifies tracked files.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.RAMPART_SCREENSHOTS ?? fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
