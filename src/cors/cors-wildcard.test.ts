/**
 * Origin entries that can never equal a browser's `Origin` header: a wildcard inside an origin
 * (`https://*.example.com`, which the cors, @fastify/cors and Hono packages all compare as a
 * literal that matches nothing) is refused at construction with the RegExp to write instead,
 * and that RegExp matches the subdomains (any depth) and nothing else through every adapter.
 * A host written in Unicode is compared in the ASCII form browsers send.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { cors } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

/** The construction error of `origins`, asserted to be ERR_RAMPART_CONFIG. */
function refusal(origins: string[], allowCredentials = false): string {
  try {
    cors({ origins, allowCredentials });
  } catch (e) {
    assert.ok(isRampartError(e) && e.code === 'ERR_RAMPART_CONFIG', String(e));
    return e.message;
  }
  assert.fail(`${JSON.stringify(origins)} was accepted`);
}

test('a wildcard inside an origin is refused at construction, naming a RegExp or a function', () => {
  for (const entry of [
    'https://*.example.com',
    'https://*.example.com:8443',
    '*.example.com',
    'https://app.*.example.com',
    'https://*example.com',
    'https://example.*',
    'https://*',
    'http*://example.com',
    'https://example.com:*',
  ]) {
    const message = refusal(['https://app.example.com', entry]);
    assert.match(message, /RegExp/, entry);
    assert.match(message, /function/, entry);
  }
  // With credentials too, and as the only entry.
  refusal(['https://*.example.com'], true);
});

test('a wildcard over a public suffix gets no RegExp suggestion: the origins must be listed', () => {
  for (const entry of ['https://*.com', 'https://*.co.uk', 'https://*.github.io']) {
    const message = refusal([entry]);
    assert.doesNotMatch(message, /\/\^/, entry);
    assert.match(message, /public suffix/, entry);
  }
});

test('other entries no browser sends are refused: paths, trailing slash, query, credentials, no scheme', () => {
  for (const entry of [
    'https://app.example.com/',
    'https://app.example.com/app',
    'https://app.example.com?x=1',
    'https://user@app.example.com',
    'app.example.com',
    ' https://app.example.com',
    'https://app%2eexample.com',
  ])
    refusal([entry]);
  refusal(['*'], true);
  refusal(['*', 'https://app.example.com']);
});

/** The RegExp the refusal of `entry` suggests. */
function suggested(entry: string): RegExp {
  const literal = /\/\^(\S+)\$\//.exec(refusal([entry]));
  assert.ok(literal !== null, 'the message names a RegExp');
  return new RegExp(`^${literal[1]!}$`);
}

test('the suggested RegExp matches the subdomains at any depth and nothing else, through every adapter', async (t) => {
  const pattern = suggested('https://*.example.com');
  await forEachAdapter(
    t,
    () => stack([cors({ origins: pattern, allowCredentials: true })]),
    async (app) => {
      for (const origin of ['https://app.example.com', 'https://a.b.example.com', 'https://x-1.example.com']) {
        const r = await fetch(`${app.url}/api`, { headers: { origin } });
        await r.arrayBuffer();
        assert.equal(r.headers.get('access-control-allow-origin'), origin, origin);
      }
      for (const origin of [
        'https://example.com',
        'https://example.com.evil.net',
        'https://evil-example.com',
        'https://evilexample.com',
        'http://app.example.com',
        'https://app.example.com:8443',
        'https://app.example.com.',
        'https://.example.com',
        'null',
      ]) {
        const r = await fetch(`${app.url}/api`, { headers: { origin } });
        await r.arrayBuffer();
        assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
      }
    },
  );
  // A port in the wildcard entry stays in the suggestion.
  const withPort = suggested('https://*.example.com:8443');
  assert.ok(withPort.test('https://app.example.com:8443'));
  assert.ok(!withPort.test('https://app.example.com'));
});

test('a host written in Unicode matches the ASCII (punycode) origin browsers send, through every adapter', async (t) => {
  await forEachAdapter(
    t,
    () => stack([cors({ origins: ['https://bücher.example'] })]),
    async (app) => {
      const r = await fetch(`${app.url}/api`, { headers: { origin: 'https://xn--bcher-kva.example' } });
      await r.arrayBuffer();
      assert.equal(r.headers.get('access-control-allow-origin'), 'https://xn--bcher-kva.example');
    },
  );
});
