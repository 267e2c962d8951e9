// Issue 12 item 12a: Retry-After never exceeds the window, and Retry-After,
// X-RateLimit-Reset and the IETF RateLimit field agree on every 429 and every 2xx, for
// every algorithm and every store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, startRedis } from '../../test/helpers/services.ts';
import type { Reply, RequestView } from '../core/types.ts';
import { memoryStore } from '../stores/memory.ts';
import { postgresStore } from '../stores/postgres.ts';
import { redisStore } from '../stores/redis.ts';
import type { Algorithm, Policy, RateDecision, RateLimitStore } from '../stores/types.ts';
import { rateLimit } from './index.ts';

const T0 = 60_000 * 16_666_667; // aligned to a 60 s window
const ALGORITHMS: readonly Algorithm[] = ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'];

interface Answer {
  status: number;
  retryAfter?: number;
  limit?: number;
  remaining?: number;
  reset?: number;
  r?: number;
  t?: number;
}

const view = (ip = '192.0.2.1', path = '/'): RequestView => ({ ip, path, method: 'GET', header: () => undefined, emit: () => {} }) as unknown as RequestView;

/** One request through the middleware: status and the rate-limit headers, parsed. */
async function ask(m: ReturnType<typeof rateLimit>, ip?: string, path?: string): Promise<Answer> {
  const set: Record<string, string> = {};
  const res = {
    set: (k: string, v: string) => {
      set[k.toLowerCase()] = v;
    },
    append() {},
    get: () => undefined,
    onHead() {},
  };
  const reply = (await m.handle(view(ip, path), res as never)) as Reply | undefined;
  const h = { ...set, ...((reply?.headers as Record<string, string> | undefined) ?? {}) };
  const item = /;r=(\d+);t=(\d+)$/.exec(h.ratelimit ?? '');
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  return {
    status: reply?.status ?? 200,
    retryAfter: num(h['retry-after']),
    limit: num(h['x-ratelimit-limit']),
    remaining: num(h['x-ratelimit-remaining']),
    reset: num(h['x-ratelimit-reset']),
    r: item === null ? undefined : Number(item[1]),
    t: item === null ? undefined : Number(item[2]),
  };
}

/** The agreement every answer must show; returns a message for the first violation. */
function disagreement(a: Answer, windowSeconds: number): string | undefined {
  const maxWait = Math.max(1, Math.ceil(windowSeconds));
  if (a.reset !== a.t) return `X-RateLimit-Reset ${a.reset} ≠ RateLimit t=${a.t}`;
  if (a.remaining !== a.r) return `X-RateLimit-Remaining ${a.remaining} ≠ RateLimit r=${a.r}`;
  if (a.reset === undefined || a.reset < 0 || a.reset > maxWait) return `reset ${a.reset} outside 0…${maxWait}`;
  if (a.status === 429) {
    if (a.retryAfter === undefined || a.retryAfter < 1 || a.retryAfter > maxWait) return `Retry-After ${a.retryAfter} outside 1…${maxWait}`;
    if (a.reset !== a.retryAfter) return `429: X-RateLimit-Reset ${a.reset} ≠ Retry-After ${a.retryAfter}`;
    if (a.remaining !== 0) return `429 with remaining ${a.remaining}`;
  } else if (a.retryAfter !== undefined) return 'Retry-After on a 2xx';
  return undefined;
}

test('sliding window "3 per 60 s": Retry-After ≤ 60 s and equal to X-RateLimit-Reset and RateLimit t', async () => {
  let now = T0 + 1000;
  const m = rateLimit({ maxRequests: 3, window: 60, now: () => now });
  for (let i = 0; i < 3; i++) assert.equal((await ask(m)).status, 200);
  const refused = await ask(m);
  assert.equal(refused.status, 429);
  assert.ok(refused.retryAfter! <= 60, `Retry-After ${refused.retryAfter} exceeds the 60 s window`);
  assert.equal(disagreement(refused, 60), undefined, disagreement(refused, 60));
  // The wait announced is the wait needed: one second earlier is still refused, then admitted.
  now += (refused.retryAfter! - 1) * 1000;
  assert.equal((await ask(m)).status, 429);
  now += 1000;
  const admitted = await ask(m);
  assert.equal(admitted.status, 200);
  assert.equal(disagreement(admitted, 60), undefined, disagreement(admitted, 60));
  await m.close();
});

