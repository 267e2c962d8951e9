/**
 * Listed origins a browser can never send are construction errors: the leading-dot subdomain
 * spelling of `allowedHosts`, hosts the URL parser serialises differently (`0x7f.1` and
 * `2130706433` are sent as `127.0.0.1`), port 0 and empty labels. RegExps may sit in the list
 * next to exact origins.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { cors } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

/** The construction error of `origins`, asserted to be ERR_RAMPART_CONFIG. */
function refusal(origins: readonly (string | RegExp)[] | RegExp, allowCredentials = false): string {
  try {
    cors({ origins, allowCredentials });
  } catch (e) {
    assert.ok(isRampartError(e) && e.code === 'ERR_RAMPART_CONFIG', String(e));
    return e.message;
  }
  assert.fail(`${String(origins)} was accepted`);
}

test('the leading-dot subdomain spelling is refused, naming the RegExp that means "every subdomain"', () => {
  for (const entry of ['https://.example.com', '.example.com', 'https://.example.com:8443']) {
    const message = refusal([entry]);
    assert.match(message, /leading '\.'/, entry);
    const literal = /\/\^(\S+)\$\//.exec(message);
    assert.ok(literal !== null, `${entry}: the message names a RegExp`);
    const pattern = new RegExp(`^${literal[1]!}$`);
    const port = entry.endsWith(':8443') ? ':8443' : '';
    assert.ok(pattern.test(`https://app.example.com${port}`), entry);
    assert.ok(!pattern.test(`https://app.example.com.evil.net${port}`), entry);
  }
  assert.match(refusal(['https://.com']), /public suffix/);
});

test('a host the URL parser serialises differently is refused, naming the form browsers send', () => {
  for (const [entry, sent] of [
    ['https://0x7f.1', 'https://127.0.0.1'],
    ['https://2130706433', 'https://127.0.0.1'],
    ['https://127.1', 'https://127.0.0.1'],
    ['http://0177.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://[0:0:0:0:0:0:0:1]', 'https://[::1]'],
    ['https://[::ffff:127.0.0.1]', 'https://[::ffff:7f00:1]'],
  ] as const) {
    const message = refusal(['https://app.example.com', entry]);
    assert.ok(message.includes(`'${sent}'`), `${entry}: ${message}`);
  }
  // Hosts the URL parser rejects outright.
  for (const entry of ['https://256.0.0.1', 'https://1.2.3.4.5', 'https://a<b.example.com']) refusal([entry]);
});

test('port 0 and empty labels are refused', () => {
  assert.match(refusal(['https://a.example.com:0']), /port 0/);
  assert.match(refusal(['https://a.example.com:00']), /port 0/);
  assert.match(refusal(['https://a..example.com']), /empty label/);
});

test('origins browsers do send are still accepted', () => {
  for (const entry of [
    'https://127.0.0.1',
    'https://[::1]',
    'http://localhost:3000',
    'https://a.example.com.',
    'https://a_b.example.com',
    'https://a.example.com:0443',
    'chrome-extension://abcdefghijklmnop',
    'capacitor://localhost',
    'https://bücher.example',
  ])
    assert.doesNotThrow(() => cors({ origins: [entry], allowCredentials: true }), entry);
});

test('RegExps in the list must be anchored, without g or y, and may not accept every origin with credentials', () => {
  assert.match(refusal(['https://a.example.com', /example\.com/]), /anchored/);
  assert.match(refusal(['https://a.example.com', /^https:\/\/a\.example\.com$/g]), /g or y/);
  assert.match(refusal(['https://a.example.com', /^.*$/], true), /\/\^\.\*\$\/ accepts any origin/);
  const message = refusal([42 as unknown as string]);
  assert.match(message, /origin strings or RegExps/);
});

test('a list mixing exact origins and a RegExp matches both, and nothing else, through every adapter', async (t) => {
  const origins = ['https://app.example.com', /^https:\/\/([a-z0-9-]+\.)+example\.org$/];
  await forEachAdapter(
    t,
    () => stack([cors({ origins, allowCredentials: true })]),
    async (app) => {
      for (const origin of ['https://app.example.com', 'HTTPS://APP.example.com:443', 'https://a.example.org', 'https://a.b.example.org']) {
        const r = await fetch(`${app.url}/api`, { headers: { origin } });
        await r.arrayBuffer();
        assert.equal(r.headers.get('access-control-allow-origin'), origin, origin);
        assert.equal(r.headers.get('access-control-allow-credentials'), 'true', origin);
      }
      for (const origin of ['https://example.org', 'https://a.example.org.evil.net', 'http://a.example.org', 'https://b.example.com', 'null']) {
        const r = await fetch(`${app.url}/api`, { headers: { origin } });
        await r.arrayBuffer();
        assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
      }
    },
  );
});
