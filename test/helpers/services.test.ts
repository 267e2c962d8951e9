import { test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { startPostgres, startRedis, startNginx, freePort } from './services.ts';

test('freePort returns a usable port number', async () => {
  const port = await freePort();
  assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
});

test('freePort picks below the kernel ephemeral range, so client sockets and listen(0) cannot take it before the server binds', async (t) => {
  let range: string;
  try {
    range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return t.skip('no /proc/sys/net/ipv4/ip_local_port_range (not Linux)');
  }
  const low = Number(range.trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  for (const port of ports) assert.ok(port >= 1024 && port < low, `${port} is in the ephemeral range ${range.trim()}`);
});

test('startPostgres: select 1, then kill and restart keeps the same URL working', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  assert.match(pg.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  const sql = postgres(pg.url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql`select 1 as one`;
    assert.equal(row?.one, 1);
    await sql`create table keep_me (v int)`;
    await sql`insert into keep_me values (7)`;
    await pg.kill();
    await assert.rejects(sql`select 1`);
    await pg.restart();
    const rows = await sql`select v from keep_me`;
    assert.deepEqual(
      rows.map((r) => r.v),
      [7],
    );
  } finally {
    await sql.end({ timeout: 1 });
    await pg.stop();
  }
});

test('startRedis: PING, then kill and restart on the same port', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 50), lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    assert.equal(await client.ping(), 'PONG');
    await redis.kill();
    await redis.restart();
    assert.equal(await client.ping(), 'PONG');
  } finally {
    client.disconnect();
    await redis.stop();
  }
});

test('startNginx: serves its configuration, stops cleanly; a broken configuration is an error, not a skip', async (t) => {
  const nginx = await startNginx(t, { server: "location / { default_type text/plain; return 200 'nginx $http_x_probe'; }" });
  if (nginx === undefined) return;
  const res = await fetch(`${nginx.url}/`, { headers: { 'x-probe': 'ok' } });
  assert.equal(await res.text(), 'nginx ok');
  await nginx.stop();
  await assert.rejects(fetch(`${nginx.url}/`));
  await assert.rejects(startNginx(t, { server: 'location / { no_such_directive on; }' }), /nginx rejected the test configuration/);
});
