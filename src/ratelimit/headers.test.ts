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
import type { Algorithm, Policy, RateLimitStore } from '../stores/types.ts';
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

const view = (ip = '192.0.2.1'): RequestView => ({ ip, path: '/', method: 'GET', header: () => undefined, emit: () => {} }) as unknown as RequestView;

/** One request through the middleware: status and the rate-limit headers, parsed. */
async function ask(m: ReturnType<typeof rateLimit>, ip?: string): Promise<Answer> {
  const set: Record<string, string> = {};
  const res = { set: (k: string, v: string) => void (set[k.toLowerCase()] = v), append() {}, get: () => undefined, onHead() {} };
  const reply = (await m.handle(view(ip), res as never)) as Reply | undefined;
  const h = { ...set, ...((reply?.headers as Record<string, string> | undefined) ?? {}) };
  const item = /;r=(\d+);t=(\d+)$/.exec(h['ratelimit'] ?? '');
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
              throw new Error(`${algorithm} ${limit}/${windowSeconds}s at +${now - T0} ms: r=0;t=${a.t} but then ${again.status} Retry-After ${again.retryAfter}`);
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
          if (d.retryAfterMs > policy.windowMs || d.resetMs > policy.windowMs) throw new Error(`${algorithm}: retry ${d.retryAfterMs} / reset ${d.resetMs} > window`);
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
    fc.asyncProperty(fc.constantFrom(...ALGORITHMS), fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 25 }), async (algorithm, limit, gaps) => {
      const policy: Policy = { id: `df-${algorithm}`, algorithm, limit, windowMs: 1000 };
      const memory = memoryStore();
      const key = `df-${label}-${n++}`;
      let now = T0 + 3;
      for (const gap of gaps) {
        now += gap;
        const want = memory.consume(key, policy, now);
        const got = await store.consume(key, policy, now);
        if (got.allowed !== want.allowed || got.remaining !== want.remaining || Math.abs(got.retryAfterMs - want.retryAfterMs) >= 1 || Math.abs(got.resetMs - want.resetMs) >= 1) {
          throw new Error(`${label} ${algorithm} at +${now - T0}: ${JSON.stringify(got)} ≠ memory ${JSON.stringify(want)}`);
        }
      }
      memory.close();
    }),
    { numRuns: 40 },
  );
}

test('Redis store: Retry-After ≤ window, headers agree, the announced wait is enough', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const store = redisStore({ url: server.url, prefix: 'hdr:' });
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
