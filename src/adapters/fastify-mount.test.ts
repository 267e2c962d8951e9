import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { rampart } from '../preset.ts';
import { stack } from '../stack/index.ts';
import { createJwt, requireJwt } from '../auth/index.ts';
import { SecurityLog } from '../log/index.ts';
import { dashboard } from '../dashboard/index.ts';
import { fastify as fastifyPluginOf } from './fastify.ts';
import { RampartError } from '../errors.ts';

// `app.register(shield.fastify)` (the method, not its result) is an easy slip: Fastify calls
// it as a plugin `(instance, options, done)`. It must install the shield like the called form.

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

const jwt = createJwt({ algorithm: 'HS256', secret: randomBytes(32), issuer: 'https://id.example', audience: 'api' });

for (const form of ['shield.fastify()', 'shield.fastify'] as const) {
  test(`fastify: register(${form}) enforces requireJwt on a real server (no token: 401)`, async () => {
    const shield = stack([requireJwt({ jwt })]);
    const app = Fastify();
    await app.register(form === 'shield.fastify' ? shield.fastify : shield.fastify());
    app.get('/admin', async () => 'SECRET ADMIN DATA');
    const url = await listen(app);
    try {
      const res = await fetch(`${url}/admin`);
      assert.equal(res.status, 401);
      assert.doesNotMatch(await res.text(), /SECRET/);
      const token = await jwt.sign({ sub: 'u1' });
      const ok = await fetch(`${url}/admin`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'SECRET ADMIN DATA');
    } finally {
      await app.close();
      await shield.close();
    }
  });

  test(`fastify: register(${form}) of the preset sets its headers on routes registered after it`, async () => {
    const shield = rampart({ log: false });
    const app = Fastify();
    await app.register(form === 'shield.fastify' ? shield.fastify : shield.fastify());
    app.get('/', async () => 'x');
    const url = await listen(app);
    try {
      const res = await fetch(`${url}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(res.headers.get('content-security-policy')?.includes("default-src 'self'"));
    } finally {
      await app.close();
      await shield.close();
    }
  });
}

test('fastify: shield.fastify given something that is not a Fastify instance throws ERR_RAMPART_CONFIG saying how to mount it', () => {
  const shield = stack([]);
  const call = shield.fastify as unknown as (...args: unknown[]) => unknown;
  assert.throws(
    () => call({ prefix: '/api' }),
    (error: unknown) => error instanceof RampartError && error.code === 'ERR_RAMPART_CONFIG' && /register\(shield\.fastify\(\)\)/.test(error.message),
  );
});

test("fastify: register(fastify) from 'rampart/fastify' without a shield fails at register time with ERR_RAMPART_CONFIG", async () => {
  const app = Fastify();
  await assert.rejects(
    async () => {
      await app.register(fastifyPluginOf as never);
      await app.ready();
    },
    (error: unknown) => error instanceof RampartError && error.code === 'ERR_RAMPART_CONFIG',
  );
  await app.close();
});

for (const form of ['dash.fastify()', 'dash.fastify'] as const) {
  test(`fastify: register(${form}) serves the dashboard (401 without a token, not the app's 404)`, async () => {
    const log = new SecurityLog({ database: 'memory' });
    const dash = dashboard({ log, auth: { token: randomBytes(24).toString('base64url') } });
    const app = Fastify();
    await app.register(form === 'dash.fastify' ? dash.fastify : dash.fastify());
    app.get('/app', async () => 'app');
    const url = await listen(app);
    try {
      const res = await fetch(`${url}/_rampart/api/summary`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 401);
      assert.equal(await (await fetch(`${url}/app`)).text(), 'app');
    } finally {
      await app.close();
      await dash.close();
      await log.close();
    }
  });
}
