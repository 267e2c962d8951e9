/**
 * `shield.upgrade(listener, { origins })` reads its entries the way CSRF's trustedOrigins
 * and CORS read origins (black-box pass 7A): case and a default port do not matter
 * (`HTTPS://APP.EXAMPLE.COM:443` was refused), a wildcard host is refused with what to
 * write instead (`https://*.example.com` was accepted as a literal that matched nothing,
 * while `'*'` was refused), and a RegExp or function says what it is (it said "got an array").
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rampart } from '../preset.ts';
import { isRampartError, type RampartError } from '../errors.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

const ACCEPTED = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

function handshake(origin: string): string {
  return `GET /ws HTTP/1.1\r\nhost: app.example.com\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\norigin: ${origin}\r\n\r\n`;
}

function refusal(origins: unknown): RampartError {
  const shield = rampart({ log: false, csrf: false });
  try {
    shield.upgrade(() => undefined, { origins: origins as never });
  } catch (error) {
    assert.ok(isRampartError(error, 'ERR_RAMPART_CONFIG'), String(error));
    return error as RampartError;
  }
  assert.fail(`origins ${String(origins)} was accepted`);
}

test('shield.upgrade origins: case and the default port are normalised, as for CORS and CSRF origins', async () => {
  const shield = rampart({ log: false, csrf: false, allowedHosts: ['app.example.com'] });
  const server = http.createServer(shield.node((_req, res) => res.end('ok')));
  server.on(
    'upgrade',
    shield.upgrade((_req, socket) => socket.end(ACCEPTED), { origins: ['HTTPS://PARTNER.EXAMPLE:443', 'http://Other.Example:8080'] }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const origin of ['https://partner.example', 'http://other.example:8080']) {
      assert.equal(statusOf(await rawRequest(url, handshake(origin))), 101, origin);
    }
    for (const origin of ['http://partner.example', 'https://other.example:8080', 'https://evil.example']) {
      assert.equal(statusOf(await rawRequest(url, handshake(origin))), 403, origin);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await shield.close();
  }
});

test('shield.upgrade origins: a wildcard host is refused with what to write instead', () => {
  for (const origins of [['https://*.example.com'], 'https://*.example.com', ['https://app.example.com', 'https://*']]) {
    assert.match(refusal(origins).message, /wildcard.*list each origin/i);
  }
  assert.match(refusal('*').message, /every site|list/i);
});

test('shield.upgrade origins: a RegExp or a function is named in the message, not called an array', () => {
  assert.match(refusal([/^https:\/\/app\.example\.com$/]).message, /RegExp/);
  assert.match(refusal(/^https:\/\/app\.example\.com$/).message, /RegExp/);
  assert.match(refusal([() => true]).message, /function/);
  assert.doesNotMatch(refusal([/x/]).message, /got an array/);
});
