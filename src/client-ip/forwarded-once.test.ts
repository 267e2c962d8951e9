/**
 * With `proxyHeaders: 'forwarded'` the address, the scheme and the host of a request all
 * come from one `Forwarded` header: it is parsed once per request and the three readings
 * share that parse, so they can never disagree about it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { forwardedParseCount, parseForwarded } from './forwarded.ts';
import { compileTrustProxy } from './index.ts';
import { securityHeaders } from '../headers/index.ts';
import { hostGuard } from '../guards/host.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

const quiet = { emit: () => undefined };

test('one request behind an RFC 7239 proxy parses its Forwarded header once (address, scheme and host)', async (t) => {
  let n = 0;
  await forEachAdapter(
    t,
    () =>
      stack([securityHeaders(), hostGuard({ allowedHosts: ['app.example', '127.0.0.1'] }), rateLimit({ maxRequests: 100, window: 60 })], {
        trustProxy: ['127.0.0.1'],
        proxyHeaders: 'forwarded',
        events: quiet,
      }),
    async (app) => {
      for (let i = 0; i < 3; i++) {
        n++;
        const client = `203.0.113.${n}`;
        const before = forwardedParseCount();
        const response = await fetch(`${app.url}/page`, { headers: { forwarded: `for=6.6.6.6, for=${client};proto=https;host=app.example` } });
        const body = (await response.json()) as { ip: string; secure: boolean };
        const parsed = forwardedParseCount() - before;
        assert.equal(response.status, 200);
        assert.deepEqual(body, { ip: client, secure: true });
        assert.equal(parsed, 1, `${app.adapter}: the Forwarded header was parsed ${parsed} times for one request`);
      }
    },
    (req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ip: req.view?.ip, secure: req.view?.secure }) }),
  );
});

/** Headers whose three readings are easy to get out of step. */
const TRICKY = [
  'for=1.2.3.4;proto=https;host=app.example',
  'for=6.6.6.6;x="\\"", for=1.2.3.4;proto=http;host=app.example',
  'for=6.6.6.6;proto=https;host=evil.example, for=1.2.3.4;proto=http',
  'for=6.6.6.6;x=", for=1.2.3.4;proto=HTTPS;host=App.Example',
  'proto=https;x="\\"", for=1.2.3.4',
  'host=evil.example;x=", for=1.2.3.4',
  'for=unknown;proto=https, for="[2001:db8::1]:443";host=app.example',
  'for=1.2.3.4;for=5.6.7.8;proto=https',
  'for=1.2.3.4;proto=https"',
  `${'for=9.9.9.9, '.repeat(70)}for=1.2.3.4;proto=https;host=app.example`,
  `for=1.2.3.4;proto=https;x=${'a'.repeat(5000)}`,
  'for=10.0.0.7, for=1.2.3.4;proto=https',
  '',
];

interface Readings {
  ip: string;
  proto: string | undefined;
  host: string | undefined;
}

test('Forwarded: address, scheme and host read the same parse, whatever the order and whatever came before', () => {
  const trusted = ['127.0.0.1', '10.0.0.0/8'];
  const fresh = (header: string): Readings => ({
    ip: compileTrustProxy(trusted, { proxyHeaders: 'forwarded', sink: quiet }).clientIp('127.0.0.1', undefined, header),
    proto: compileTrustProxy(trusted, { proxyHeaders: 'forwarded', sink: quiet }).forwardedProto('127.0.0.1', undefined, header),
    host: compileTrustProxy(trusted, { proxyHeaders: 'forwarded', sink: quiet }).forwardedHost('127.0.0.1', undefined, header),
  });
  const shared = compileTrustProxy(trusted, { proxyHeaders: 'forwarded', sink: quiet });
  for (const header of TRICKY) {
    const expected = fresh(header);
    // The scheme is the nearest proxy's element; the host guard gets every host= (or the whole unparsable header).
    const { elements, malformed } = parseForwarded(header);
    const proto = elements.at(-1)?.get('proto')?.toLowerCase();
    assert.equal(expected.proto, proto === 'http' || proto === 'https' ? proto : undefined, header);
    const hosts = [...new Set(elements.map((e) => e.get('host')?.toLowerCase()).filter((h) => h !== undefined && h !== ''))];
    assert.equal(expected.host, malformed ? header.toLowerCase() || undefined : hosts.length === 0 ? undefined : hosts.join(', '), header);
    // The same trust, read in every order and interleaved with every other header, agrees.
    for (const other of TRICKY) {
      shared.forwardedHost('127.0.0.1', undefined, other);
      const host = shared.forwardedHost('127.0.0.1', undefined, header);
      shared.clientIp('127.0.0.1', undefined, other);
      const ip = shared.clientIp('127.0.0.1', undefined, header);
      const protoRead = shared.forwardedProto('127.0.0.1', undefined, header);
      assert.deepEqual({ ip, proto: protoRead, host }, expected, `${header} after ${other}`);
    }
  }
});
