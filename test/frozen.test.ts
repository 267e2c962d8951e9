import test from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as main from '../src/index.ts';
import * as auth from '../src/auth/index.ts';
import * as input from '../src/input/index.ts';
import * as gdpr from '../src/gdpr/index.ts';
import { memorySessionStore } from '../src/stores/sessions.ts';
import { compileRateLimitOptions } from '../src/ratelimit/options.ts';
import { compileApiKeysOptions } from '../src/auth/apikeys/options.ts';
import { compileSessionOptions } from '../src/auth/sessions/options.ts';
import { compileBlocklistOptions } from '../src/abuse/blocklist-options.ts';
import { compileJwtOptions } from '../src/auth/jwt/options.ts';

// "Check once, then serve": every factory validates its options into a frozen compiled
// object and returns a frozen middleware/manager, so nothing about a running shield can be
// swapped after construction (a replaced `handle`, a pushed rule, a flipped flag).

const SECRET = 'Zq3v8Kx2mW9pT4rY7uB1nE6hJ0sD5fGa';
const schema: input.StandardSchemaV1 = { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) } };
const { publicKey: edPublic } = generateKeyPairSync('ed25519');

/** Each exported factory with minimal valid options. Closing is done by the test when the result has close(). */
const factories: Record<string, () => unknown> = {
  securityHeaders: () => main.securityHeaders(),
  cspReport: () => main.cspReport(),
  cors: () => main.cors({ origins: ['https://app.example'] }),
  csrf: () => main.csrf({ secret: SECRET }),
  rateLimit: () => main.rateLimit(),
  compression: () => main.compression(),
  blocklist: () => main.blocklist(),
  adaptiveBlocking: () => main.adaptiveBlocking({ blocklist: main.blocklist(), rules: [{ event: 'X', threshold: 1, withinSeconds: 1, blockSeconds: 1 }] }),
  loginGuard: () => main.loginGuard(),
  botGuard: () => main.botGuard(),
  hostGuard: () => main.hostGuard({ allowedHosts: ['example.com'] }),
  httpsRedirect: () => main.httpsRedirect({ host: 'example.com' }),
  bodyLimit: () => main.bodyLimit(),
  stack: () => main.stack([main.securityHeaders()]),
  rampart: () => main.rampart({ csrf: { secret: SECRET }, log: false }),
  createJwt: () => auth.createJwt({ algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example', audience: 'api' }),
  requireJwt: () => auth.requireJwt({ jwt: { algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example', audience: 'api' } }),
  rbac: () => auth.rbac({ roles: { admin: { permissions: ['post:edit'] } } }),
  requirePermission: () => auth.requirePermission('post:edit'),
  requireSignedRequest: () => auth.requireSignedRequest({ secret: SECRET }),
  requireWebhook: () => auth.requireWebhook({ provider: 'standard', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  requireHttpSignature: () => auth.requireHttpSignature({ keys: { k: { key: edPublic, algorithm: 'ed25519' } } }),
  apiKeys: () => auth.apiKeys({ secret: SECRET }),
  requireApiKey: () => auth.requireApiKey({ keys: auth.apiKeys({ secret: SECRET }) }),
  sessions: () => auth.sessions({ secret: SECRET, store: memorySessionStore() }),
  validate: () => input.validate(schema),
  inputGuard: () => input.inputGuard(),
  uploads: () => input.uploads(),
  redactingSink: () => input.redactingSink({ emit() {} }),
  privacy: () => gdpr.privacy({ sessions: memorySessionStore() }),
};

test('every factory returns a frozen object', async () => {
  const thawed: string[] = [];
  for (const [name, make] of Object.entries(factories)) {
    const made = make();
    if (!Object.isFrozen(made)) thawed.push(name);
    const close = (made as { close?: () => unknown }).close;
    if (typeof close === 'function') await close.call(made);
  }
  assert.deepEqual(thawed, [], 'these factories return objects that can be changed after construction');
});

test('the five factories that validated inside their body compile frozen options first', () => {
  const compiled: Record<string, unknown> = {
    rateLimit: compileRateLimitOptions({ rules: [{ match: '/login', maxRequests: 5, window: 60 }], allowlist: ['10.0.0.0/8'] }),
    apiKeys: compileApiKeysOptions({ secret: SECRET }),
    sessions: compileSessionOptions({ secret: SECRET, store: memorySessionStore() }),
    blocklist: compileBlocklistOptions({}),
    jwt: compileJwtOptions({ algorithm: 'HS256', secret: SECRET, issuer: 'https://id.example', audience: 'api' }),
  };
  for (const [name, config] of Object.entries(compiled)) {
    assert.ok(Object.isFrozen(config), `${name}: compiled options are frozen`);
    for (const [key, value] of Object.entries(config as object)) {
      if (Array.isArray(value)) assert.ok(Object.isFrozen(value), `${name}.${key} is a frozen list`);
    }
  }
});

test('csrf exposes its compiled options, frozen', () => {
  const middleware = main.csrf({ secret: SECRET }) as unknown as { config: object };
  assert.ok(Object.isFrozen(middleware.config));
});
