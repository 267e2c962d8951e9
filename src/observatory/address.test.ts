/** The scan's address classifier and the connect-time lookup hook that enforces it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addressClass, classesOf, guardedLookup, PUBLIC, RefusedAddressError, refusal } from './address.ts';

test('addressClass: public unicast, and every non-public class by name (IPv4-mapped IPv6 as its IPv4)', () => {
  const cases: [string, string][] = [
    ['93.184.215.14', PUBLIC],
    ['2606:4700:4700::1111', PUBLIC],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fd00::2', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.2', 'reserved'],
    ['2002:7f00:1::', '6to4'],
    ['localhost', 'invalid'],
    ['0177.0.0.1', 'invalid'],
    ['2130706433', 'invalid'],
  ];
  for (const [address, kind] of cases) assert.equal(addressClass(address), kind, address);
});

test('addressClass: IPv4-compatible IPv6 (::/96) takes its embedded IPv4 class, and is never public', () => {
  const cases: [string, string][] = [
    ['::127.0.0.1', 'loopback'],
    ['[::127.0.0.1]', 'loopback'],
    ['::169.254.169.254', 'linkLocal'],
    ['::a9fe:a9fe', 'linkLocal'],
    ['::10.0.0.1', 'private'],
    ['::0.0.0.2', 'unspecified'],
    ['::1.1.1.1', 'ipv4Compatible'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['1::8.8.8.8', PUBLIC],
  ];
  for (const [address, kind] of cases) assert.equal(addressClass(address), kind, address);
  assert.match(refusal('::169.254.169.254', new Set(['loopback'])) ?? '', /linkLocal/);
});

test('refusal: public always allowed; a non-public class only when allowed, or with "all"', () => {
  const publicOnly = new Set<string>();
  assert.equal(refusal('93.184.215.14', publicOnly), null);
  assert.match(refusal('127.0.0.1', publicOnly) ?? '', /127\.0\.0\.1 is a loopback address .*--allow-private/);
  assert.match(refusal('169.254.169.254', new Set(['private'])) ?? '', /linkLocal/);
  assert.equal(refusal('10.0.0.1', new Set(['private'])), null);
  assert.equal(refusal('::1', 'all'), null);
  assert.notEqual(refusal('not-an-ip', new Set(['loopback'])), null);
});

test('classesOf: an IP literal without resolving, a name through the resolver', async () => {
  const never = async (): Promise<string[]> => assert.fail('an IP literal was resolved');
  assert.deepEqual(await classesOf('[::1]', never), new Set(['loopback']));
  assert.deepEqual(await classesOf('site.test', async () => ['10.0.0.5', '93.184.215.14']), new Set(['private', PUBLIC]));
});

/** Run the hook as node:net does and collect its answer. */
function lookupOnce(lookup: ReturnType<typeof guardedLookup>, options: { all?: boolean; family?: number }) {
  return new Promise<{ err: Error | null; address: unknown; family?: number | undefined }>((resolve) =>
    lookup('site.test', options, (err, address, family) => resolve({ err, address, family })),
  );
}

test('guardedLookup: passes allowed addresses in both callback forms, refuses when ANY resolved address is outside', async () => {
  const publicOnly = guardedLookup(new Set(), async () => ['93.184.215.14', '2606:4700:4700::1111']);
  assert.deepEqual((await lookupOnce(publicOnly, { all: true })).address, [
    { address: '93.184.215.14', family: 4 },
    { address: '2606:4700:4700::1111', family: 6 },
  ]);
  const one = await lookupOnce(publicOnly, { family: 6 });
  assert.equal(one.address, '2606:4700:4700::1111');
  assert.equal(one.family, 6);

  const mixed = await lookupOnce(
    guardedLookup(new Set(), async () => ['93.184.215.14', '10.0.0.1']),
    { all: true },
  );
  assert.ok(mixed.err instanceof RefusedAddressError);
  assert.match(mixed.err.message, /site\.test resolves to 10\.0\.0\.1 is a private address/);

  const loopbackAllowed = await lookupOnce(
    guardedLookup(new Set(['loopback']), async () => ['127.0.0.1']),
    { all: true },
  );
  assert.equal(loopbackAllowed.err, null);
  const failing = await lookupOnce(
    guardedLookup(new Set(), async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }))),
    {},
  );
  assert.equal((failing.err as NodeJS.ErrnoException).code, 'ENOTFOUND');
});

test('guardedLookup in a real http.request: a name resolving to loopback is never connected to unless loopback is allowed', async () => {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const get = (allowed: Set<string>) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ hostname: 'internal.test', port, agent: false, lookup: guardedLookup(allowed, async () => ['127.0.0.1']) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    await assert.rejects(get(new Set()), RefusedAddressError);
    assert.equal(hits, 0);
    assert.equal(await get(new Set(['loopback'])), 200);
    assert.equal(hits, 1);
  } finally {
    server.close();
  }
});
