import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { privacy } from './index.ts';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { loginGuard } from '../index.ts';
import { isRampartError } from '../errors.ts';
import { startPostgres, type PgServer } from '../../test/helpers/services.ts';

const CHAIN_KEY = 'chain-key-for-gdpr-erase-detail-0123456789abcdef';
const GUARD_SECRET = 'Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2Ui6Oo0-guard';
const EMAIL = 'ada.lovelace@example.com';
let counter = 0;
let lite: PGlite | undefined;
let pg: PgServer | undefined;
let pgTried = false;

after(async () => {
  await pg?.stop();
  await lite?.close();
});

/** A log on a fresh table, and raw SQL on it (the attacker, or the app, with table access). */
interface Env {
  log: SecurityLog;
  table: string;
  raw(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

async function openLog(t: TestContext, backend: 'pglite' | 'postgres'): Promise<SecurityLog | undefined> {
  return (await openEnv(t, backend))?.log;
}

async function openEnv(t: TestContext, backend: 'pglite' | 'postgres'): Promise<Env | undefined> {
  let database: PGlite | string;
  if (backend === 'pglite') database = lite ??= new PGlite();
  else {
    if (!pgTried) {
      pgTried = true;
      pg = await startPostgres(undefined);
    }
    if (pg === undefined) {
      t.skip('PostgreSQL not available');
      return undefined;
    }
    database = pg.url;
  }
  const table = `erase_detail_${process.pid}_${++counter}`;
  const log = new SecurityLog({ database, table, flushIntervalMs: 10, chain: true, chainKey: CHAIN_KEY });
  t.after(() => log.close());
  if (typeof database !== 'string') {
    const db = database;
    return { log, table, raw: async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows };
  }
  const sql = postgres(database, { max: 1, onnotice: () => {} });
  t.after(() => sql.end({ timeout: 1 }));
  return { log, table, raw: async (text, params) => (await sql.unsafe(text, (params ?? []) as never[])) as unknown as Record<string, unknown>[] };
}

async function exported(log: SecurityLog): Promise<string> {
  let text = '';
  for await (const line of log.export({ format: 'jsonl' })) text += line;
  return text;
}

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: erase() removes the account name loginGuard wrote into detail, keeps the chain verifiable`, async (t) => {
    const log = await openLog(t, backend);
    if (log === undefined) return;
    const guard = loginGuard({ maxFailures: 2, secret: GUARD_SECRET, events: log });
    t.after(() => guard.close());
    for (let i = 0; i < 3; i++) await guard.fail('203.0.113.7', EMAIL, { userId: 42 });
    // Another user's failures stay as they are.
    await guard.fail('203.0.113.8', 'grace.hopper@example.com', { userId: 7 });
    await log.flush();
    const before = await log.getForUser(42);
    assert.ok(before.length >= 4 && before.every((r) => r.detail?.includes(EMAIL)), 'loginGuard names the account');

    const gdpr = privacy({ log });
    const erased = await gdpr.erase(42);
    assert.equal(erased.securityLog!.anonymizedRows, before.length);
    assert.ok(erased.securityLog!.fields.includes('detail'));
    const rows = await log.getForUser(erased.pseudonym);
    assert.equal(rows.length, before.length);
    for (const r of rows) {
      assert.doesNotMatch(r.detail ?? '', /ada|lovelace|example\.com/, r.detail ?? '');
      assert.match(r.detail ?? '', /account=\[erased\]/);
      // The digest after the name is a hash of the address: gone too.
      assert.doesNotMatch(r.detail ?? '', /#[A-Za-z0-9_-]{16}/);
    }
    const text = await exported(log);
    assert.ok(!text.includes('lovelace'), 'export holds no trace of the address');
    assert.match(text, /grace\.hopper@example\.com/, "another user's rows are untouched");
    const verified = await log.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified));
  });

  test(`${backend}: erase({ identifiers }) removes the values the app wrote in detail and path, in any row`, async (t) => {
    const log = await openLog(t, backend);
    if (log === undefined) return;
    await log.log(
      SecurityEvent.PASSWORD_RESET_REQUESTED,
      { userId: 'u-ada', detail: `reset mail sent to ${EMAIL.toUpperCase()} for user u-ada`, path: '/users/u-ada/reset' },
      { wait: true },
    );
    await log.log(SecurityEvent.LOGIN_FAILED, { detail: `unknown login for ${EMAIL}`, path: `/login?email=${EMAIL}` }, { wait: true });
    await log.log(
      SecurityEvent.LOGIN_FAILED,
      { userId: 'u-bob', detail: 'bob@example.com: bad password (not ada.lovelace@example.community)' },
      { wait: true },
    );
    const gdpr = privacy({ log });
    const erased = await gdpr.erase('u-ada', { identifiers: [EMAIL] });
    assert.equal(erased.securityLog!.anonymizedRows, 2);
    const text = await exported(log);
    assert.ok(!text.includes('u-ada'), text);
    assert.ok(!/ada\.lovelace@example\.com(?!munity)/i.test(text), text);
    assert.match(text, /reset mail sent to \[erased\] for user \[erased\]/);
    assert.match(text, /\/users\/\[erased\]\/reset/);
    assert.match(text, /unknown login for \[erased\]/);
    assert.match(text, /ada\.lovelace@example\.community/, 'only whole values are erased');
    assert.equal((await log.verify()).ok, true);
    // Idempotent.
    assert.equal((await gdpr.erase('u-ada', { identifiers: [EMAIL] })).securityLog!.anonymizedRows, 0);
  });
}

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: erase() reaches rows at any id, also 0 and below (as many as erasureReport counts)`, async (t) => {
    const env = await openEnv(t, backend);
    if (env === undefined) return;
    const { log } = env;
    await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'u1', ip: '198.51.100.1', detail: 'real' }, { wait: true });
    await env.raw(
      `insert into ${env.table} (id, event, user_id, ip_address, detail, "timestamp") values (-3, 'LOGIN_FAILED', 'u1', '198.51.100.9', 'inserted by hand', now()), (0, 'LOGIN_FAILED', 'u1', '198.51.100.9', 'inserted by hand', now())`,
    );
    const gdpr = privacy({ log });
    assert.equal((await gdpr.erasureReport('u1')).securityLog!.rows, 3);
    const erased = await gdpr.erase('u1');
    assert.equal(erased.securityLog!.anonymizedRows, 3);
    const left = await env.raw(`select id from ${env.table} where user_id = 'u1' or ip_address is not null`);
    assert.deepEqual([...left], []);
  });
}

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: erase({ identifiers }) also finds them percent-encoded in a path and as the whole user id`, async (t) => {
    const log = await openLog(t, backend);
    if (log === undefined) return;
    await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'u-ada', ip: '198.51.100.1', detail: 'bad password' }, { wait: true });
    await log.log(SecurityEvent.PERMISSION_DENIED, { detail: 'profile', path: '/u/Ada.Lovelace%40Example.com' }, { wait: true });
    await log.log(SecurityEvent.PERMISSION_DENIED, { path: '/search?q=ada%2Elovelace%40example.com&page=2' }, { wait: true });
    // The app logged the address as the user id; the monitor's ALERT rows do the same with its key.
    await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'Ada.Lovelace@Example.com', ip: '198.51.100.5', userAgent: 'agent/1', detail: 'app' }, { wait: true });
    await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'bob', ip: '198.51.100.6', path: '/u/ada.lovelace%40example.community' }, { wait: true });
    const gdpr = privacy({ log });
    const erased = await gdpr.erase('u-ada', { identifiers: [EMAIL] });
    assert.equal(erased.securityLog!.anonymizedRows, 4);
    const text = await exported(log);
    assert.ok(!/lovelace(@|%40)example\.com(?!munity)/i.test(text), text);
    assert.match(text, /"\/u\/\[erased\]"/);
    assert.match(text, /\/search\?q=\[erased\]&page=2/);
    assert.match(text, /ada\.lovelace%40example\.community/, 'only whole values are erased');
    const mine = await log.getForUser(erased.pseudonym);
    assert.equal(mine.length, 2, "the row logged under the address is anonymised like the user's own");
    assert.ok(mine.every((r) => r.ipAddress === null && r.userAgent === null));
    assert.equal((await log.getForUser('bob'))[0]?.ipAddress, '198.51.100.6');
    assert.equal((await log.verify()).ok, true);
  });

  test(`${backend}: erase() removes loginGuard's digest of the account from rows written without a userId`, async (t) => {
    const log = await openLog(t, backend);
    if (log === undefined) return;
    const digestOf = (detail: string | null): string | undefined => /#([A-Za-z0-9_-]{16})(?![A-Za-z0-9_-])/.exec(detail ?? '')?.[1];
    // With a guard secret the digest is keyed: erase finds it in the user's own rows.
    const keyed = loginGuard({ maxFailures: 100, secret: GUARD_SECRET, events: log });
    // Without one, erase computes it from the identifiers (the user has no row of their own here).
    const plain = loginGuard({ maxFailures: 100, events: log });
    t.after(() => keyed.close());
    t.after(() => plain.close());
    await keyed.fail('203.0.113.7', EMAIL, { userId: 42 });
    await keyed.fail('203.0.113.9', EMAIL);
    await keyed.fail('203.0.113.9', EMAIL.toUpperCase());
    await plain.fail('203.0.113.10', 'grace@example.com');
    await keyed.fail('203.0.113.11', 'grace@example.com');
    await log.flush();
    const digests = new Set((await log.getRecent({ limit: 50 })).filter((r) => r.detail?.includes('a***')).map((r) => digestOf(r.detail)));
    assert.equal(digests.size, 1, 'the masked rows carry the account digest');
    const graceBefore = (await log.getRecent({ limit: 50 })).filter((r) => r.detail?.includes('g***')).map((r) => r.detail);

    const gdpr = privacy({ log });
    await gdpr.erase(42);
    await plain.fail('203.0.113.12', EMAIL);
    await log.flush();
    await gdpr.erase('u-none', { identifiers: [EMAIL] });
    const rows = await log.getRecent({ limit: 50 });
    for (const r of rows.filter((x) => !x.detail?.includes('g***'))) {
      assert.doesNotMatch(r.detail ?? '', /a\*\*\*|A\*\*\*|lovelace|#[A-Za-z0-9_-]{16}/i, r.detail ?? '');
      assert.match(r.detail ?? '', /account=\[erased\]/);
    }
    assert.deepEqual(
      rows.filter((r) => r.detail?.includes('g***')).map((r) => r.detail),
      graceBefore,
      "another account's rows keep their digest",
    );
    assert.equal((await log.verify()).ok, true);
  });
}

