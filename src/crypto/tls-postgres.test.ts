import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { databaseSsl } from './index.ts';
import { startPostgres } from '../../test/helpers/services.ts';
import { selfSigned } from '../../test/helpers/certs.ts';

const run = promisify(execFile);

test('databaseSsl against a real PostgreSQL with SSL: verify-full connects with the CA and right name, refuses otherwise', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  t.after(() => pg.stop());
  try {
    await run('openssl', ['version'], { timeout: 10_000 });
  } catch (error) {
    const reason = `the openssl CLI is needed to make a test certificate (${(error as Error).message})`;
    if (process.env.RAMPART_REQUIRE_SERVICES === '1') throw new Error(reason, { cause: error });
    return void t.skip(reason);
  }
  const dir = await mkdtemp(join(tmpdir(), 'rampart-pgssl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await selfSigned('db.example', join(dir, 'server.key'), join(dir, 'server.crt'), ['DNS:db.example']);
  await chmod(join(dir, 'server.key'), 0o600);
  if (process.getuid?.() === 0) {
    // The server runs as `postgres` and insists on owning a 0600 key.
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    for (const path of [dir, join(dir, 'server.key'), join(dir, 'server.crt')]) await chown(path, Number(uid), Number(gid));
  }
  assert.ok((await stat(join(dir, 'server.crt'))).isFile());
  const ca = await readFile(join(dir, 'server.crt'));

  const admin = postgres(pg.url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`ALTER SYSTEM SET ssl_cert_file = '${join(dir, 'server.crt')}'`);
  await admin.unsafe(`ALTER SYSTEM SET ssl_key_file = '${join(dir, 'server.key')}'`);
  await admin.unsafe('ALTER SYSTEM SET ssl = on');
  await admin.unsafe('SELECT pg_reload_conf()');
  await admin.end();

  const query = async (ssl: ReturnType<typeof databaseSsl>) => {
    const sql = postgres(pg.url, { ssl: ssl as never, max: 1, connect_timeout: 10, onnotice: () => undefined });
    try {
      const rows = await sql<{ ssl: boolean; version: string }[]>`SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
      return rows[0];
    } finally {
      await sql.end({ timeout: 1 });
    }
  };
  // SSL is enabled by a reload; poll briefly until new connections see it.
  let row: { ssl: boolean; version: string } | undefined;
  for (let i = 0; i < 50 && row === undefined; i++) {
    row = await query(databaseSsl({ ca, servername: 'db.example' })).catch(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    });
  }
  assert.ok(row, 'verify-full with the CA and the certificate name connects');
  assert.equal(row.ssl, true);
  assert.match(row.version, /^TLSv1\.[23]$/);

  await assert.rejects(query(databaseSsl({ ca })), /altname|Hostname\/IP does not match/i, 'verify-full: 127.0.0.1 is not a name on the certificate');
  await assert.rejects(query(databaseSsl({ servername: 'db.example' })), /self.signed|unable to verify|certificate/i, 'verify-full: unknown CA refused');
  const verifyCa = await query(databaseSsl({ mode: 'verify-ca', ca }));
  assert.equal(verifyCa?.ssl, true, 'verify-ca: chain checked, name not');
});
