import { test } from 'node:test';
import assert from 'node:assert/strict';
import { securityHeaders, compileHeaders } from './index.ts';
import { cspNonce } from '../csp/index.ts';
import { stack } from '../stack/index.ts';
import { problem } from '../core/problem.ts';
import { configWarnings } from '../core/events.ts';
import type { Middleware } from '../core/types.ts';
import { forEachAdapter, type TestApp } from '../../test/helpers/adapters.ts';
import { isRampartError, type RampartErrorCode } from '../errors.ts';

process.env.RAMPART_SILENT = '1';
const DEFAULT_CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
const DEFAULTS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': DEFAULT_CSP,
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-xss-protection': '0',
};

function rejects(fn: () => unknown, code: RampartErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isRampartError(e, code), `expected ${code}, got ${(e as Error)?.message}`);
    if (message) assert.match((e as Error).message, message);
    return true;
  });
}

function header(options: Parameters<typeof securityHeaders>[0], name: string): string | undefined {
  return compileHeaders(options).pairs.find(([n]) => n.toLowerCase() === name)?.[1];
}

test('defaults: the seed headers plus CORP and the strict CSP; HSTS, COEP and the extras are off', () => {
  const m = securityHeaders();
  assert.equal(m.name, 'securityHeaders');
  assert.deepEqual(Object.fromEntries(m.headers.map(([n, v]) => [n.toLowerCase(), v])), DEFAULTS);
  assert.ok(Object.isFrozen(m.headers) && Object.isFrozen(m.headers[0]));
});

test('every option changes its header', () => {
  assert.equal(header({ contentTypeNosniff: false }, 'x-content-type-options'), undefined);
  assert.equal(header({ frameOptions: 'SAMEORIGIN' }, 'x-frame-options'), 'SAMEORIGIN');
  assert.equal(header({ frameOptions: 'sameorigin' as never }, 'x-frame-options'), 'SAMEORIGIN');
  assert.equal(header({ frameOptions: false }, 'x-frame-options'), undefined);
  assert.equal(header({ hsts: true }, 'strict-transport-security'), 'max-age=31536000');
  assert.equal(header({ hsts: { maxAge: 600 } }, 'strict-transport-security'), 'max-age=600');
  assert.equal(
    header({ hsts: { maxAge: 63072000, includeSubDomains: true, preload: true } }, 'strict-transport-security'),
    'max-age=63072000; includeSubDomains; preload',
  );
  assert.equal(header({ csp: "default-src 'none'" }, 'content-security-policy'), "default-src 'none'");
  assert.equal(header({ csp: false }, 'content-security-policy'), undefined);
  assert.equal(header({ csp: { reportOnly: true } }, 'content-security-policy-report-only'), DEFAULT_CSP);
  assert.equal(header({ csp: { reportTo: '/csp' } }, 'reporting-endpoints'), 'csp-endpoint="/csp"');
  assert.equal(header({ referrerPolicy: 'no-referrer' }, 'referrer-policy'), 'no-referrer');
  assert.equal(
    header({ referrerPolicy: ['no-referrer', 'strict-origin-when-cross-origin'] }, 'referrer-policy'),
    'no-referrer, strict-origin-when-cross-origin',
  );
  assert.equal(header({ referrerPolicy: false }, 'referrer-policy'), undefined);
  assert.equal(
    header({ permissionsPolicy: 'camera=(), geolocation=(self "https://maps.example")' }, 'permissions-policy'),
    'camera=(), geolocation=(self "https://maps.example")',
  );
  assert.equal(
    header({ permissionsPolicy: { camera: [], geolocation: ['self', 'https://maps.example'], fullscreen: '*', displayCapture: 'self' } }, 'permissions-policy'),
    'camera=(), geolocation=(self "https://maps.example"), fullscreen=*, display-capture=(self)',
  );
  assert.equal(header({ permissionsPolicy: false }, 'permissions-policy'), undefined);
  assert.equal(header({ crossOriginOpenerPolicy: 'same-origin-allow-popups' }, 'cross-origin-opener-policy'), 'same-origin-allow-popups');
  assert.equal(header({ crossOriginResourcePolicy: 'cross-origin' }, 'cross-origin-resource-policy'), 'cross-origin');
  assert.equal(header({ crossOriginResourcePolicy: false }, 'cross-origin-resource-policy'), undefined);
  assert.equal(header({ crossOriginEmbedderPolicy: 'require-corp' }, 'cross-origin-embedder-policy'), 'require-corp');
  assert.equal(header({ originAgentCluster: true }, 'origin-agent-cluster'), '?1');
  assert.equal(header({ xDnsPrefetchControl: 'off' }, 'x-dns-prefetch-control'), 'off');
  assert.equal(header({ xPermittedCrossDomainPolicies: 'none' }, 'x-permitted-cross-domain-policies'), 'none');
  assert.equal(header({ xssProtection: false }, 'x-xss-protection'), undefined);
  assert.equal(header({ xssProtection: true }, 'x-xss-protection'), '0');
});

