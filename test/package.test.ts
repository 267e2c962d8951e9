import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

// `npm test` builds dist/ first (pretest); these imports go through package.json "exports"
// exactly as a consumer's would.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  exports: Record<string, { types: string; default: string }>;
  engines: { node: string };
};

test('package metadata', () => {
  assert.equal(pkg.engines.node, '>=22');
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    assert.ok(existsSync(new URL(`../${target.default}`, import.meta.url)), `${subpath} → ${target.default} is built`);
    assert.ok(existsSync(new URL(`../${target.types}`, import.meta.url)), `${subpath} → ${target.types} is built`);
  }
});

test('the built package exposes the public API on every subpath', async () => {
  const main = await import('rampart');
  for (const name of [
    'rampart',
    'stack',
    'RampartError',
    'securityHeaders',
    'cors',
    'csrf',
    'rateLimit',
    'compression',
    'hostGuard',
    'httpsRedirect',
    'bodyLimit',
    'clientIp',
    'isSecure',
    'cspNonce',
    'csrfToken',
    'escapeHtml',
    'jsonForScript',
  ]) {
    assert.equal(typeof (main as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof (await import('rampart/node')).node, 'function');
  assert.equal(typeof (await import('rampart/express')).express, 'function');
  assert.equal(typeof (await import('rampart/fastify')).fastify, 'function');
  assert.equal(typeof (await import('rampart/hono')).hono, 'function');
  assert.equal(typeof (await import('rampart/fetch')).fetch, 'function');
  const shield = main.rampart({ log: false });
  assert.equal(typeof shield.node(() => undefined), 'function');
  await shield.close();
});

test('the built package: a PGlite SecurityLog finds its worker thread file, and one class is shared across subpaths', async () => {
  const { SecurityLog } = await import('rampart/log');
  const main = await import('rampart');
  const log = new SecurityLog({ database: 'memory' });
  try {
    // The preset accepts the log of rampart/log as its own (one SecurityLog class in the bundles).
    const shield = main.rampart({ log, allowedHosts: ['app.example'] });
    assert.equal(shield.log, log);
    await shield.close();
    await log.log('LOGIN_FAILED', { ip: '203.0.113.4', detail: 'from the bundle' }, { wait: true });
    const rows = await log.getByEvent('LOGIN_FAILED');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.ipAddress, '203.0.113.4');
    const line = await log.export({ format: 'cef' }).next();
    assert.match(
      String(line.value),
      new RegExp(`^CEF:0\\|rampart\\|rampart\\|${pkg.version.replaceAll('.', '\\.')}\\|`),
      'the version is read from package.json',
    );
  } finally {
    await log.close();
  }
});

test('the built package: rampart/dashboard serves the script built into dist (uPlot and the page script, no CDN) over the log of rampart/log', async () => {
  const { dashboard } = await import('rampart/dashboard');
  const { SecurityLog } = await import('rampart/log');
  const built = readFileSync(new URL('../dist/dashboard/assets/dashboard.js', import.meta.url), 'utf8');
  assert.match(built, /MIT License/);
  assert.match(built, /uPlot/);
  assert.match(built, /rampartDashboard/);
  const log = new SecurityLog({ database: 'memory' });
  const token = 'package-test-token-0123456789abcdef';
  const dash = dashboard({ log, auth: { token } });
  try {
    const get = (path: string) => dash.fetch(new Request(`http://localhost/_rampart${path}`, { headers: { authorization: `Bearer ${token}` } }));
    const script = await get('/assets/dashboard.js');
    assert.equal(script.status, 200);
    assert.equal(await script.text(), built);
    const page = await (await get('')).text();
    assert.doesNotMatch(page, /https?:\/\/(?!localhost)[a-z]/i, 'nothing loads from another origin');
    assert.equal((await get('/api/summary')).status, 200);
  } finally {
    await dash.close();
    await log.close();
  }
});