test('2xx that takes the last request announces the wait a 429 would: r=0;t=Retry-After', async () => {
  for (const algorithm of ALGORITHMS) {
    const m = rateLimit({ maxRequests: 2, window: 60, algorithm, now: () => T0 + 30_000 });
    await ask(m);
    const last = await ask(m);
    const next = await ask(m);
    assert.equal(last.status, 200, algorithm);
    assert.equal(last.r, 0, algorithm);
    assert.equal(next.status, 429, algorithm);
    assert.equal(last.t, next.retryAfter, `${algorithm}: the last 2xx's t must be the 429's Retry-After`);
    await m.close();
  }
});

test('property (fast-check): for every algorithm, Retry-After ≤ window and the three values agree on every 2xx and 429', async () => {
  const fc = await import('fast-check');
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ALGORITHMS),
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(1, 2, 10, 60, 90),
      fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 60 }),
      async (algorithm, limit, windowSeconds, gaps) => {
        let now = T0 + 123;
        const m = rateLimit({ maxRequests: limit, window: windowSeconds, algorithm, now: () => now });
        try {
          for (const gap of gaps) {
            now += Math.round((gap / 1000) * windowSeconds * 100) * 10; // gaps up to 4 windows
            const a = await ask(m);
            const bad = disagreement(a, windowSeconds);
            if (bad !== undefined) throw new Error(`${algorithm} ${limit}/${windowSeconds}s at +${now - T0} ms: ${bad}`);
            // Agreement with the next decision at the same instant: r > 0 → admitted; r = 0 → refused, Retry-After = t.
            const again = await ask(m);
            if (a.r! > 0 && again.status !== 200) throw new Error(`${algorithm}: r=${a.r} but the next request was refused`);
            if (a.r === 0 && (again.status !== 429 || again.retryAfter !== a.t)) {
              throw new Error(
                `${algorithm} ${limit}/${windowSeconds}s at +${now - T0} ms: r=0;t=${a.t} but then ${again.status} Retry-After ${again.retryAfter}`,
              );
            }
          }
        } finally {
          await m.close();
        }
      },
    ),
    { numRuns: 300 },
  );
});

/** Refused at t: consuming again at t + retryAfterMs is admitted, and retryAfterMs ≤ window. */
async function truthfulRetry(store: RateLimitStore, label: string, runs: number): Promise<void> {
  const fc = await import('fast-check');
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ALGORITHMS),
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 30 }),
      async (algorithm, limit, gaps) => {
        const policy: Policy = { id: `tr-${algorithm}`, algorithm, limit, windowMs: 1000 };
        const key = `${label}-${n++}`;
        let now = T0 + 7;
        for (const gap of gaps) {
          now += gap;
          const d = await store.consume(key, policy, now);
          if (d.retryAfterMs > policy.windowMs || d.resetMs > policy.windowMs)
            throw new Error(`${algorithm}: retry ${d.retryAfterMs} / reset ${d.resetMs} > window`);
          if (!d.allowed) {
            now += Math.ceil(d.retryAfterMs);
            const later = await store.consume(key, policy, now);
            if (!later.allowed) throw new Error(`${label} ${algorithm} limit ${limit}: refused again after the announced ${d.retryAfterMs} ms`);
          }
        }
      },
    ),
    { numRuns: runs },
  );
}

test('property (fast-check): a refused client admitted after exactly the announced wait (memory store)', async () => {
  const store = memoryStore();
  await truthfulRetry(store, 'memory', 500);
  store.close();
});

/** The scenario and the agreement through a remote store. */
async function remoteAgreement(store: RateLimitStore, label: string): Promise<void> {
  for (const algorithm of ALGORITHMS) {
    let now = T0 + 1000;
    const m = rateLimit({ maxRequests: 3, window: 60, algorithm, store, insurance: false, now: () => now });
    const ip = `198.51.100.${ALGORITHMS.indexOf(algorithm) + 1}`;
    for (let i = 0; i < 3; i++) {
      const a = await ask(m, ip);
      assert.equal(a.status, 200, `${label} ${algorithm}`);
      assert.equal(disagreement(a, 60), undefined, `${label} ${algorithm}: ${disagreement(a, 60)}`);
    }
    const refused = await ask(m, ip);
    assert.equal(refused.status, 429, `${label} ${algorithm}`);
    assert.equal(disagreement(refused, 60), undefined, `${label} ${algorithm}: ${disagreement(refused, 60)}`);
    now += refused.retryAfter! * 1000;
    assert.equal((await ask(m, ip)).status, 200, `${label} ${algorithm}: admitted after Retry-After`);
  }
  await truthfulRetry(store, label, 40);
  // Same decisions as the memory store for random traffic (the Lua script and the SQL
  // statement implement the arithmetic of src/stores/algorithms.ts).
  const fc = await import('fast-check');
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ALGORITHMS),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 25 }),
      async (algorithm, limit, gaps) => {
        const policy: Policy = { id: `df-${algorithm}`, algorithm, limit, windowMs: 1000 };
        const memory = memoryStore();
        const key = `df-${label}-${n++}`;
        let now = T0 + 3;
        for (const gap of gaps) {
          now += gap;
          const want = memory.consume(key, policy, now);
          const got = await store.consume(key, policy, now);
          if (
            got.allowed !== want.allowed ||
            got.remaining !== want.remaining ||
            Math.abs(got.retryAfterMs - want.retryAfterMs) >= 1 ||
            Math.abs(got.resetMs - want.resetMs) >= 1
          ) {
            throw new Error(`${label} ${algorithm} at +${now - T0}: ${JSON.stringify(got)} ≠ memory ${JSON.stringify(want)}`);
          }
        }
        memory.close();
      },
    ),
    { numRuns: 40 },
  );
}

