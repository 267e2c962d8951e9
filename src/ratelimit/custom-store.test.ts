/**
 * A custom remote store is not trusted blindly (black-box pass 6A): a result that is not a
 * decision (undefined, `{ allowed: 'yes' }`, NaN numbers, an index out of range) is a store
 * failure, and so is a call that does not settle within `storeTimeout`. A store failure goes
 * to the insurance store when there is one, else fails closed (503) with an event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import type { BlockEntry, Policy, RateDecision, RateLimitStore } from '../stores/types.ts';
import { rateLimit, type RateLimitOptions } from './index.ts';
import { isRampartError } from '../errors.ts';

process.env.RAMPART_SILENT = '1';

type Behaviour = 'healthy' | 'undefined' | 'string-allowed' | 'empty' | 'nan' | 'negative' | 'hang' | 'sync-garbage' | 'thenable-garbage';

/** A remote store written the way the README's store interface describes, answering as `behaviour` says. */
class ScriptedStore implements RateLimitStore {
  readonly kind = 'remote' as const;
  behaviour: Behaviour;
  readonly counts = new Map<string, number>();
  calls = 0;
  constructor(behaviour: Behaviour) {
    this.behaviour = behaviour;
  }
  #decide(key: string, policy: Policy): RateDecision {
    const n = (this.counts.get(`${policy.id}:${key}`) ?? 0) + 1;
    this.counts.set(`${policy.id}:${key}`, n);
    const remaining = Math.max(0, policy.limit - n);
    return { allowed: n <= policy.limit, limit: policy.limit, remaining, resetMs: policy.windowMs, retryAfterMs: n <= policy.limit ? 0 : policy.windowMs };
  }
  consume(key: string, policy: Policy): Promise<RateDecision> | RateDecision {
    this.calls++;
    const bad = (value: unknown) => Promise.resolve(value as RateDecision);
    switch (this.behaviour) {
      case 'healthy':
        return Promise.resolve(this.#decide(key, policy));
      case 'undefined':
        return bad(undefined);
      case 'string-allowed':
        return bad({ allowed: 'yes', limit: 5, remaining: 4, resetMs: 1000, retryAfterMs: 0 });
      case 'empty':
        return bad({});
      case 'nan':
        return bad({ allowed: true, limit: Number.NaN, remaining: Number.NaN, resetMs: Number.NaN, retryAfterMs: Number.NaN });
      case 'negative':
        return bad({ allowed: true, limit: 5, remaining: -1, resetMs: 1000, retryAfterMs: 0 });
      case 'hang':
        return new Promise<RateDecision>(() => {});
      case 'sync-garbage':
        return 'allowed' as unknown as RateDecision;
      case 'thenable-garbage':
        // A thenable that is not a native Promise (another promise library): its answer is checked too.
        // biome-ignore lint/suspicious/noThenProperty: the point of this case
        return { then: (resolve: (v: unknown) => void) => resolve({ allowed: 1 }) } as unknown as Promise<RateDecision>;
    }
  }
  get(): Promise<RateDecision | undefined> {
    return Promise.resolve(undefined);
  }
  reset(): Promise<void> {
    return Promise.resolve();
  }
  block(): Promise<void> {
    return Promise.resolve();
  }
  unblock(): Promise<void> {
    return Promise.resolve();
  }
  blocked(): Promise<BlockEntry | undefined> {
    return Promise.resolve(undefined);
  }
  blocks(): Promise<BlockEntry[]> {
    return Promise.resolve([]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A store with consumeAll (one atomic step for several policies) that answers with `index`. */
class ScriptedAllStore extends ScriptedStore {
  readonly index: unknown;
  constructor(index: unknown) {
    super('healthy');
    this.index = index;
  }
  consumeAll(_key: string, policies: readonly Policy[], _now: number, out: Array<RateDecision | undefined>): Promise<number> {
    policies.forEach((p, i) => {
      out[i] = { allowed: true, limit: p.limit, remaining: p.limit - 1, resetMs: p.windowMs, retryAfterMs: 0 };
    });
    return Promise.resolve(this.index as number);
  }
}

function limiterWith(store: RateLimitStore, events: SecurityEventRecord[], extra: Partial<RateLimitOptions> = {}) {
  return () => stack([rateLimit({ maxRequests: 5, window: 60, store, insurance: false, ...extra })], { events: { emit: (r) => void events.push(r) } });
}

async function get(url: string): Promise<Response> {
  // A guard against a hanging request: the test fails instead of waiting forever.
  const r = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  await r.arrayBuffer();
  return r;
}

const MALFORMED: Behaviour[] = ['undefined', 'string-allowed', 'empty', 'nan', 'negative', 'sync-garbage', 'thenable-garbage'];

test('every adapter: a custom store answering with something that is not a decision fails closed (503 + Retry-After, an event), never lets the request through', async (t) => {
  for (const behaviour of MALFORMED) {
    await t.test(behaviour, async (t) => {
      const events: SecurityEventRecord[] = [];
      await forEachAdapter(t, limiterWith(new ScriptedStore(behaviour), events), async (app) => {
        const r = await get(app.url);
        assert.equal(r.status, 503, `${behaviour}: ${r.status}`);
        assert.equal(r.headers.get('retry-after'), '1');
      });
      const down = events.filter((e) => e.event === 'RATE_LIMIT_STORE_DOWN');
      assert.ok(down.length >= 1, 'the failure is reported');
      assert.match(down[0]!.detail ?? '', /not a rate-limit decision|malformed/);
    });
  }
});

test('every adapter: a custom store whose promise never settles fails closed after storeTimeout instead of hanging the request', async (t) => {
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(t, limiterWith(new ScriptedStore('hang'), events, { storeTimeout: 0.2 }), async (app) => {
    const r = await get(app.url);
    assert.equal(r.status, 503);
  });
  assert.match(events.find((e) => e.event === 'RATE_LIMIT_STORE_DOWN')?.detail ?? '', /did not answer within 0\.2 s/);
});

test('every adapter: with insurance, a malformed or hanging custom store hands the decision to the insurance store (the limit still holds)', async (t) => {
  for (const behaviour of ['string-allowed', 'hang'] as const) {
    await t.test(behaviour, async (t) => {
      await forEachAdapter(t, limiterWith(new ScriptedStore(behaviour), [], { insurance: true, maxRequests: 2, storeTimeout: 0.2 }), async (app) => {
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await get(app.url)).status);
        assert.deepEqual(statuses, [200, 200, 429]);
      });
    });
  }
});

test('every adapter: consumeAll answering an index out of range or not a number fails closed', async (t) => {
  for (const index of [7, 'x', 0.5, undefined]) {
    await t.test(String(index), async (t) => {
      const store = new ScriptedAllStore(index);
      await forEachAdapter(t, limiterWith(store, [], { burst: 10 }), async (app) => {
        assert.equal((await get(app.url)).status, 503);
      });
    });
  }
  await t.test('a valid answer passes', async (t) => {
    await forEachAdapter(t, limiterWith(new ScriptedAllStore(-1), [], { burst: 10 }), async (app) => {
      assert.equal((await get(app.url)).status, 200);
    });
  });
});

test('every adapter: a healthy custom store decides as before (headers, 429), and is used again once it answers properly', async (t) => {
  await forEachAdapter(
    t,
    () => limiterWith(new ScriptedStore('healthy'), [], { maxRequests: 2 })(),
    async (app) => {
      const first = await get(app.url);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-ratelimit-remaining'), '1');
      assert.equal((await get(app.url)).status, 200);
      assert.equal((await get(app.url)).status, 429);
    },
  );
  const events: SecurityEventRecord[] = [];
  const store = new ScriptedStore('string-allowed');
  await forEachAdapter(t, limiterWith(store, events), async (app) => {
    store.behaviour = 'string-allowed';
    assert.equal((await get(app.url)).status, 503);
    store.behaviour = 'healthy';
    // The failed store is retried at most once a second: poll until it decides again.
    let status = 503;
    for (let i = 0; i < 100 && status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(app.url)).status;
    }
    assert.equal(status, 200);
  });
  assert.ok(events.some((e) => e.event === 'RATE_LIMIT_STORE_RECOVERED'));
});

