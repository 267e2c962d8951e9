/**
 * The package as a user installs it (issue 13: optional peers, clean tarball).
 *
 * SLOW (≈ 30–60 s, bounded by the timeouts below): builds dist/ into a temporary directory
 * (never the shared ./dist), packs it with `npm pack`, installs the tarball into an empty
 * consumer project WITHOUT any optional peer (`npm install --offline` from the npm cache,
 * falling back to the registry), links the frameworks from this repository's node_modules,
 * and checks:
 *  (a) the preset answers one request through each of node:http, Express, Fastify, Hono, fetch;
 *  (b) every optional feature fails with ERR_RAMPART_MISSING_DEPENDENCY and its install line;
 *  (c) a `strict`, `skipLibCheck: false` consumer type-checks a file importing every subpath;
 *  (d) rampart and its required dependencies install in ≤ 2 MB;
 *  and that the tarball carries no tests, fixtures or corpora.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { npm } from './helpers/npm.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../', import.meta.url));

interface Setup {
  dir: string;
  consumer: string;
  files: string[];
  installedKb: number;
  diskKb: number;
}

let setup: Promise<Setup> | undefined;

function prepare(_t?: test.TestContext): Promise<Setup> {
  setup ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-consumer-'));
    const pkg = join(dir, 'package');
    mkdirSync(pkg);
    // Build exactly as `npm run build` does (declarations by tsc, bundles by esbuild), into a private directory.
    await run(process.execPath, [join(repo, 'scripts', 'build.ts'), '--outdir', join(pkg, 'dist')], { cwd: repo, timeout: 180_000 });
    cpSync(join(repo, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(repo, 'README.md'), join(pkg, 'README.md'));
    // A stale build output (an older tsconfig compiled these) must not ship either.
    mkdirSync(join(pkg, 'dist', 'cli', 'fixtures'), { recursive: true });
    writeFileSync(join(pkg, 'dist', 'cli', 'fixtures', 'stale.js'), 'export const secret = "not shipped";\n');
    writeFileSync(join(pkg, 'dist', 'stale.test.js'), '\n');
    const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', dir], pkg)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = join(dir, packed[0]!.filename);
    const files = packed[0]!.files.map((f) => f.path);

    const consumer = join(dir, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    try {
      await npm(['install', '--offline', '--no-package-lock', tarball], consumer);
    } catch {
      await npm(['install', '--no-package-lock', tarball], consumer); // not all in the cache: use the registry
    }
    // Install size as packagephobia counts it: the bytes of every installed file (du -sb);
    // disk blocks (du -sk) are reported too.
    const installedKb = Number(execFileSync('du', ['-sb', join(consumer, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]) / 1024;
    const diskKb = Number(execFileSync('du', ['-sk', join(consumer, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
    // The frameworks (and types) a real consumer brings itself, linked from this repository.
    for (const name of ['express', 'fastify', 'hono', '@hono/node-server', 'typescript', '@types/node', '@types/express']) {
      const target = join(consumer, 'node_modules', name);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(repo, 'node_modules', name), target, 'dir');
    }
    return { dir, consumer, files, installedKb, diskKb };
  })();
  return setup;
}

test.after(async () => {
  if (setup !== undefined) rmSync((await setup).dir, { recursive: true, force: true });
});

/** Run an ES module script inside the consumer project; its stdout is JSON. */
async function inConsumer<T>(s: Setup, name: string, source: string): Promise<T> {
  const file = join(s.consumer, name);
  writeFileSync(file, source);
  const { stdout } = await run(process.execPath, [file], { cwd: s.consumer, timeout: 60_000 });
  return JSON.parse(stdout) as T;
}

