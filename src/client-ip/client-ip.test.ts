import test from 'node:test';
import assert from 'node:assert/strict';
import { compileTrustProxy, ipKey, normalizeIp, parseIp, compileIpList } from './index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { isRampartError } from '../errors.ts';
import { stack } from '../stack/index.ts';
import { rampart } from '../preset.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest } from '../../test/helpers/raw-http.ts';

const rawGet = (url: string, headers: string): Promise<string> => rawRequest(url, `GET /ip HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`);
import { clientIpOf, isSecureOf } from './request.ts';

test('normalizeIp and parseIp', () => {
  assert.equal(normalizeIp('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(normalizeIp('[2001:DB8::1]'), '2001:db8::1');
  assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
  assert.equal(parseIp('1.2.3.4')?.toString(), '1.2.3.4');
  assert.equal(parseIp('::ffff:10.0.0.1')?.toString(), '10.0.0.1');
  for (const bad of ['', 'abc', '1.2.3', '0x7f.1', '017.0.0.1', '1.2.3.4.5', '999.1.1.1', '1.2.3.4/8']) assert.equal(parseIp(bad), undefined, bad);
});

test('ipKey groups IPv6 by /64 and keeps IPv4', () => {
  assert.equal(ipKey('203.0.113.9'), '203.0.113.9');
  assert.equal(ipKey('2001:db8:1:2:aaaa::1'), ipKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.notEqual(ipKey('2001:db8:1:2::1'), ipKey('2001:db8:1:3::1'));
  assert.equal(ipKey('2001:db8:1:2::1', 48), ipKey('2001:db8:1:ffff::1', 48));
  assert.equal(ipKey('::ffff:1.2.3.4'), '1.2.3.4');
});

test('compileIpList matches CIDRs of both families and reports invalid entries', () => {
  const { matcher, invalid } = compileIpList(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'nope', '1.2.3.4/33']);
  assert.deepEqual(invalid, ['nope', '1.2.3.4/33']);
  assert.ok(matcher.has('10.200.3.4') && matcher.has('::ffff:10.1.1.1') && matcher.has('192.168.1.7') && matcher.has('fd12::1'));
  assert.ok(!matcher.has('11.0.0.1') && !matcher.has('192.168.1.8') && !matcher.has('fe80::1') && !matcher.has('garbage'));
});

test('trustProxy: no trust by default', () => {
  const t = compileTrustProxy(undefined);
  assert.equal(t.clientIp('127.0.0.1', '9.9.9.9', undefined), '127.0.0.1');
  assert.equal(t.forwardedProto('127.0.0.1', 'https', undefined), undefined);
});

test('trustProxy list: walk right to left, stop at the first untrusted hop', () => {
  const t = compileTrustProxy(['127.0.0.1', '10.0.0.0/8']);
  assert.equal(t.clientIp('127.0.0.1', '203.0.113.5, 10.1.1.1', undefined), '203.0.113.5');
  // The leftmost entry is client-controlled: an attacker prepending values changes nothing.
  assert.equal(t.clientIp('127.0.0.1', '1.1.1.1, 203.0.113.5, 10.1.1.1', undefined), '203.0.113.5');
  // Untrusted socket: headers ignored.
  assert.equal(t.clientIp('198.51.100.1', '1.1.1.1', undefined), '198.51.100.1');
  // Malformed hop: fall back to the socket address, never throw.
  assert.equal(t.clientIp('127.0.0.1', 'garbage, 10.1.1.1', undefined), '127.0.0.1');
  assert.equal(t.clientIp('127.0.0.1', '', undefined), '127.0.0.1');
  assert.equal(t.clientIp('127.0.0.1', 'x'.repeat(10000), undefined), '127.0.0.1');
  // All hops trusted: the leftmost.
  assert.equal(t.clientIp('127.0.0.1', '10.0.0.2, 10.0.0.3', undefined), '10.0.0.2');
  assert.equal(t.forwardedProto('127.0.0.1', 'javascript', undefined), undefined);
  // A list is ambiguous (Express reads the first entry, Fastify the last): returned whole, so the host guard refuses it.
  assert.equal(t.forwardedHost('127.0.0.1', 'a.example, b.example', undefined), 'a.example, b.example');
  assert.equal(t.forwardedHost('8.8.8.8', 'evil.example', undefined), undefined);
});

test('X-Forwarded-For entries: only canonical addresses count, anything else falls back to the socket', () => {
  const t = compileTrustProxy(['127.0.0.1']);
  for (const good of ['0.0.0.0', '203.0.113.9', '255.255.255.255', '10.20.30.40']) assert.equal(t.clientIp('127.0.0.1', ` ${good} `, undefined), good, good);
  for (const bad of [
    '017.0.0.1',
    '00.1.2.3',
    '1.2.3.256',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '1.2.3.4.',
    '.1.2.3.4',
    '0x7f.0.0.1',
    '1.2.3.4:80:80',
    '01.2.3.4:80',
    '1234.1.1.1',
    '+1.2.3.4',
  ]) {
    assert.equal(t.clientIp('127.0.0.1', bad, undefined), '127.0.0.1', bad);
  }
  assert.equal(t.clientIp('127.0.0.1', '::ffff:203.0.113.9', undefined), '203.0.113.9');
  assert.equal(t.clientIp('127.0.0.1', '2001:DB8::1', undefined), '2001:db8::1');
  // IPv4 with a port (Azure Application Gateway writes X-Forwarded-For that way): the port is dropped.
  assert.equal(t.clientIp('127.0.0.1', '198.51.100.7, 203.0.113.9:51234', undefined), '203.0.113.9');
  assert.equal(t.clientIp('127.0.0.1', '[2001:db8::1]:443', undefined), '2001:db8::1');
});

test('trustProxy hop count', () => {
  const t = compileTrustProxy(1);
  assert.equal(t.clientIp('10.0.0.1', '1.1.1.1, 203.0.113.5', undefined), '203.0.113.5');
  const two = compileTrustProxy(2);
  assert.equal(two.clientIp('10.0.0.1', '1.1.1.1, 203.0.113.5, 10.0.0.9', undefined), '203.0.113.5');
  assert.equal(compileTrustProxy(0).clientIp('10.0.0.1', '1.1.1.1', undefined), '10.0.0.1');
});

test('trustProxy configuration errors', () => {
  assert.throws(
    () => compileTrustProxy(['10.0.0.0/40']),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => compileTrustProxy(-1),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => compileTrustProxy('yes' as never),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('clientIp(req) and isSecure(req) on every adapter', async (t) => {
  const app = (req: { native: unknown }) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ip: clientIpOf(req.native), secure: isSecureOf(req.native) }),
  });
  await forEachAdapter(
    t,
    () => stack([]),
    async (server) => {
      const plain = await rawGet(server.url, 'X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n');
      assert.match(plain, /"ip":"127\.0\.0\.1","secure":false/, 'spoofed headers ignored without trustProxy');
    },
    app,
  );
  await forEachAdapter(
    t,
    () => stack([], { trustProxy: ['127.0.0.1'] }),
    async (server) => {
      const proxied = await rawGet(server.url, 'X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n');
      assert.match(proxied, /"ip":"203\.0\.113\.7","secure":true/);
    },
    app,
  );
});

/** A sink that keeps what it receives. */
function recorder(): { emit(r: SecurityEventRecord): void; records: SecurityEventRecord[] } {
  const records: SecurityEventRecord[] = [];
  return { records, emit: (r) => void records.push(r) };
}

test('proxyHeaders x-forwarded (default): a Forwarded header is ignored for address, proto and host', () => {
  const sink = recorder();
  const t = compileTrustProxy(['127.0.0.1'], { sink });
  // nginx appended the real peer to X-Forwarded-For and set X-Forwarded-Proto; the client added Forwarded.
  assert.equal(t.clientIp('127.0.0.1', '6.6.6.6, 203.0.113.9', 'for=1.2.3.4;proto=https'), '203.0.113.9');
  assert.equal(t.forwardedProto('127.0.0.1', 'http', 'for=1.2.3.4;proto=https'), 'http');
  assert.equal(t.forwardedProto('127.0.0.1', undefined, 'for=1.2.3.4;proto=https'), undefined);
  assert.equal(t.forwardedHost('127.0.0.1', undefined, 'host=evil.example'), undefined);
  assert.equal(t.forwardedHost('127.0.0.1', 'app.example', 'host=evil.example'), 'app.example');
  // Only Forwarded, no X-Forwarded-For: the socket address, not the client's claim.
  assert.equal(t.clientIp('127.0.0.1', undefined, 'for=1.2.3.4'), '127.0.0.1');
  assert.equal(compileTrustProxy(1, { sink }).clientIp('10.0.0.1', undefined, 'for=1.2.3.4'), '10.0.0.1');
  assert.equal(compileTrustProxy(true, { sink }).forwardedProto('9.9.9.9', undefined, 'proto=https'), undefined);
});

test('proxyHeaders forwarded: RFC 7239 only; X-Forwarded-* is ignored', () => {
  const sink = recorder();
  const t = compileTrustProxy(['127.0.0.1'], { proxyHeaders: 'forwarded', sink });
  // RFC 7239 Forwarded, with IPv6 and ports; obfuscated identifiers fall back.
  assert.equal(t.clientIp('127.0.0.1', undefined, 'for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711"'), '2001:db8:cafe::17');
  assert.equal(t.clientIp('127.0.0.1', undefined, 'for=_hidden'), '127.0.0.1');
  assert.equal(t.clientIp('127.0.0.1', '6.6.6.6', undefined), '127.0.0.1');
  assert.equal(t.clientIp('127.0.0.1', '6.6.6.6', 'for=203.0.113.9'), '203.0.113.9');
  assert.equal(t.forwardedProto('127.0.0.1', undefined, 'for=1.2.3.4;proto=https'), 'https');
  assert.equal(t.forwardedProto('127.0.0.1', 'https', undefined), undefined);
  assert.equal(t.forwardedProto('127.0.0.1', 'https', 'for=1.2.3.4;proto=http'), 'http');
  assert.equal(t.forwardedHost('127.0.0.1', 'evil.example', undefined), undefined);
  assert.equal(t.forwardedHost('127.0.0.1', 'evil.example', 'for=1.2.3.4;host=App.Example'), 'app.example');
  // Untrusted peer: nothing from either family.
  assert.equal(t.clientIp('198.51.100.1', undefined, 'for=1.2.3.4'), '198.51.100.1');
  assert.equal(t.forwardedProto('198.51.100.1', undefined, 'proto=https'), undefined);
});

test('proxyHeaders is validated at construction', () => {
  for (const bad of ['Forwarded', 'x-forwarded-for', '', true, 1, null]) {
    assert.throws(
      () => compileTrustProxy(['127.0.0.1'], { proxyHeaders: bad as never }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      String(bad),
    );
    assert.throws(
      () => stack([], { trustProxy: 1, proxyHeaders: bad as never }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      String(bad),
    );
  }
  // Validated even when trustProxy is off, so a typo is not found only when a proxy is added.
  assert.throws(
    () => stack([], { proxyHeaders: 'xforwarded' as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => stack([], { proxyHeader: 'forwarded' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.doesNotThrow(() => stack([], { trustProxy: 1, proxyHeaders: 'forwarded' }));
  // The preset registers and passes the option on.
  assert.throws(
    () => rampart({ log: false, trustProxy: 1, proxyHeaders: 'rfc7239' as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => rampart({ log: false, proxyheaders: 'forwarded' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION') && /proxyHeaders/.test((e as Error).message),
  );
  const preset = rampart({ log: false, trustProxy: 1, proxyHeaders: 'forwarded' });
  assert.equal(preset.context.trust.family, 'forwarded');
  void preset.close();
  assert.doesNotThrow(() => stack([], { trustProxy: 1, proxyHeaders: 'x-forwarded' }));
});

test('proxyHeaders through every adapter: the client-sent other family changes nothing', async (t) => {
  const app = (req: { native: unknown }) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ip: clientIpOf(req.native), secure: isSecureOf(req.native) }),
  });
  const silent = { emit: () => undefined };
  await forEachAdapter(
    t,
    () => stack([], { trustProxy: ['127.0.0.1'], events: silent }),
    async (server) => {
      const res = await rawGet(server.url, 'Forwarded: for=1.2.3.4;proto=https\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.7\r\nX-Forwarded-Proto: http\r\n');
      assert.match(res, /"ip":"203\.0\.113\.7","secure":false/);
    },
    app,
  );
  await forEachAdapter(
    t,
    () => stack([], { trustProxy: ['127.0.0.1'], proxyHeaders: 'forwarded', events: silent }),
    async (server) => {
      const res = await rawGet(server.url, 'Forwarded: for=6.6.6.6, for=203.0.113.7;proto=https\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\n');
      assert.match(res, /"ip":"203\.0\.113\.7","secure":true/);
    },
    app,
  );
});
