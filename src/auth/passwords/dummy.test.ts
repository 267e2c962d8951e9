import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword, type PasswordHashOptions } from './index.ts';
import { dummyWork } from './dummy.ts';
import { isRampartError } from '../../errors.ts';
import { loginGuard } from '../../abuse/index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';

const PEPPER = 'a-pepper-of-at-least-16-bytes!!';
// An app that chose stronger parameters than the default, and passes them to hash and verify.
const OPTIONS: PasswordHashOptions = { pepper: PEPPER, memory: 8192, passes: 3 };

const argon2Available = await hashPassword('probe').then(
  () => true,
  (e: unknown) => {
    if (isRampartError(e, 'ERR_RAMPART_ARGON2_UNAVAILABLE')) return false;
    throw e;
  },
);
const argon2 = { skip: argon2Available ? false : `no argon2 in Node ${process.version}` };

/** The dummy verification a call ran: how many, and with which parameters. */
async function dummyOf(run: () => Promise<unknown>): Promise<{ runs: number; params: unknown; answer: unknown }> {
  const before = dummyWork.count;
  let answer: unknown;
  try {
    answer = await run();
  } catch (error) {
    answer = (error as { code?: string }).code ?? error;
  }
  return { runs: dummyWork.count - before, params: dummyWork.count > before ? dummyWork.last : undefined, answer };
}

test('the dummy check for an unknown user uses the options of each call, not of the first call', argon2, async () => {
  const weak = await dummyOf(() => verifyPassword(null, 'some-guess', { memory: 7168, passes: 1 }));
  assert.deepEqual(weak, { runs: 1, params: { variant: 'argon2id', memory: 7168, passes: 1, parallelism: 1 }, answer: { ok: false, needsRehash: false } });
  const strong = await dummyOf(() => verifyPassword(null, 'some-guess', OPTIONS));
  assert.deepEqual(strong.params, { variant: 'argon2id', memory: 8192, passes: 3, parallelism: 1 }, 'costs what a row hashed with these options costs');
  const defaults = await dummyOf(() => verifyPassword(null, 'some-guess'));
  assert.deepEqual(defaults.params, { variant: 'argon2id', memory: 19456, passes: 2, parallelism: 1 });
});

test('a password over 72 bytes against a bcrypt row gets the unknown-user answer after the same dummy work', argon2, async () => {
  const legacy = bcrypt.hashSync('old-password-123', 4);
  for (const password of ['x'.repeat(73), 'é'.repeat(37), 'x'.repeat(4096)]) {
    const known = await dummyOf(() => verifyPassword(legacy, password, OPTIONS));
    const unknown = await dummyOf(() => verifyPassword(null, password, OPTIONS));
    assert.deepEqual(known, unknown, `${Buffer.byteLength(password)} bytes: same answer, same work`);
    assert.deepEqual(known, { runs: 1, params: { variant: 'argon2id', memory: 8192, passes: 3, parallelism: 1 }, answer: { ok: false, needsRehash: false } });
  }
  // Beyond 4096 bytes every user gets the same refusal, before any lookup could matter.
  const huge = 'x'.repeat(4097);
  assert.deepEqual(await dummyOf(() => verifyPassword(legacy, huge, OPTIONS)), await dummyOf(() => verifyPassword(null, huge, OPTIONS)));
  assert.equal((await dummyOf(() => verifyPassword(null, huge, OPTIONS))).answer, 'ERR_RAMPART_PASSWORD_TOO_LONG');
});

// The README's login (Passwords + loginGuard) over HTTP: a not-yet-migrated bcrypt row.
function loginApp(guardOf: () => ReturnType<typeof loginGuard>, users: Map<string, { hash: string }>) {
  return async (req: AppRequest): Promise<AppResponse> => {
    const guard = guardOf();
    const form = JSON.parse(req.body) as { username: string; password: string };
    const ip = req.view?.ip ?? '';
    const { allowed, retryAfter } = await guard.check(ip, form.username);
    if (!allowed) return { status: 429, headers: { 'retry-after': String(retryAfter) } };
    const user = users.get(form.username);
    const { ok } = await verifyPassword(user?.hash ?? null, form.password, OPTIONS);
    if (ok && user) {
      await guard.succeed(ip, form.username);
      return { status: 200 };
    }
    await guard.fail(ip, form.username);
    return { status: 401 };
  };
}

test('login over HTTP: a 73-byte password gets 401 for a bcrypt user as for an unknown one, and the guard counts it (every adapter)', argon2, async (t) => {
  const users = new Map([['legacy', { hash: bcrypt.hashSync('old-password-123', 4) }]]);
  let guard!: ReturnType<typeof loginGuard>;
  const post = (url: string, username: string) =>
    fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'x'.repeat(73) }) });
  await forEachAdapter(
    t,
    () => {
      guard = loginGuard({ maxFailures: 3, window: 900, lockout: 60, accountMaxFailures: false, events: { emit() {} } });
      return stack([]);
    },
    async (running) => {
      const statuses: number[] = [];
      for (const username of ['nobody', 'legacy', 'legacy', 'legacy', 'legacy']) {
        const r = await post(running.url, username);
        statuses.push(r.status);
        await r.body?.cancel();
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429], 'same answer as an unknown user; three failures on the account lock it for this address');
      await guard.close();
    },
    loginApp(() => guard, users),
  );
});
