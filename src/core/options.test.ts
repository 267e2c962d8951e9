import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkKeys } from './options.ts';
import { rampart, rateLimit, cors, securityHeaders } from '../index.ts';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  assert.fail('expected a throw');
}

test('seed spelling hstsMaxAge points to hsts.maxAge (headers and the preset)', () => {
  assert.match(
    messageOf(() => securityHeaders({ hstsMaxAge: 31536000 } as never)),
    /ERR_RAMPART_UNKNOWN_OPTION: .*hsts: \{ maxAge: 31536000 \}/,
  );
  assert.match(
    messageOf(() => securityHeaders({ hsts_max_age: 31536000 } as never)),
    /hsts: \{ maxAge/,
  );
  assert.match(
    messageOf(() => rampart({ hstsMaxAge: 31536000 } as never)),
    /headers: \{ hsts: \{ maxAge: 31536000 \} \}/,
  );
});

test('seed spelling keyFunc / key_func points to key; max and windowMs to maxRequests and window (seconds)', () => {
  assert.match(
    messageOf(() => rateLimit({ keyFunc: () => 'k' } as never)),
    /did you mean "key"/,
  );
  assert.match(
    messageOf(() => rateLimit({ key_func: () => 'k' } as never)),
    /did you mean "key"/,
  );
  assert.match(
    messageOf(() => rateLimit({ max: 5 } as never)),
    /did you mean "maxRequests"/,
  );
  assert.match(
    messageOf(() => rateLimit({ windowMs: 60_000 } as never)),
    /"window".*seconds/,
  );
});

test("cors origins: ['*'] means '*' (not an error about mixing)", () => {
  const middleware = cors({ origins: ['*'] });
  assert.equal(typeof middleware.handle, 'function');
  assert.match(
    messageOf(() => cors({ origins: ['*'], allowCredentials: true })),
    /ERR_RAMPART_CONFIG/,
  );
  assert.match(
    messageOf(() => cors({ origins: ['*', 'https://a.example'] })),
    /cannot be mixed/,
  );
  assert.match(
    messageOf(() => rampart({ cors_origins: ['https://a.example'] } as never)),
    /cors: \{ origins/,
  );
});

test('checkKeys: aliases only point to options that exist in that section; the generic suggestion still works', () => {
  assert.doesNotMatch(
    messageOf(() => checkKeys({ keyFunc: 1 }, ['alpha', 'beta'], 'thing')),
    /did you mean/,
  );
  assert.match(
    messageOf(() => checkKeys({ maxRequest: 1 }, ['maxRequests'], 'thing')),
    /did you mean "maxRequests"/,
  );
});
