/**
 * `rampart check --app` on a CommonJS Hono app: one that loads hono, @hono/node-server and
 * rampart with require(). Hono's CommonJS build is another module instance than its ESM one,
 * so its routes must be observed there too: a login route of a sub-app mounted under a
 * prefix built at run time is reported (W033) when no rate-limit rule covers it, a covered
 * one is not, and the shield's configuration is read as for an ESM app.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './fixtures/run-cli.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RAMPART = fileURLToPath(new URL('../index.ts', import.meta.url));

interface Report {
  findings: Array<{ id: string; severity: string; message: string }>;
}

const APP = `'use strict';
// A CommonJS Hono app: everything is loaded with require().
const { Hono } = require('hono');
const { serve } = require('@hono/node-server');
const { rampart } = require(${JSON.stringify(RAMPART)});

const shield = rampart({
  allowedHosts: ['example.com'],
  httpsRedirect: true,
  headers: { hsts: { maxAge: 31536000, includeSubDomains: true } },
  rateLimit: { rules: [{ match: { method: 'POST', path: ['', 'auth', 'token'].join('/') }, maxRequests: 5, window: 60 }] },
  log: false,
});

const auth = new Hono();
auth.post(['', 'login'].join('/'), (c) => c.text('ok'));
auth.post(['', 'token'].join('/'), (c) => c.text('ok'));

const app = new Hono();
app.use(shield.hono());
app.get('/', (c) => c.text('home'));
app.route(['', 'auth'].join('/'), auth);
serve({ fetch: app.fetch, port: 3000 });
`;

test('--app on a CommonJS Hono app (require()): its shield is read and its routes are listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-check-cjs-'));
  try {
    // The app's dependencies, as an installed app has them next to it.
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cjs-hono-app', private: true, type: 'commonjs' }));
    const file = join(dir, 'server.js');
    writeFileSync(file, APP);
    const r = await runCli(['check', '--app', file, '--json', '--no-audit'], { env: { NODE_ENV: 'production' } });
    let report: Report;
    try {
      report = JSON.parse(r.stdout) as Report;
    } catch {
      assert.fail(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    const ids = report.findings.map((f) => `${f.id} ${f.severity}: ${f.message}`);
    assert.ok(!ids.some((f) => f.startsWith('RAMPART-E003') || f.startsWith('RAMPART-W031')), ids.join('\n'));
    // The inline options were read: no finding from the preset's defaults for them.
    for (const absent of ['RAMPART-W002', 'RAMPART-W012', 'RAMPART-W014'])
      assert.ok(!ids.some((f) => f.startsWith(absent)), `${absent} unexpected:\n${ids.join('\n')}`);
    const login = report.findings.filter((f) => f.id === 'RAMPART-W033').map((f) => f.message);
    assert.equal(login.length, 1, ids.join('\n'));
    assert.match(login[0]!, /login-like route \/auth\/login has no rate-limit rule/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
