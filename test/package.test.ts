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

test('the built package: rampart/auth, crypto, input and gdpr (a build of their own) share the classes and process state of the main entry', async () => {
  const main = await import('rampart');
  const { Secret } = await import('rampart/crypto');
  const auth = await import('rampart/auth');
  const gdpr = await import('rampart/gdpr');
  const input = await import('rampart/input');
  // Errors thrown by every subpath are the main entry's RampartError.
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    assert.fail('expected a throw');
  };
  assert.ok(thrown(() => new Secret(42 as unknown as string)) instanceof main.RampartError, 'rampart/crypto');
  assert.ok(thrown(() => auth.requireSignedRequest({} as never)) instanceof main.RampartError, 'rampart/auth');
  assert.ok(thrown(() => gdpr.privacy({ nope: true } as never)) instanceof main.RampartError, 'rampart/gdpr');
  assert.ok(thrown(() => input.inputGuard({ nope: true } as never)) instanceof main.RampartError, 'rampart/input');
  // A Secret made by rampart/crypto is a Secret to the main entry's CSRF options.
  const shield = main.csrf({ secret: new Secret('0f3c9a7e51b24d8c96e0a1f7d3b85c24e6a9f0d17b3c5e82') });
  assert.equal(typeof shield.handle, 'function');
  // The default event sink installed through the main entry receives rampart/auth's announcements.
  const seen: string[] = [];
  main.setDefaultEventSink({ emit: (record) => void seen.push(`${record.event}: ${String(record.detail)}`) });
  const silent = process.env.RAMPART_SILENT;
  process.env.RAMPART_SILENT = '1';
  try {
    auth.requireSignedRequest({ secret: new Secret('9d41c7a2e85f03b6d1a4c8e27f5b90d3a6c1e4f87b2d05a9'), allowReplay: true });
  } finally {
    main.setDefaultEventSink(undefined);
    if (silent === undefined) delete process.env.RAMPART_SILENT;
    else process.env.RAMPART_SILENT = silent;
  }
  assert.ok(
    seen.some((line) => /^CONFIG_WARNING: requireSignedRequest.*allowReplay|^CONFIG_WARNING: .*requireSignedRequest/.test(line)),
    `the CONFIG_WARNING reached the main entry's default sink: ${JSON.stringify(seen)}`,
  );
});