test('Redis store: Retry-After ≤ window, headers agree, the announced wait is enough', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const store = redisStore({ url: server.url, prefix: 'hdr:', timeout: 5 });
  try {
    await remoteAgreement(store, 'redis');
  } finally {
    await store.close();
  }
});

test('PostgreSQL store: Retry-After ≤ window, headers agree, the announced wait is enough', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const store = postgresStore({ url: server.url, tablePrefix: 'hdr_' });
  try {
    await remoteAgreement(store, 'postgres');
  } finally {
    await store.close();
  }
});

// ─── Several policies on one request (a rule or burst, and the global limit) ───
// Found by the black-box attack pass (a15): with a rule and the global limit both exhausted
// the 429 named the rule's short wait (Retry-After: 5) and the retry met the global limit
// (Retry-After: 3595). Every 429 now announces the longest wait among the policies that
// would refuse the request, and the headers describe that policy.

/** Headers of one answer from a fetch Response. */
function answerOf(r: Response): Answer {
  const num = (v: string | null): number | undefined => (v === null ? undefined : Number(v));
  const item = /;r=(\d+);t=(\d+)$/.exec(r.headers.get('ratelimit') ?? '');
  return {
    status: r.status,
    retryAfter: num(r.headers.get('retry-after')),
    limit: num(r.headers.get('x-ratelimit-limit')),
    remaining: num(r.headers.get('x-ratelimit-remaining')),
    reset: num(r.headers.get('x-ratelimit-reset')),
    r: item === null ? undefined : Number(item[1]),
    t: item === null ? undefined : Number(item[2]),
  };
}

test('rule and global limit both exhausted: Retry-After is the longer wait and the retry after it is admitted (every adapter)', async (t) => {
  const { forEachAdapter } = await import('../../test/helpers/adapters.ts');
  const { stack } = await import('../stack/index.ts');
  const H0 = 3_600_000 * 277_778; // aligned to the hour window
  let now = H0 + 1000;
  await forEachAdapter(
    t,
    () => {
      now = H0 + 1000;
      return stack([
        rateLimit({
          maxRequests: 4,
          window: 3600,
          algorithm: 'fixed-window',
          now: () => now,
          rules: [{ match: '/login', maxRequests: 2, window: 5, name: 'login' }],
        }),
      ]);
    },
    async (app) => {
      const hit = async (): Promise<Answer> => answerOf(await fetch(`${app.url}/login`));
      assert.equal((await hit()).status, 200);
      assert.equal((await hit()).status, 200);
      now += 6000;
      assert.equal((await hit()).status, 200);
      const last = await hit();
      assert.equal(last.status, 200);
      // Both policies have nothing left: the 2xx announces the longer wait (the global window's end).
      assert.equal(last.r, 0);
      const globalWait = 3600 - 7; // the hour window began at H0; now is H0 + 7 s
      assert.equal(last.t, globalWait);
      const refused = await hit();
      assert.equal(refused.status, 429);
      assert.equal(refused.retryAfter, globalWait, `Retry-After ${refused.retryAfter}: the rule's 5 s wait would be refused again by the global limit`);
      assert.equal(refused.reset, globalWait);
      assert.equal(refused.t, globalWait);
      assert.equal(refused.limit, 4, 'the headers describe the policy that sets the wait');
      // Not before: after the rule's wait only, still refused, with the remaining wait.
      now += 5000;
      const early = await hit();
      assert.equal(early.status, 429);
      assert.equal(early.retryAfter, globalWait - 5);
      now += (globalWait - 5) * 1000;
      assert.equal((await hit()).status, 200, 'admitted after the announced wait');
    },
  );
});

