/**
 * node:http hands `Upgrade:` requests (WebSocket handshakes) to the server's 'upgrade'
 * listeners, never to the request handler: without `shield.upgrade(listener)` no host
 * guard, blocklist, rate limit or Origin check sees them (the same handshake from a blocked
 * IP, with an unlisted Host and a cross-site Origin got 101). Real server, raw sockets.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rampart } from '../preset.ts';
import { clientIpOf as clientIp } from '../client-ip/request.ts';
import { isRampartError } from '../errors.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

const ACCEPTED = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

function handshake(headers: Record<string, string>, path = '/ws'): string {
  const lines = Object.entries({
    host: 'app.example.com',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  })
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `GET ${path} HTTP/1.1\r\n${lines}\r\n`;
}

async function start(options: Parameters<typeof rampart>[0], upgradeOptions?: { origins?: readonly string[] }) {
  const shield = rampart({ log: false, csrf: false, ...options });
  const seen: string[] = [];
  const server = http.createServer(shield.node((_req, res) => res.end('ok')));
  server.on(
    'upgrade',
    shield.upgrade((req, socket, head) => {
      seen.push(`${req.url} ip=${clientIp(req)} head=${head.length}`);
      socket.end(ACCEPTED);
    }, upgradeOptions),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    shield,
    seen,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await shield.close();
    },
  };
}

test('shield.upgrade: the host guard, the cross-site Origin check and the blocklist refuse a handshake with a raw HTTP answer', async () => {
  const app = await start({ allowedHosts: ['app.example.com'] }, { origins: ['https://partner.example'] });
  try {
    const accepted = await rawRequest(app.url, handshake({ origin: 'https://app.example.com' }));
    assert.equal(statusOf(accepted), 101, accepted);
    assert.equal(statusOf(await rawRequest(app.url, handshake({ origin: '' }))), 101, 'no Origin: not a browser');
    assert.equal(statusOf(await rawRequest(app.url, handshake({ origin: 'https://partner.example' }))), 101, 'a listed origin');
    assert.deepEqual(app.seen.slice(0, 1), ['/ws ip=127.0.0.1 head=0']);

    const badHost = await rawRequest(app.url, handshake({ host: 'evil.example', origin: 'https://evil.example' }));
    assert.equal(statusOf(badHost), 400, badHost);
    assert.match(badHost, /\r\nconnection: close\r\n/i);
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example', 'http://app.example.com:8443']) {
      const crossSite = await rawRequest(app.url, handshake({ origin }));
      assert.equal(statusOf(crossSite), 403, `${origin}: ${crossSite}`);
    }
    await app.shield.blocklist!.block('127.0.0.1', { seconds: 600, reason: 'test' });
    assert.equal(statusOf(await rawRequest(app.url, handshake({ origin: 'https://app.example.com' }))), 403, 'blocked IP');
    assert.equal(app.seen.length, 3, 'the listener ran only for the accepted handshakes');
  } finally {
    await app.close();
  }
});

test('shield.upgrade: handshakes count against the rate limit', async () => {
  const app = await start({ rateLimit: { maxRequests: 2, window: 60 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push(statusOf(await rawRequest(app.url, handshake({}))));
    assert.deepEqual(statuses, [101, 101, 429]);
  } finally {
    await app.close();
  }
});

test('shield.upgrade: a listener that is not a function and malformed origins are refused at construction', () => {
  const shield = rampart({ log: false, csrf: false });
  assert.throws(
    () => shield.upgrade('nope' as never),
    (e) => isRampartError(e, 'ERR_RAMPART_ADAPTER'),
  );
  for (const origins of [['app.example.com'], ['https://app.example.com/path'], [42 as never], ['ws://app.example.com']]) {
    assert.throws(
      () => shield.upgrade(() => undefined, { origins }),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
    );
  }
});
