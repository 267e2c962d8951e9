// logFromRequest and the event sink through every adapter on real servers: the request
// data comes from rampart's request view (trusted client ip), never from a raw header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { SecurityLog, SecurityEvent } from './index.ts';
import { stack } from '../stack/index.ts';
import type { Middleware } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

const db = new PGlite();
let current: SecurityLog | undefined;
test.after(() => db.close());

const denyAdmin: Middleware = {
  name: 'denyAdmin',
  handle(req) {
    if (!req.path.startsWith('/admin')) return undefined;
    req.emit('PERMISSION_DENIED', 'admin area');
    return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'no' };
  },
};

test('logFromRequest uses the view: trusted proxy ip, user agent, raw path', async (t) => {
  let n = 0;
  await forEachAdapter(
    t,
    () => stack([], { trustProxy: ['127.0.0.1'] }),
    async (app) => {
      const table = `adapters_${app.adapter}_${++n}`;
      const log = new SecurityLog({ database: db, table, flushIntervalMs: 5 });
      current = log;
      try {
        const res = await fetch(`${app.url}/login?next=%2F`, { headers: { 'user-agent': `agent-${app.adapter}`, 'x-forwarded-for': '203.0.113.9' } });
        assert.equal(res.status, 200, await res.text());
        const [row] = await log.getRecent();
        assert.deepEqual(
          { ip: row?.ipAddress, ua: row?.userAgent, path: row?.path, detail: row?.detail },
          { ip: '203.0.113.9', ua: `agent-${app.adapter}`, path: '/login', detail: 'from app' },
        );
      } finally {
        await log.close();
      }
    },
    async (req) => {
      await current!.logFromRequest(SecurityEvent.LOGIN_FAILED, req.native, { detail: 'from app' }, { wait: true });
      return { status: 200, body: 'ok' };
    },
  );
});

test('without trustProxy a forged X-Forwarded-For is ignored; middleware events reach the stack sink', async (t) => {
  current = new SecurityLog({ database: db, table: 'adapters_sink', flushIntervalMs: 5 });
  await forEachAdapter(
    t,
    () => stack([denyAdmin], { events: current! }),
    async (app) => {
      const res = await fetch(`${app.url}/admin/users`, { headers: { 'x-forwarded-for': '6.6.6.6', 'user-agent': 'forger' } });
      assert.equal(res.status, 403);
      await current!.flush();
      const rows = await current!.getRecent({ limit: 1 });
      const denied = rows.find((r) => r.event === 'PERMISSION_DENIED');
      assert.deepEqual(
        { ip: denied?.ipAddress, path: denied?.path, ua: denied?.userAgent, detail: denied?.detail },
        { ip: '127.0.0.1', path: '/admin/users', ua: 'forger', detail: 'admin area' },
      );
    },
  ).finally(() => current?.close());
});

test('an on-disk PGlite log creates missing parent directories (a fresh clone has no ./data)', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const root = await mkdtemp(join(tmpdir(), 'rampart-log-'));
  const log = new SecurityLog({ database: join(root, 'missing', 'parent', 'security') });
  try {
    await log.ensureTable();
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '192.0.2.1' }, { wait: true });
    assert.equal((await log.getForIp('192.0.2.1')).length, 1);
  } finally {
    await log.close();
    await rm(root, { recursive: true, force: true });
  }
});