test('burst refuses while the global limit has one left: the refused request is not counted, and the longest wait is announced', async () => {
  let now = T0; // aligned to the 60 s window
  const m = rateLimit({ maxRequests: 3, window: 60, burst: 2, algorithm: 'fixed-window', now: () => now });
  assert.equal((await ask(m)).status, 200);
  assert.equal((await ask(m)).status, 200); // burst: 0 left this second; global: 1 left
  const burst = await ask(m);
  assert.equal(burst.status, 429);
  assert.equal(burst.retryAfter, 1);
  assert.equal(burst.limit, 2);
  now += 1000;
  // Waiting as told is enough: the refused request did not take the global limit's last one.
  const last = await ask(m);
  assert.equal(last.status, 200);
  assert.equal(last.r, 0);
  assert.equal(last.t, 59);
  const both = await ask(m); // burst and global both exhausted
  assert.equal(both.status, 429);
  assert.equal(both.retryAfter, 59, `Retry-After ${both.retryAfter}: after the 1 s burst wait the global limit still refuses`);
  assert.equal(disagreement(both, 60), undefined, disagreement(both, 60));
  now += 1000;
  assert.equal((await ask(m)).status, 429, 'after the burst wait only: still refused');
  now += 58_000;
  assert.equal((await ask(m)).status, 200);
  await m.close();
});

