/**
 * `rampart dashboard` never shows a secret of its --database URL: neither the password of the
 * userinfo nor one in the query (password, sslpassword, sslkey, passfile, …), in the start-up
 * line or on the page.
 */
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAIN } from './fixtures/run-cli.ts';

test('dashboard masks the userinfo and the secret query parameters of a postgres:// URL in the start-up line and the page', async (t) => {
  const token = 'cli-dashboard-MuiJX95Y6VEd70y7MhPauVT4';
  const database =
    'postgres://u:pw-secret@127.0.0.1:1/db?password=hunter2&sslpassword=s3cret&sslkey=/keys/k.pem&passfile=/p/.pgpass&x_api_token=tok9&application_name=app';
  const child = spawn(process.execPath, [MAIN, 'dashboard', '--database', database, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', RAMPART_DASHBOARD_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [line, url] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^(rampart dashboard on (http:\/\/127\.0\.0\.1:\d+\/_rampart) .*)\n/m.exec(out);
      if (m) resolve([m[1]!, m[2]!]);
    });
    child.on('exit', (code) => reject(new Error(`dashboard exited ${code}: ${stderr}`)));
  });
  const page = await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).text();
  for (const [where, text] of [
    ['start-up line', line],
    ['page', page],
    ['stderr', stderr],
  ] as const) {
    for (const secret of ['pw-secret', 'hunter2', 's3cret', 'k.pem', '.pgpass', 'tok9']) assert.ok(!text.includes(secret), `${where} shows ${secret}: ${text}`);
  }
  assert.match(
    line,
    /postgres:\/\/\*\*\*@127\.0\.0\.1:1\/db\?password=\*\*\*&sslpassword=\*\*\*&sslkey=\*\*\*&passfile=\*\*\*&x_api_token=\*\*\*&application_name=app/,
  );
});