test('rateLimit.storeTimeout is validated', () => {
  const store = new ScriptedStore('healthy');
  for (const bad of [0, -1, 'soon', Number.NaN, 120]) {
    assert.throws(
      () => rateLimit({ store, storeTimeout: bad as number }),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
    );
  }
  rateLimit({ store, storeTimeout: 0.5 }).close();
});

/** A synchronous store of kind 'memory' written by the app, answering as `behaviour` says. */
class ScriptedMemoryStore implements RateLimitStore {
  readonly kind = 'memory' as const;
  behaviour: 'healthy' | 'string-allowed' | 'promise';
  readonly counts = new Map<string, number>();
  constructor(behaviour: ScriptedMemoryStore['behaviour']) {
    this.behaviour = behaviour;
  }
  consume(key: string, policy: Policy): RateDecision {
    const n = (this.counts.get(`${policy.id}:${key}`) ?? 0) + 1;
    this.counts.set(`${policy.id}:${key}`, n);
    const d = {
      allowed: n <= policy.limit,
      limit: policy.limit,
      remaining: Math.max(0, policy.limit - n),
      resetMs: policy.windowMs,
      retryAfterMs: n <= policy.limit ? 0 : policy.windowMs,
    };
    if (this.behaviour === 'string-allowed') return { ...d, allowed: 'yes' } as unknown as RateDecision;
    if (this.behaviour === 'promise') return Promise.resolve(d) as unknown as RateDecision;
    return d;
  }
  get(key: string, policy: Policy): RateDecision | undefined {
    const n = this.counts.get(`${policy.id}:${key}`);
    return n === undefined
      ? undefined
      : { allowed: n < policy.limit, limit: policy.limit, remaining: Math.max(0, policy.limit - n), resetMs: policy.windowMs, retryAfterMs: 0 };
  }
  reset(): void {}
  block(): void {}
  unblock(): void {}
  blocked(): BlockEntry | undefined {
    return undefined;
  }
  blocks(): BlockEntry[] {
    return [];
  }
  close(): void {}
}

