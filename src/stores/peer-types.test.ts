import test from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Cluster } from 'ioredis';
import postgres from 'postgres';
import { PGlite } from '@electric-sql/pglite';
import type { PGliteLike, PostgresClientLike, PostgresQueryable } from '../core/postgres.ts';
import type { RedisLike } from './redis.ts';
import { redisStore } from './redis.ts';
import { postgresStore } from './postgres.ts';

// Public options are typed structurally (the optional peers' types never reach rampart's
// .d.ts); the real clients must still fit them. `tsc --noEmit` checks these assignments.
test('ioredis, postgres.js and PGlite clients fit the structural types of the public options (no I/O)', async () => {
  const redis = new Redis({ lazyConnect: true });
  const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
  const sql = postgres('postgres://127.0.0.1:1/none', { max: 1 });
  try {
    const r: RedisLike = redis;
    const c: RedisLike = cluster;
    const p: PostgresClientLike = sql;
    const q: PostgresQueryable = sql;
    const pg: PGliteLike = Object.create(PGlite.prototype) as PGlite;
    assert.equal(typeof redisStore({ client: r }).consume, 'function');
    assert.equal(typeof redisStore({ client: c }).consume, 'function');
    assert.equal(typeof postgresStore({ sql: p }).open, 'function');
    assert.equal(typeof q.unsafe, 'function');
    assert.equal(typeof pg.query, 'function');
  } finally {
    redis.disconnect();
    cluster.disconnect();
    await sql.end({ timeout: 0 });
  }
});
