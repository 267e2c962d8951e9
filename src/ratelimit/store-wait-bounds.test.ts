/**
 * A store of your own may answer waits far beyond the window (black-box pass 7A:
 * `retryAfterMs: 1e15` gave `Retry-After: 1000000000000`, `resetMs: 1e300` gave
 * `RateLimit: …;t=1e+297`, not a structured-field integer). The README promises Retry-After
 * never longer than the window: every announced wait is clamped to the policy's window, in
 * whole seconds, on every adapter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import type { BlockEntry, RateDecision, RateLimitStore } from '../stores/types.ts';
import { rateLimit } from './index.ts';

process.env.RAMPART_SILENT = '1';

/** A remote store that answers every consume with the same decision. */
function answering(decision: RateDecision): RateLimitStore {
  return {
    kind: 'remote',
    consume: () => Promise.resolve({ ...decision }),
    get: () => Promise.resolve(undefined),
    reset: () => Promise.resolve(),
    block: () => Promise.resolve(),
    unblock: () => Promise.resolve(),
    blocked: () => Promise.resolve<BlockEntry | undefined>(undefined),
    blocks: () => Promise.resolve<BlockEntry[]>([]),
    close: () => Promise.resolve(),
  };
}

const WINDOW = 60;

async function get(url: string): Promise<Response> {
  const r = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  await r.arrayBuffer();
  return r;
}

const CASES: ReadonlyArray<[string, RateDecision, number, string]> = [
  ['refused with retryAfterMs 1e15', { allowed: false, limit: 5, remaining: 0, resetMs: 1e15, retryAfterMs: 1e15 }, 429, `${WINDOW}`],
  ['admitted with resetMs 1e300', { allowed: true, limit: 5, remaining: 4, resetMs: 1e300, retryAfterMs: 0 }, 200, `${WINDOW}`],
  ['admitted last request with retryAfterMs 1e20', { allowed: true, limit: 5, remaining: 0, resetMs: 1e20, retryAfterMs: 1e20 }, 200, `${WINDOW}`],
];

test('every adapter: waits a store answers beyond the window are announced as the window (Retry-After, X-RateLimit-Reset, RateLimit t)', async (t) => {
  for (const [name, decision, status, expected] of CASES) {
    await t.test(name, async (t) => {
      const make = () => stack([rateLimit({ maxRequests: 5, window: WINDOW, store: answering(decision), insurance: false })], { events: { emit() {} } });
      await forEachAdapter(t, make, async (app) => {
        const r = await get(app.url);
        assert.equal(r.status, status);
        if (status === 429) assert.equal(r.headers.get('retry-after'), expected);
        assert.equal(r.headers.get('x-ratelimit-reset'), expected);
        assert.match(r.headers.get('ratelimit') ?? '', new RegExp(`;t=${expected}$`));
      });
    });
  }
});
