import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import { memoryStore } from '../stores/memory.ts';
import { toRateDecision, freshState, step } from '../stores/algorithms.ts';
import type { Algorithm, Policy } from '../stores/types.ts';

const T0 = 60_000 * 16_666_667; // aligned to a 60 s window
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const policy = (algorithm: Algorithm, limit: number, windowMs: number, id = 'g'): Policy => ({ id, algorithm, limit, windowMs });

test('fixed window: limit per aligned window, reset at the boundary', () => {
  const s = memoryStore();
  const p = policy('fixed-window', 3, 60_000);
  const got = [0, 1, 2, 3].map((i) => s.consume('k', p, T0 + i * 1000));
  assert.deepEqual(
    got.map((d) => d.allowed),
    [true, true, true, false],
  );
  assert.deepEqual(
    got.map((d) => d.remaining),
    [2, 1, 0, 0],
  );
  assert.equal(got[3]!.resetMs, 57_000);
  assert.equal(got[3]!.retryAfterMs, 57_000);
  assert.equal(s.consume('k', p, T0 + 60_000).allowed, true);
  s.close();
});

test('sliding window: weighted two-window estimate', () => {
  const s = memoryStore();
  const p = policy('sliding-window', 10, 60_000);
  for (let i = 0; i < 10; i++) assert.equal(s.consume('k', p, T0 + 50_000).allowed, true);
  assert.equal(s.consume('k', p, T0 + 59_999).allowed, false);
  // 15 s into the next window the previous 10 weigh 10 · 45/60 = 7.5: two more fit (9.5 ≤ 10), not three.
  const a = s.consume('k', p, T0 + 75_000);
  const b = s.consume('k', p, T0 + 75_000);
  const c = s.consume('k', p, T0 + 75_000);
  assert.deepEqual([a.allowed, b.allowed, c.allowed], [true, true, false]);
  assert.equal(b.remaining, 0);
  // Retry when 10·(60−e)/60 + 2 ≤ 9 → e ≥ 18 s: 3 s after T0+75 s.
  assert.equal(Math.round(c.retryAfterMs), 3000);
  assert.equal(s.consume('k', p, T0 + 78_000).allowed, true);
  // Two windows later the previous window is forgotten entirely.
  for (let i = 0; i < 10; i++) assert.equal(s.consume('k', p, T0 + 180_000).allowed, true);
  s.close();
});

test('sliding window: never more than the limit inside one aligned window, even at the edges', () => {
  const s = memoryStore();
  const p = policy('sliding-window', 5, 1000);
  let admitted = 0;
  for (let t = 0; t < 1000; t += 7) if (s.consume('k', p, T0 + t).allowed) admitted++;
  assert.equal(admitted, 5);
  s.close();
});

test('token bucket: burst of maxRequests, refills over the window', () => {
  const s = memoryStore();
  const p = policy('token-bucket', 4, 4000); // 1 token per second
  const burst = [0, 0, 0, 0, 0].map(() => s.consume('k', p, T0));
  assert.deepEqual(
    burst.map((d) => d.allowed),
    [true, true, true, true, false],
  );
  assert.equal(burst[4]!.retryAfterMs, 1000);
  assert.equal(s.consume('k', p, T0 + 999).allowed, false);
  assert.equal(s.consume('k', p, T0 + 1000).allowed, true);
  const d = s.consume('k', p, T0 + 10_000);
  assert.equal(d.allowed, true);
  assert.equal(d.remaining, 3); // capped at capacity, minus this one
  s.close();
});

test('GCRA: same admission pattern as the token bucket', () => {
  const s = memoryStore();
  const g = policy('gcra', 4, 4000, 'g');
  const t = policy('token-bucket', 4, 4000, 't');
  const times = [0, 0, 0, 0, 0, 500, 999, 1000, 1000, 2500, 2600, 7000, 7000, 7000, 7000, 7000, 7001];
  const gcra = times.map((dt) => s.consume('k', g, T0 + dt).allowed);
  const bucket = times.map((dt) => s.consume('k', t, T0 + dt).allowed);
  assert.deepEqual(gcra, bucket);
  const denied = s.consume('k', g, T0 + 7001);
  assert.equal(denied.allowed, false);
  assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 1000);
  s.close();
});