test('erase({ identifiers }) rejects values that would erase too much', async (t) => {
  const log = new SecurityLog({ database: 'memory' });
  t.after(() => log.close());
  const gdpr = privacy({ log });
  for (const identifiers of [['ab'], 'ada@example.com', [42], ['   '], Array.from({ length: 101 }, (_, i) => `user${i}@example.com`)]) {
    await assert.rejects(
      gdpr.erase('u1', { identifiers } as never),
      (err) => isRampartError(err) && err.code === 'ERR_RAMPART_GDPR_INPUT',
      JSON.stringify(identifiers).slice(0, 40),
    );
  }
  await assert.rejects(log.anonymizeUser('u1', { identifiers: ['x'] }), (err) => isRampartError(err) && err.code === 'ERR_RAMPART_LOG_INPUT');
});

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: erase({ identifiers }) also finds them in other rows' user agent, double-percent-encoded and base64-encoded whole`, async (t) => {
    const log = await openLog(t, backend);
    if (log === undefined) return;
    const given = 'Ada.Lovelace@Example.com';
    const base64 = Buffer.from(given).toString('base64');
    const base64url = Buffer.from(EMAIL).toString('base64url');
    await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'u-ada', ip: '198.51.100.1', detail: 'bad password' }, { wait: true });
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '198.51.100.2', userAgent: `Mozilla/5.0 mail=${given}`, detail: 'ua' }, { wait: true });
    await log.log(SecurityEvent.PERMISSION_DENIED, { path: '/q?email=ada.lovelace%2540example.com&x=1' }, { wait: true });
    await log.log(SecurityEvent.PERMISSION_DENIED, { detail: `token ${base64} and ${base64url} end` }, { wait: true });
    await log.log(SecurityEvent.PERMISSION_DENIED, { userAgent: 'curl/8 (ada.lovelace@example.community)', detail: 'other' }, { wait: true });
    const gdpr = privacy({ log });
    const erased = await gdpr.erase('u-ada', { identifiers: [given] });
    assert.equal(erased.securityLog!.anonymizedRows, 4);
    const text = await exported(log);
    for (const gone of [/lovelace(@|%40|%2540)example\.com(?!munity)/i, new RegExp(base64.replace(/=+$/, '')), new RegExp(base64url)])
      assert.doesNotMatch(text, gone);
    assert.match(text, /"userAgent":"Mozilla\/5\.0 mail=\[erased\]"/);
    assert.match(text, /\/q\?email=\[erased\]&x=1/);
    assert.match(text, /token \[erased\] and \[erased\] end/);
    assert.match(text, /ada\.lovelace@example\.community/, 'only whole values are erased');
    // The other person's row keeps its address and agent.
    const ua = (await log.getRecent({ limit: 10 })).find((r) => r.detail === 'ua');
    assert.equal(ua?.ipAddress, '198.51.100.2');
    assert.equal((await log.verify()).ok, true);
  });
}
