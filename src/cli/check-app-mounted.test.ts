import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './fixtures/run-cli.ts';

// `rampart check --app` says when the app builds a rampart() shield but no adapter runs it
// (nothing it configures is enforced), and not when it is mounted, even as register(shield.fastify).

const INDEX = fileURLToPath(new URL('../index.ts', import.meta.url));
const FASTIFY = fileURLToPath(new URL('../../node_modules/fastify/fastify.js', import.meta.url));
const OPTIONS =
  "{ allowedHosts: ['example.com'], httpsRedirect: true, headers: { hsts: { maxAge: 31536000, includeSubDomains: true } }, csrf: { secret: process.env.CSRF_SECRET }, log: false }";

const APPS = {
  unmounted: `import http from 'node:http';
import { rampart } from ${JSON.stringify(INDEX)};
const shield = rampart(${OPTIONS});
http.createServer((req, res) => res.end('ok')).listen(3000);
export { shield };
`,
  fastifyUncalled: `import Fastify from ${JSON.stringify(FASTIFY)};
import { rampart } from ${JSON.stringify(INDEX)};
const shield = rampart(${OPTIONS});
const app = Fastify();
await app.register(shield.fastify);
app.get('/', async () => 'ok');
await app.listen({ port: 3000 });
`,
  nodeMounted: `import http from 'node:http';
import { rampart } from ${JSON.stringify(INDEX)};
const shield = rampart(${OPTIONS});
http.createServer(shield.node((req, res) => res.end('ok'))).listen(3000);
`,
};

async function findingsOf(t: { after(fn: () => void): void }, source: string): Promise<Array<{ id: string; severity: string; message: string }>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rampart-check-app-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'server.mjs');
  writeFileSync(file, source);
  const r = await runCli(['check', '--app', file, '--json', '--no-audit'], {
    env: { NODE_ENV: 'production', CSRF_SECRET: randomBytes(48).toString('base64url') },
  });
  try {
    return (JSON.parse(r.stdout) as { findings: Array<{ id: string; severity: string; message: string }> }).findings;
  } catch {
    return assert.fail(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

test('check --app: a shield that is built but never mounted is reported (W031)', async (t) => {
  const findings = await findingsOf(t, APPS.unmounted);
  const w031 = findings.filter((f) => f.id === 'RAMPART-W031');
  assert.equal(w031.length, 1, JSON.stringify(findings));
  assert.match(w031[0]!.message, /never mounted/);
});

for (const name of ['fastifyUncalled', 'nodeMounted'] as const) {
  test(`check --app: a mounted shield (${name}) is no W031`, async (t) => {
    const findings = await findingsOf(t, APPS[name]);
    assert.deepEqual(
      findings.filter((f) => f.id === 'RAMPART-W031' || f.id === 'RAMPART-E003'),
      [],
    );
  });
}
