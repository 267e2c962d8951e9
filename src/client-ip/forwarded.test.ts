import test from 'node:test';
import assert from 'node:assert/strict';
import { parseForwarded } from './forwarded.ts';
import { compileTrustProxy } from './index.ts';
import { clientIpOf, isSecureOf } from './request.ts';
import { stack } from '../stack/index.ts';
import { blocklist } from '../abuse/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest } from '../../test/helpers/raw-http.ts';

const pairs = (header: string): { elements: Array<Record<string, string>>; malformed: boolean } => {
  const { elements, malformed } = parseForwarded(header);
  return { elements: elements.map((e) => Object.fromEntries(e)), malformed };
};

test('parseForwarded: RFC 7239 elements, quoted-strings with escapes, case-insensitive names', () => {
  assert.deepEqual(pairs('for=192.0.2.60;proto=http;by=203.0.113.43'), {
    elements: [{ for: '192.0.2.60', proto: 'http', by: '203.0.113.43' }],
    malformed: false,
  });
  assert.deepEqual(pairs('For="[2001:db8:cafe::17]:4711", for=192.0.2.43 ,  for=198.51.100.17'), {
    elements: [{ for: '[2001:db8:cafe::17]:4711' }, { for: '192.0.2.43' }, { for: '198.51.100.17' }],
    malformed: false,
  });
  assert.deepEqual(pairs('for=a;x="q\\"uo,te;d", for=b'), { elements: [{ for: 'a', x: 'q"uo,te;d' }, { for: 'b' }], malformed: false });
  assert.deepEqual(pairs('for=a;x="\\\\", for=b'), { elements: [{ for: 'a', x: '\\' }, { for: 'b' }], malformed: false });
  assert.deepEqual(pairs('for=a, , for=b'), { elements: [{ for: 'a' }, { for: 'b' }], malformed: false });
});

test('parseForwarded: a malformed element hides nothing to its right (unbalanced or escaped quotes, duplicates, junk)', () => {
  // What a proxy that appends its element forwards after a hostile client value.
  for (const client of ['for=6.6.6.6;x="', 'for=6.6.6.6;x="\\"', 'x="a\\"', 'for=1;for=2', 'garbage', 'for=a b', '"', '=x', 'for=6.6.6.6;x="\\""junk']) {
    const { elements, malformed } = pairs(`${client}, for=1.2.3.4;proto=http`);
    assert.equal(malformed, true, client);
    assert.deepEqual(elements.at(-1), { for: '1.2.3.4', proto: 'http' }, client);
  }
  assert.equal(pairs('').malformed, true);
  assert.equal(pairs('for=1.2.3.4;proto=https"').malformed, true);
  assert.equal(pairs('x'.repeat(5000)).malformed, true);
});

test("trustProxy with proxyHeaders 'forwarded': a client's quoted tricks cannot choose the address or the scheme", () => {
  const t = compileTrustProxy(['127.0.0.1'], { proxyHeaders: 'forwarded', sink: { emit() {} } });
  for (const client of ['for=6.6.6.6;x="\\""', 'for=6.6.6.6;x="', 'for="\\""', 'for=6.6.6.6;x="a\\"b"']) {
    assert.equal(t.clientIp('127.0.0.1', undefined, `${client}, for=1.2.3.4`), '1.2.3.4', client);
    assert.equal(t.forwardedProto('127.0.0.1', undefined, `proto=https;x="\\"", for=1.2.3.4`), undefined);
    assert.equal(t.forwardedProto('127.0.0.1', undefined, `proto=https;x=", for=1.2.3.4;proto=http`), 'http');
  }
  // With a hop count the same: the proxy's own element decides.
  const hops = compileTrustProxy(1, { proxyHeaders: 'forwarded', sink: { emit() {} } });
  assert.equal(hops.clientIp('127.0.0.1', undefined, 'for=6.6.6.6;x="\\"", for=1.2.3.4'), '1.2.3.4');
  // Host: a header that cannot be parsed is refused by the host guard (returned whole, not a host).
  assert.match(String(t.forwardedHost('127.0.0.1', undefined, 'host=evil.example;x=", for=1.2.3.4')), /"/);
});

test('every adapter: a blocked client behind a trusted proxy stays blocked whatever it puts in Forwarded', async (t) => {
  const app = (req: { native: unknown }) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ip: clientIpOf(req.native), secure: isSecureOf(req.native) }),
  });
  await forEachAdapter(
    t,
    () => {
      const bl = blocklist();
      bl.block('1.2.3.4', { seconds: 600 });
      return stack([bl], { trustProxy: ['127.0.0.1'], proxyHeaders: 'forwarded' });
    },
    async (server) => {
      for (const client of ['for=6.6.6.6;x="\\""', 'for=6.6.6.6;x="', 'for="\\""']) {
        for (const lines of [`Forwarded: ${client}, for=1.2.3.4\r\n`, `Forwarded: ${client}\r\nForwarded: for=1.2.3.4\r\n`]) {
          const res = await rawRequest(server.url, `GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}Connection: close\r\n\r\n`);
          assert.match(res, /^HTTP\/1\.1 403 /, `${server.adapter}: ${JSON.stringify(lines)}`);
        }
      }
      const served = await rawRequest(
        server.url,
        'GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nForwarded: proto=https;x="\\"", for=5.6.7.8\r\nConnection: close\r\n\r\n',
      );
      assert.match(served, /"ip":"5\.6\.7\.8","secure":false/, server.adapter);
    },
    app,
  );
});

test('trustProxy: a /0 range trusts every peer and is announced like trustProxy: true', () => {
  for (const list of [['0.0.0.0/0'], ['::/0'], ['10.0.0.1', ' 0.0.0.0/00 ']]) {
    const seen: string[] = [];
    compileTrustProxy(list, { sink: { emit: (r) => void seen.push(String(r.detail)) } });
    assert.equal(seen.length, 1, JSON.stringify(list));
    assert.match(seen[0]!, /any peer/);
  }
  const quiet: string[] = [];
  compileTrustProxy(['10.0.0.0/8', '127.0.0.1'], { sink: { emit: (r) => void quiet.push(String(r.detail)) } });
  assert.deepEqual(quiet, []);
});