test('tarball: no tests, fixtures or corpora; the one required dependency is ipaddr.js', { timeout: 240_000 }, async (t) => {
  const s = await prepare(t);
  assert.ok(s.files.includes('dist/index.js') && s.files.includes('dist/index.d.ts'), 'built entry points are packed');
  const offending = s.files.filter((f) => /(^|\/)fixtures\/|\.test\.|(^|\/)corpus\.|(^|\/)test\//.test(f));
  assert.deepEqual(offending, []);
  const installed = JSON.parse(readFileSync(join(s.consumer, 'node_modules', 'rampart', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.deepEqual(Object.keys(installed.dependencies).sort(), ['ipaddr.js']);
});

test('install size: rampart and its required dependencies take ≤ 2 MB', { timeout: 240_000 }, async (t) => {
  const s = await prepare(t);
  t.diagnostic(`installed: ${s.installedKb.toFixed(0)} KB of files (du -sb), ${s.diskKb} KB on disk (du -sk); frameworks excluded`);
  assert.ok(s.installedKb <= 2048, `${s.installedKb.toFixed(0)} KB of files`);
  // On disk, as \`du -sh node_modules\` shows it (every file takes whole 4 KB blocks).
  assert.ok(s.diskKb <= 2048, `${s.diskKb} KB on disk`);
});

test('the preset answers through every adapter with no optional peer installed', { timeout: 240_000 }, async (t) => {
  const s = await prepare(t);
  const results = await inConsumer<Record<string, { status: number; nosniff: string | null; error?: string }>>(s, 'adapters.mjs', ADAPTERS_SCRIPT);
  for (const adapter of ['node', 'express', 'fastify', 'hono', 'fetch']) {
    assert.equal(results[adapter]?.error, undefined, `${adapter}: ${results[adapter]?.error}`);
    assert.equal(results[adapter]?.status, 200, adapter);
    assert.equal(results[adapter]?.nosniff, 'nosniff', adapter);
  }
  // The default preset (no log option) logs a bad Host without any database package.
  assert.equal(results.defaultSink?.status, 400);
});

/** One optional feature: the subpath it lives in and the call that needs the peer. */
const FEATURES: Array<{ name: string; subpath: string; call: string; install: string }> = [
  { name: 'redisStore({ url })', subpath: 'rampart', call: "m.redisStore({ url: 'redis://127.0.0.1:6379' })", install: 'npm install ioredis' },
  { name: 'postgresStore({ url })', subpath: 'rampart', call: "m.postgresStore({ url: 'postgres://127.0.0.1/x' })", install: 'npm install postgres' },
  {
    name: 'SecurityLog with PGlite',
    subpath: 'rampart/log',
    call: "new m.SecurityLog({ database: './data/log' })",
    install: 'npm install @electric-sql/pglite',
  },
  { name: 'sanitizeHtml', subpath: 'rampart/input', call: "m.sanitizeHtml('<b>x</b>')", install: 'npm install sanitize-html' },
  { name: 'findPii', subpath: 'rampart/input', call: "m.findPii('call +44 20 7946 0958')", install: 'npm install libphonenumber-js ibantools' },
  { name: 'uploads', subpath: 'rampart/input', call: 'm.uploads()', install: 'npm install busboy file-type' },
  {
    name: 'validatePassword',
    subpath: 'rampart/auth',
    call: "m.validatePassword('correct horse battery staple')",
    install: 'npm install @zxcvbn-ts/core @zxcvbn-ts/language-common',
  },
  { name: 'totp.qrSvg', subpath: 'rampart/auth', call: "m.totp.qrSvg('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP')", install: 'npm install qrcode' },
  { name: 'legacy bcrypt verify', subpath: 'rampart/auth', call: "m.verifyPassword('$2b$10$' + 'a'.repeat(53), 'pw')", install: 'npm install bcryptjs' },
  {
    name: 'HTTP message signatures',
    subpath: 'rampart/auth',
    call: "m.signHttpMessage({ key: new Uint8Array(32).fill(7), keyId: 'k', algorithm: 'hmac-sha256' }, { method: 'GET', url: 'https://example.com/', headers: {} })",
    install: 'npm install http-message-signatures',
  },
  {
    name: 'createJwt',
    subpath: 'rampart/auth',
    call: "m.createJwt({ algorithm: 'HS256', secret: 'x'.repeat(32) + 'Q7!kz9#Lm2@pW4$rT6^yU8&iO0*aS1(d', issuer: 'https://id.example', audience: 'api' })",
    install: 'npm install jose',
  },
];

for (const f of FEATURES) {
  test(`without its package, ${f.name} fails with ERR_RAMPART_MISSING_DEPENDENCY and "${f.install}"`, { timeout: 240_000 }, async (t) => {
    const s = await prepare(t);
    const out = await inConsumer<{ code?: string; message?: string; resolved?: boolean }>(
      s,
      `feature-${FEATURES.indexOf(f)}.mjs`,
      `try { const m = await import(${JSON.stringify(f.subpath)}); await ${f.call}; console.log(JSON.stringify({ resolved: true })); }
       catch (e) { console.log(JSON.stringify({ code: e?.code, message: String(e?.message) })); }\n`,
    );
    assert.equal(out.code, 'ERR_RAMPART_MISSING_DEPENDENCY', JSON.stringify(out));
    assert.ok(out.message?.includes(f.install), out.message);
  });
}

test('a strict consumer with skipLibCheck: false type-checks every subpath', { timeout: 240_000 }, async (t) => {
  const s = await prepare(t);
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? 'rampart' : `rampart/${k.slice(2)}`));
  const lines = subpaths.map((p, i) => `import * as m${i} from '${p}';\nexport const v${i}: object = m${i};`);
  writeFileSync(join(s.consumer, 'all.ts'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(s.consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', types: ['node'] },
      files: ['all.ts'],
    }),
  );
  let output = '';
  try {
    await run(process.execPath, [join(s.consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: s.consumer, timeout: 180_000 });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
  assert.deepEqual(errors, [], output);
});

const ADAPTERS_SCRIPT = `
import http from 'node:http';
import { rampart } from 'rampart';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

const out = {};
const shield = rampart({ log: false });
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
async function probe(name, start) {
  try {
    const { port, close } = await start();
    const res = await fetch('http://127.0.0.1:' + port + '/');
    await res.text();
    out[name] = { status: res.status, nosniff: res.headers.get('x-content-type-options') };
    await close();
  } catch (e) {
    out[name] = { status: 0, nosniff: null, error: String(e && e.stack || e) };
  }
}
const nodeServer = (handler) => async () => {
  const server = http.createServer(handler);
  const port = await listen(server);
  return { port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
};
await probe('node', nodeServer(shield.node((req, res) => res.end('ok'))));
await probe('express', () => { const app = express(); app.use(shield.express()); app.get('/', (req, res) => res.send('ok')); return nodeServer(app)(); });
await probe('fastify', async () => {
  const f = Fastify(); await f.register(shield.fastify()); f.get('/', async () => 'ok');
  await f.listen({ port: 0, host: '127.0.0.1' });
  return { port: f.server.address().port, close: () => f.close() };
});
const honoServe = async (fetchHandler) => {
  const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => (server.listening ? r() : server.once('listening', r)));
  return { port: server.address().port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
};
await probe('hono', () => { const h = new Hono(); h.use(shield.hono()); h.get('/', (c) => c.text('ok')); return honoServe(h.fetch); });
await probe('fetch', () => honoServe(shield.fetch(() => new Response('ok'))));
await shield.close();

// Default preset (no log option): a bad Host is answered and logged without a database.
const preset = rampart({ allowedHosts: ['example.com'] });
const server = http.createServer(preset.node((req, res) => res.end('ok')));
const port = await listen(server);
const res = await fetch('http://127.0.0.1:' + port + '/');
await res.text();
out.defaultSink = { status: res.status };
server.closeAllConnections(); server.close();
await preset.close();
console.log(JSON.stringify(out));
`;