/** Random rule + global (+ burst) limiters; every answer agrees and every announced wait is enough. */
async function combinedProperty(makeStore: (() => RateLimitStore) | undefined, label: string, runs: number, allOrNothing = true): Promise<void> {
  const fc = await import('fast-check');
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        algorithm: fc.constantFrom(...ALGORITHMS),
        ruleAlgorithm: fc.constantFrom(...ALGORITHMS),
        limit: fc.integer({ min: 1, max: 8 }),
        window: fc.constantFrom(1, 2, 10, 60, 3600),
        ruleLimit: fc.integer({ min: 1, max: 5 }),
        ruleWindow: fc.constantFrom(1, 5, 10, 60),
        burst: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      }),
      // Each step: a path (rule or not) and a gap in ms.
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6000 })), { minLength: 1, maxLength: 40 }),
      async (c, steps) => {
        let now = T0 + 123;
        const store = makeStore?.();
        const m = rateLimit({
          maxRequests: c.limit,
          window: c.window,
          algorithm: c.algorithm,
          burst: c.burst,
          now: () => now,
          rules: [{ match: '/rule', maxRequests: c.ruleLimit, window: c.ruleWindow, algorithm: c.ruleAlgorithm }],
          ...(store === undefined ? {} : { store, insurance: false }),
        });
        const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n++ & 255}`;
        const maxWindow = Math.max(c.window, c.ruleWindow, c.burst === undefined ? 0 : 1);
        const where = (path: string): string => `${label} ${JSON.stringify(c)} ${path} at +${now - T0} ms`;
        try {
          for (const [onRule, gap] of steps) {
            const path = onRule ? '/rule' : '/other';
            now += gap;
            const a = await ask(m, ip, path);
            const bad = disagreement(a, maxWindow);
            if (bad !== undefined) throw new Error(`${where(path)}: ${bad}`);
            let told = a;
            if (a.status === 200 && a.r === 0) {
              // Nothing left: the next request at the same instant is refused, with the same
              // wait (memory and Redis: a refused request is counted by no policy); with
              // PostgreSQL the policies that admitted it counted it, and its Retry-After is the wait.
              const again = await ask(m, ip, path);
              if (again.status !== 429) throw new Error(`${where(path)}: r=0 but the next request was ${again.status}`);
              if (allOrNothing && again.retryAfter !== a.t) throw new Error(`${where(path)}: r=0;t=${a.t} but then Retry-After ${again.retryAfter}`);
              told = again;
            }
            if (told.status === 429 || told.r === 0) {
              // Waiting as told (Retry-After, or t of r=0) is enough, whichever policy refused.
              const wait = told.status === 429 ? told.retryAfter! : told.t!;
              now += wait * 1000;
              const later = await ask(m, ip, path);
              if (later.status !== 200) throw new Error(`${where(path)}: told to wait ${wait} s, refused again (Retry-After ${later.retryAfter})`);
            }
          }
        } finally {
          await m.close();
        }
      },
    ),
    { numRuns: runs },
  );
}

test('property (fast-check): rule + global (+ burst), any algorithms: the headers agree and retrying after the announced wait is admitted', async () => {
  await combinedProperty(undefined, 'memory', 400);
});

/** A remote store's consumeAll decides exactly as the memory store's all-or-nothing pass (fast-check). */
async function consumeAllMatchesMemory(store: RateLimitStore, label: string, runs: number): Promise<void> {
  const fc = await import('fast-check');
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ algorithm: fc.constantFrom(...ALGORITHMS), limit: fc.integer({ min: 1, max: 4 }), windowMs: fc.constantFrom(1000, 3000) }), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 25 }),
      async (specs, gaps) => {
        const policies: Policy[] = specs.map((s, i) => ({ id: `${label}${i}`, ...s }));
        const memory = memoryStore();
        const key = `${label}-${n++}`;
        let now = T0 + 5;
        try {
          for (const gap of gaps) {
            now += gap;
            const want: Array<RateDecision | undefined> = [];
            const got: Array<RateDecision | undefined> = [];
            const w = memory.consumeAll(key, policies, now, want);
            const g = await store.consumeAll!(key, policies, now, got);
            if ((w === -1) !== (g === -1)) throw new Error(`at +${now - T0}: ${label} ${g}, memory ${w}`);
            for (let i = 0; i < policies.length; i++) {
              const x = got[i];
              const y = want[i];
              if ((x === undefined) !== (y === undefined)) throw new Error(`at +${now - T0} policy ${i}: ${JSON.stringify(x)} ≠ memory ${JSON.stringify(y)}`);
              if (
                x !== undefined &&
                y !== undefined &&
                (x.allowed !== y.allowed ||
                  x.remaining !== y.remaining ||
                  Math.abs(x.retryAfterMs - y.retryAfterMs) >= 1 ||
                  Math.abs(x.resetMs - y.resetMs) >= 1)
              ) {
                throw new Error(`at +${now - T0} policy ${i}: ${JSON.stringify(x)} ≠ memory ${JSON.stringify(y)}`);
              }
            }
          }
        } finally {
          memory.close();
        }
      },
    ),
    { numRuns: runs },
  );
}

test('Redis store: rule + global (+ burst), retrying after the announced wait is admitted', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const store = redisStore({ url: server.url, prefix: 'hdrc:', timeout: 5 });
  // One store for every run (closing the limiter closes it: wrap close()).
  const shared: RateLimitStore = Object.assign(Object.create(store) as RateLimitStore, { close: () => undefined });
  try {
    await combinedProperty(() => shared, 'redis', 40);
    // consumeAll: one script, the same decisions as the memory store's all-or-nothing pass.
    await consumeAllMatchesMemory(store, 'redis', 60);
  } finally {
    await store.close();
  }
});

test('PostgreSQL store: rule + global (+ burst), retrying after the announced wait is admitted', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const store = postgresStore({ url: server.url, tablePrefix: 'hdrc_' });
  const shared: RateLimitStore = Object.assign(Object.create(store) as RateLimitStore, { close: () => undefined });
  try {
    // consumeAll: one transaction, the same decisions as the memory store's all-or-nothing pass.
    await consumeAllMatchesMemory(store, 'pg', 25);
    await combinedProperty(() => shared, 'postgres', 25);
  } finally {
    await store.close();
  }
});

test('property (fast-check): memoryStore.consumeAll is all or nothing — it decides as "every policy admits, then count each" does', async () => {
  const fc = await import('fast-check');
  await fc.assert(
    fc.property(
      fc.array(fc.record({ algorithm: fc.constantFrom(...ALGORITHMS), limit: fc.integer({ min: 1, max: 4 }), windowMs: fc.constantFrom(1000, 3000, 60_000) }), {
        minLength: 2,
        maxLength: 3,
      }),
      fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 40 }),
      (specs, gaps) => {
        const policies: Policy[] = specs.map((s, i) => ({ id: `ca${i}`, ...s }));
        const all = memoryStore();
        const reference = memoryStore();
        const out: RateDecision[] = [];
        let now = T0 + 11;
        try {
          for (const gap of gaps) {
            now += gap;
            const admit = policies.every((p) => (reference.get('k', p, now)?.remaining ?? 1) >= 1);
            const want = admit ? policies.map((p) => reference.consume('k', p, now)) : undefined;
            const refused = all.consumeAll('k', policies, now, out);
            if ((refused === -1) !== admit)
              throw new Error(`at +${now - T0}: consumeAll ${refused === -1 ? 'admitted' : 'refused'}, reference ${admit ? 'admits' : 'refuses'}`);
            if (want !== undefined) assert.deepEqual(out.slice(0, policies.length), want);
            for (const p of policies) assert.deepEqual(all.get('k', p, now), reference.get('k', p, now));
          }
        } finally {
          all.close();
          reference.close();
        }
      },
    ),
    { numRuns: 400 },
  );
});
