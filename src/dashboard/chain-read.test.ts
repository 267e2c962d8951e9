/**
 * A dashboard over a chained SecurityLog (`chain: true`) checks each row it shows, as the
 * log's own reads do: rows inserted through SQL without the key appear neither in the
 * summary's recent events nor in the live stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { SecurityEvent, SecurityLog } from '../log/index.ts';
import { mountDashboard as mount } from '../../test/helpers/dashboard.ts';
import { dashboard } from './index.ts';

const TOKEN = 'chain-read-token-0123456789abcdef';

async function readUntil(res: Response, pattern: RegExp): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

test('dashboard over a chained log: forged rows are not shown in recent events nor streamed', async (t) => {
  const db = new PGlite();
  const log = new SecurityLog({ database: db, chain: true, chainKey: 'chain-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U', flushIntervalMs: 10 });
  const dash = dashboard({ log, auth: { token: TOKEN }, pollMs: 50 });
  const server = await mount('node', dash);
  t.after(async () => {
    await server.close();
    await dash.close();
    await log.close();
    await db.close();
  });
  for (let i = 0; i < 3; i++) await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7', detail: `genuine ${i}` }, { wait: true });
  await db.query(`insert into rampart_security_log (event, ip_address, detail, "timestamp") values ('LOGIN_SUCCESS', '203.0.113.66', 'forged recent', now())`);
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const summary = (await (await fetch(`${server.url}/_rampart/api/summary`, { headers: bearer })).json()) as { recent: Array<{ detail: string | null }> };
  assert.deepEqual(
    summary.recent.map((r) => r.detail),
    ['genuine 2', 'genuine 1', 'genuine 0'],
  );

  const events = await fetch(`${server.url}/_rampart/api/events`, { headers: bearer });
  const seen = readUntil(events, /genuine live/);
  await db.query(`insert into rampart_security_log (event, ip_address, detail, "timestamp") values ('LOGIN_SUCCESS', '203.0.113.66', 'forged live', now())`);
  await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7', detail: 'genuine live' }, { wait: true });
  const text = await seen;
  assert.doesNotMatch(text, /forged/);
});
