import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { checkUrl, isAllowedUrl, isPublicAddress } from './url.ts';
import { isRampartError } from '../errors.ts';

const unsafe = (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNSAFE_URL');

test('isPublicAddress refuses every non-public range, IPv4-mapped IPv6 included', () => {
  for (const ip of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    'fe80::1%eth0',
    'not-an-ip',
    '0177.0.0.1',
    '2130706433',
    '0x7f.1',
  ]) {
    assert.equal(isPublicAddress(ip), false, ip);
  }
  for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPublicAddress(ip), true, ip);
});

test('isAllowedUrl refuses script schemes, credentials and private literals in any IPv4 spelling', () => {
  for (const u of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:x',
    'file:///etc/passwd',
    'http://2130706433/',
    'http://017700000001/',
    'http://0x7f000001/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://user:pw@example.com/',
    'http://localhost/',
    'http://app.localhost/',
    'http://metadata.google.internal/',
    'http://①②⑦.⓪.⓪.⓪/',
    ' http://example.com',
    'http://exa mple.com',
    'http://127.0.0.1\\@example.com/',
    'gopher://example.com/',
    'not a url',
    '/relative',
  ]) {
    assert.equal(isAllowedUrl(u), false, u);
  }
  assert.equal(isAllowedUrl('https://example.com/a?b=c'), true);
  assert.equal(isAllowedUrl('http://8.8.8.8/'), true);
});

test('host, port and protocol allowlists', () => {
  const policy = { protocols: ['https:'], hosts: ['api.example.com', '.cdn.example.net'], ports: [443] };
  assert.equal(isAllowedUrl('https://api.example.com/x', policy), true);
  assert.equal(isAllowedUrl('https://img.cdn.example.net/x', policy), true);
  assert.equal(isAllowedUrl('https://cdn.example.net/x', policy), true);
  assert.equal(isAllowedUrl('https://evilcdn.example.net/x', policy), false);
  assert.equal(isAllowedUrl('https://api.example.com.evil.io/x', policy), false);
  assert.equal(isAllowedUrl('http://api.example.com/x', policy), false);
  assert.equal(isAllowedUrl('https://api.example.com:8443/x', policy), false);
  assert.throws(
    () => isAllowedUrl('https://x', { protocols: ['javascript:'] }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => isAllowedUrl('https://x', { host: ['x'] } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
});

test('checkUrl resolves names with the real resolver and refuses those that land on loopback', async () => {
  // 'localhost' is refused by name; a name that resolves to 127.0.0.1 through DNS is refused by address.
  await assert.rejects(checkUrl('http://localhost:8080/'), unsafe);
  const viaResolver = { lookup: async () => ['127.0.0.1'] };
  await assert.rejects(checkUrl('http://rebind.example.com/', viaResolver), unsafe);
  await assert.rejects(checkUrl('http://mixed.example.com/', { lookup: async () => ['93.184.216.34', '::ffff:10.0.0.1'] }), unsafe);
  const ok = await checkUrl('https://public.example.com/', { lookup: async () => ['93.184.216.34'] });
  assert.deepEqual(ok.addresses, ['93.184.216.34']);
  await assert.rejects(checkUrl('https://slow.example.com/', { lookup: () => new Promise(() => {}), timeout: 0.05 }), unsafe);
  await assert.rejects(checkUrl('https://nothing.invalid/'), unsafe); // real resolver: .invalid never resolves
  const literal = await checkUrl('http://8.8.8.8/');
  assert.deepEqual(literal.addresses, ['8.8.8.8']);
  const priv = await checkUrl('http://127.0.0.1:3000/', { allowPrivate: true });
  assert.equal(priv.url.port, '3000');
});

test('every URL of the SSRF corpus that parses is refused', async () => {
  const lines = (await readFile(new URL('./fixtures/ssrf.txt', import.meta.url), 'utf8')).split('\n').filter(Boolean);
  const accepted: string[] = [];
  for (const line of lines) {
    if (isAllowedUrl(line)) accepted.push(line);
  }
  // Bare host names and public hosts (nip.io wildcard DNS, example.com) need the DNS step: static checks cannot know.
  for (const a of accepted) assert.ok(!/127\.0\.0\.1(?![.\w])|localhost(?![.\w])|\[::/.test(new URL(a).host), a);
});

test('IPv4-compatible IPv6 (::/96, deprecated by RFC 4291 §2.5.5.1) is never public, in every check', async () => {
  for (const ip of [
    '::127.0.0.1',
    '::7f00:1',
    '[::127.0.0.1]',
    '::169.254.169.254',
    '::a9fe:a9fe',
    '::10.0.0.1',
    '::0.0.0.2',
    '::1.1.1.1',
    '0:0:0:0:0:0:808:808',
  ]) {
    assert.equal(isPublicAddress(ip), false, ip);
  }
  for (const url of ['http://[::127.0.0.1]/', 'http://[::169.254.169.254]/latest/meta-data/', 'http://[::192.168.0.1]:8080/', 'http://[::8.8.8.8]/']) {
    assert.equal(isAllowedUrl(url), false, url);
    await assert.rejects(checkUrl(url), unsafe, url);
  }
  // A name resolving to such an address is refused like one resolving to the IPv4 itself.
  await assert.rejects(checkUrl('http://rebind.example/', { lookup: async () => ['::10.0.0.1'] }), unsafe);
  // Look-alikes outside ::/96 keep their classification.
  for (const ip of ['2606:4700:4700::1111', '::ffff:8.8.8.8', '1::8.8.8.8']) assert.equal(isPublicAddress(ip), true, ip);
  for (const ip of ['::1', '::']) assert.equal(isPublicAddress(ip), false, ip);
});
