/**
 * `rampart check --app` lists the routes of Fastify and Hono apps from their own route tables
 * (not only Express routers): a login route registered in a plugin or sub-app module, under a
 * prefix built at run time, is found and reported (W033) when no rate-limit rule covers it,
 * and a covered one is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from './fixtures/run-cli.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/apps/${name}`, import.meta.url));
const ENV = { NODE_ENV: 'production' };

interface Report {
  findings: Array<{ id: string; severity: string; message: string }>;
}

async function loginFindings(app: string): Promise<{ messages: string[]; ids: string[] }> {
  const r = await runCli(['check', '--app', fixture(app), '--json', '--no-audit'], { env: ENV });
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return {
    messages: report.findings.filter((f) => f.id === 'RAMPART-W033').map((f) => f.message),
    ids: report.findings.map((f) => `${f.id} ${f.severity}: ${f.message}`),
  };
}

test('--app lists a Fastify app’s routes (plugins under a prefix, started with await listen())', async () => {
  const { messages, ids } = await loginFindings('fastify/server.mjs');
  assert.ok(!ids.some((f) => f.startsWith('RAMPART-E003') || f.startsWith('RAMPART-W031')), ids.join('\n'));
  assert.deepEqual(messages.length, 1, ids.join('\n'));
  assert.match(messages[0]!, /login-like route \/account\/signin has no rate-limit rule/);
});

test('--app lists a Hono app’s routes (a sub-app mounted with route(), served by @hono/node-server)', async () => {
  const { messages, ids } = await loginFindings('hono/server.mjs');
  assert.ok(!ids.some((f) => f.startsWith('RAMPART-E003') || f.startsWith('RAMPART-W031')), ids.join('\n'));
  assert.deepEqual(messages.length, 1, ids.join('\n'));
  assert.match(messages[0]!, /login-like route \/auth\/login has no rate-limit rule/);
});