test("X-XSS-Protection: '0' by default (the legacy filter is off, never '1; mode=block'); false omits it", () => {
  assert.equal(header(undefined, 'x-xss-protection'), '0');
  assert.equal(header({ xssProtection: false }, 'x-xss-protection'), undefined);
  rejects(() => securityHeaders({ xssProtection: '1; mode=block' as never }), 'ERR_RAMPART_CONFIG', /legacy XSS filter/);
  rejects(() => securityHeaders({ xXssProtection: false } as never), 'ERR_RAMPART_UNKNOWN_OPTION');
});

test('misconfiguration fails at construction with the fix in the message', () => {
  rejects(() => securityHeaders({ frameOption: 'DENY' } as never), 'ERR_RAMPART_UNKNOWN_OPTION', /frameOptions/);
  rejects(() => securityHeaders({ frameOptions: 'ALLOW-FROM https://a.example' as never }), 'ERR_RAMPART_CONFIG', /frame-ancestors/);
  rejects(() => securityHeaders({ hsts: { maxAge: 600, includeSubDomains: true, preload: true } }), 'ERR_RAMPART_CONFIG', /preload needs maxAge >= 31536000/);
  rejects(() => securityHeaders({ hsts: { maxAge: 31536000, preload: true } }), 'ERR_RAMPART_CONFIG', /includeSubDomains/);
  rejects(() => securityHeaders({ hsts: { maxAge: -1 } }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ hsts: { maxAge: 1.5 } }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ hsts: { maxage: 1 } as never }), 'ERR_RAMPART_UNKNOWN_OPTION', /maxAge/);
  rejects(() => securityHeaders({ hsts: 'yes' as never }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ referrerPolicy: 'strict-origin-when-crossorigin' as never }), 'ERR_RAMPART_CONFIG', /not a Referrer-Policy token/);
  rejects(() => securityHeaders({ referrerPolicy: [] }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ permissionsPolicy: 'camera=()\r\nSet-Cookie: x=y' }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ permissionsPolicy: 'camera' }), 'ERR_RAMPART_CONFIG', /feature=\(\)/);
  rejects(() => securityHeaders({ permissionsPolicy: { camera: ['evil.example'] } }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ crossOriginOpenerPolicy: 'same-site' as never }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ crossOriginEmbedderPolicy: true as never }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ contentTypeNosniff: 'yes' as never }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ override: 1 as never }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders({ csp: { 'script-src': ['self'] } }), 'ERR_RAMPART_CSP', /'self'/);
  rejects(() => securityHeaders({ csp: { reportTo: '/csp\r\nX: y' } }), 'ERR_RAMPART_CONFIG');
  rejects(() => securityHeaders('DENY' as never), 'ERR_RAMPART_CONFIG');
});

test('relaxations are announced once', () => {
  securityHeaders({
    frameOptions: false,
    csp: "default-src 'self'",
    contentTypeNosniff: false,
    referrerPolicy: 'unsafe-url',
    crossOriginOpenerPolicy: 'unsafe-none',
  });
  const warnings = configWarnings();
  for (const expected of ['frameOptions is false', 'contentTypeNosniff is false', "'unsafe-url'", 'unsafe-none']) {
    assert.ok(
      warnings.some((w) => w.includes(expected)),
      expected,
    );
  }
  const before = configWarnings().length;
  securityHeaders({ frameOptions: false, csp: { directives: { 'frame-ancestors': ["'self'"] } } });
  assert.equal(configWarnings().length, before, 'frame-ancestors covers frameOptions: false, and repeats are not re-announced');
});

test('options are not mutated', () => {
  const options = Object.freeze({
    hsts: Object.freeze({ maxAge: 31536000 }),
    csp: Object.freeze({ nonce: true, directives: Object.freeze({ 'img-src': Object.freeze(["'self'"]) }) }),
  });
  securityHeaders(options);
  assert.deepEqual(options.csp.directives['img-src'], ["'self'"]);
});