test("every adapter: an app's own memory-kind store answering something that is not a decision (or a promise) fails closed, with one or several policies", async (t) => {
  for (const behaviour of ['string-allowed', 'promise'] as const) {
    for (const burst of [undefined, 10]) {
      await t.test(`${behaviour}${burst === undefined ? '' : ', with burst'}`, async (t) => {
        const events: SecurityEventRecord[] = [];
        await forEachAdapter(
          t,
          () =>
            stack([rateLimit({ maxRequests: 5, window: 60, store: new ScriptedMemoryStore(behaviour), ...(burst === undefined ? {} : { burst }) })], {
              events: { emit: (r) => void events.push(r) },
            }),
          async (app) => {
            const r = await get(app.url);
            assert.equal(r.status, 503);
            assert.equal(r.headers.get('retry-after'), '1');
          },
        );
        assert.match(events.find((e) => e.event === 'RATE_LIMIT_STORE_DOWN')?.detail ?? '', /not a rate-limit decision/);
      });
    }
  }
  await t.test('a valid synchronous store decides as usual', async (t) => {
    await forEachAdapter(
      t,
      () => stack([rateLimit({ maxRequests: 2, window: 60, store: new ScriptedMemoryStore('healthy'), burst: 10 })], { events: { emit() {} } }),
      async (app) => {
        assert.deepEqual([(await get(app.url)).status, (await get(app.url)).status, (await get(app.url)).status], [200, 200, 429]);
      },
    );
  });
});