test('a clock stepping backwards never grants extra capacity', () => {
  for (const algorithm of ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'] as const) {
    const p = policy(algorithm, 3, 10_000);
    const state = freshState(p, T0 + 5000);
    let admitted = 0;
    for (const dt of [5000, 5000, 5000, 4000, 1000, 0, 3000, 5000]) if (step(p, state, T0 + dt, 1)) admitted++;
    assert.equal(admitted, 3, algorithm);
    assert.equal(toRateDecision(p, state, T0 + 5000, false).remaining, 0, algorithm);
  }
});

test('get() reads without counting; reset() forgets', () => {
  const s = memoryStore();
  const p = policy('fixed-window', 2, 60_000);
  assert.equal(s.get('k', p, T0), undefined);
  s.consume('k', p, T0);
  assert.equal(s.get('k', p, T0)!.remaining, 1);
  assert.equal(s.get('k', p, T0)!.remaining, 1);
  s.consume('k', p, T0);
  assert.equal(s.get('k', p, T0)!.allowed, false);
  s.reset('k');
  assert.equal(s.get('k', p, T0), undefined);
  assert.equal(s.size, 0);
  s.close();
});

test('memory store: 1,000,000 distinct keys keep memory bounded (LRU cap + sweep)', () => {
  const s = memoryStore({ maxKeys: 50_000 });
  const p = policy('sliding-window', 10, 60_000);
  const hot = policy('sliding-window', 3, 60_000, 'hot');
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) {
    s.consume(`k${i}`, p, T0);
    // One key hit all along stays counted: hot keys are refreshed away from the eviction end.
    if (i % 1000 === 0) s.consume('victim', hot, T0);
  }
  assert.ok(s.size <= 50_000, `size ${s.size}`);
  assert.equal(s.consume('victim', hot, T0).allowed, false, 'the hot key was not evicted');
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 32 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB`);
  s.sweep(T0 + 120_000);
  assert.equal(s.size, 0);
  s.close();
});

test('memory store: default cap holds with a flood of spoofed keys', () => {
  const s = memoryStore();
  const p = policy('fixed-window', 1, 1000);
  for (let i = 0; i < 1_000_000; i++) s.consume(`spoof-${i}`, p, T0);
  assert.ok(s.size <= 200_000);
  s.close();
});

test('memoryStore rejects unknown options and bad values', () => {
  assert.throws(() => memoryStore({ maxkeys: 5 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  assert.throws(() => memoryStore({ maxKeys: 0 }), { code: 'ERR_RAMPART_CONFIG' });
});

test('blocks expire', () => {
  const s = memoryStore();
  s.block('1.2.3.4', T0 + 1000, 'test');
  assert.equal(s.blocked('1.2.3.4', T0)?.reason, 'test');
  assert.equal(s.blocks(T0).length, 1);
  assert.equal(s.blocked('1.2.3.4', T0 + 1000), undefined);
  assert.equal(s.blocks(T0 + 1000).length, 0);
  s.close();
});

test('property: the documented bounds hold for random traffic (fast-check)', async () => {
  const fc = await import('fast-check');
  fc.assert(
    fc.property(
      fc.constantFrom<Algorithm>('sliding-window', 'fixed-window', 'token-bucket', 'gcra'),
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }),
      (algorithm, limit, offsets) => {
        const w = 1000;
        const p = policy(algorithm, limit, w);
        const state = freshState(p, T0);
        const admitted: number[] = [];
        for (const t of [...offsets].sort((a, b) => a - b)) if (step(p, state, T0 + t, 1)) admitted.push(t);
        for (const start of admitted) {
          const inWindow = admitted.filter((t) => t >= start && t < start + w).length;
          // Any interval of one window: ≤ 2 × limit (fixed window across a boundary; bucket and GCRA: burst + refill),
          // strictly less for the sliding window (documented bound).
          if (inWindow > 2 * limit) return false;
          if (algorithm === 'sliding-window' && inWindow >= 2 * limit) return false;
        }
        if (algorithm === 'sliding-window' || algorithm === 'fixed-window') {
          // Inside one aligned window: never more than the limit.
          const perWindow = new Map<number, number>();
          for (const t of admitted) perWindow.set(Math.floor(t / w), (perWindow.get(Math.floor(t / w)) ?? 0) + 1);
          for (const n of perWindow.values()) if (n > limit) return false;
        }
        return true;
      },
    ),
    { numRuns: 500 },
  );
});