function lowerHeaders(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

test('every adapter sends the default headers on application responses', async (t) => {
  await forEachAdapter(
    t,
    () => stack([securityHeaders()]),
    async (app) => {
      const response = await fetch(`${app.url}/page`);
      assert.equal(response.status, 200);
      const headers = lowerHeaders(response);
      for (const [name, value] of Object.entries(DEFAULTS)) assert.equal(headers[name], value, name);
      assert.equal(headers['strict-transport-security'], undefined);
      await response.text();
    },
  );
});

test('every adapter sends the headers on replies produced by later middleware (4xx)', async (t) => {
  const deny: Middleware = { name: 'deny', handle: (req) => (req.path === '/blocked' ? problem(403, 'no') : undefined) };
  await forEachAdapter(
    t,
    () => stack([securityHeaders({ hsts: { maxAge: 600 } }), deny]),
    async (app) => {
      const response = await fetch(`${app.url}/blocked`);
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('content-security-policy'), DEFAULT_CSP);
      assert.equal(response.headers.get('strict-transport-security'), 'max-age=600');
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      await response.text();
    },
  );
});

const setsOwnHeaders: TestApp = () => ({
  status: 200,
  headers: { 'content-type': 'text/plain', 'x-frame-options': 'SAMEORIGIN', 'content-security-policy': "default-src 'none'" },
  body: 'own',
});

test('every adapter: a header the application sets keeps its value (override: false)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([securityHeaders()]),
    async (app) => {
      const response = await fetch(`${app.url}/own`);
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(response.headers.get('content-security-policy'), "default-src 'none'");
      assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', 'headers the app did not set are still added');
      assert.equal(await response.text(), 'own');
    },
    setsOwnHeaders,
  );
});

test('every adapter: override: true replaces the application values just before the head is sent', async (t) => {
  await forEachAdapter(
    t,
    () => stack([securityHeaders({ override: true })]),
    async (app) => {
      const response = await fetch(`${app.url}/own`);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('content-security-policy'), DEFAULT_CSP);
      assert.equal(await response.text(), 'own');
    },
    setsOwnHeaders,
  );
});

const nonceApp: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'text/plain' },
  body: cspNonce(req.native) ?? 'none',
});

test('every adapter: nonce: true puts a fresh 128-bit nonce in the header and exposes it to the handler', async (t) => {
  await forEachAdapter(
    t,
    () => stack([securityHeaders({ csp: { nonce: true } })]),
    async (app) => {
      const seen = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${app.url}/n`);
        const nonce = await response.text();
        assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/, 'base64 of 16 random bytes');
        assert.equal(Buffer.from(nonce, 'base64').length, 16);
        assert.equal(response.headers.get('content-security-policy'), `${DEFAULT_CSP}; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'`);
        seen.add(nonce);
      }
      assert.equal(seen.size, 5, 'a new nonce on every request');
    },
    nonceApp,
  );
});

test("every adapter: override with a nonce re-applies this request's policy", async (t) => {
  const app: TestApp = (req) => ({ status: 200, headers: { 'content-security-policy': "script-src 'unsafe-inline'" }, body: cspNonce(req.native) ?? 'none' });
  await forEachAdapter(
    t,
    () => stack([securityHeaders({ override: true, csp: { nonce: true, reportOnly: true } })]),
    async (running) => {
      const response = await fetch(`${running.url}/n`);
      const nonce = await response.text();
      assert.match(
        response.headers.get('content-security-policy-report-only') ?? '',
        new RegExp(`script-src 'self' 'nonce-${nonce.replace(/[+/]/g, '\\$&')}'`),
      );
      assert.equal(response.headers.get('content-security-policy'), "script-src 'unsafe-inline'", 'the enforced header the app set is a different header');
    },
    app,
  );
});

test('cspNonce() is undefined for requests without a nonce policy', async (t) => {
  await forEachAdapter(
    t,
    () => stack([securityHeaders()]),
    async (app) => {
      const response = await fetch(`${app.url}/n`);
      assert.equal(await response.text(), 'none');
    },
    nonceApp,
  );
  assert.equal(cspNonce({}), undefined);
  assert.equal(cspNonce(null), undefined);
});

test('the security header names go out in lower case on every adapter (as HTTP/2 and fetch send them; node stores lower-case names without a copy)', async (t) => {
  const { request } = await import('node:http');
  await forEachAdapter(
    t,
    () => stack([securityHeaders()]),
    async (app) => {
      const names = await new Promise<string[]>((resolve, reject) => {
        request(app.url, (res) => {
          res.resume();
          res.on('end', () => resolve(res.rawHeaders.filter((_, i) => i % 2 === 0)));
        })
          .on('error', reject)
          .end();
      });
      for (const name of Object.keys(DEFAULTS)) {
        assert.ok(names.includes(name), `${app.adapter}: ${name} in ${names.join(' ')}`);
      }
    },
  );
});
