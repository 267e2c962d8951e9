import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { statusOf } from '../../test/helpers/raw-http.ts';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { rampart } from '../preset.ts';
import { bodyLimit } from './body.ts';

process.env.RAMPART_SILENT = '1';

/**
 * Open a socket, write `head` (and what follows of the body), then send nothing more.
 * Resolves with what the server answered once it closes the connection (or after `waitMs`,
 * with closed: false).
 */
function stall(url: string, head: string, waitMs = 8000): Promise<{ response: string; closed: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(head));
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      response += c;
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closed: true });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (response !== '') resolve({ response, closed: true });
      else reject(error);
    });
  });
}

/** Send the body in `parts`, `gapMs` apart, and resolve with the whole response. */
function trickle(url: string, head: string, parts: readonly string[], gapMs: number): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', async () => {
      socket.write(head);
      for (const part of parts) {
        await new Promise((r) => setTimeout(r, gapMs));
        socket.write(part);
      }
    });
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      response += c;
      if (/\r\n\r\n[\s\S]*"ok":true/.test(response) || /^HTTP\/1\.1 4/.test(response)) socket.end();
    });
    socket.on('close', () => resolve(response));
    socket.on('error', reject);
  });
}

test('bodyLimit idleTimeout: a client that sends the headers and stalls the body gets 408, the connection closed and an event (every adapter)', async (t) => {
  let events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => {
      events = [];
      return stack([bodyLimit({ maxBytes: 10_000, idleTimeout: 0.5 })], { events: { emit: (r) => events.push(r) } });
    },
    async (app) => {
      // Content-Length framing: 3 of 100 bytes, then nothing.
      const fixed = await stall(app.url, 'POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc');
      assert.equal(statusOf(fixed.response), 408, fixed.response.slice(0, 200));
      assert.ok(fixed.closed, 'the server closes the connection');
      assert.match(fixed.response, /connection: close/i);
      // Chunked framing: one chunk, then nothing.
      const chunked = await stall(
        app.url,
        'POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
      );
      assert.equal(statusOf(chunked.response), 408, chunked.response.slice(0, 200));
      assert.ok(chunked.closed);
      const timeouts = events.filter((e) => e.event === 'BODY_TIMEOUT');
      assert.equal(timeouts.length, 2, JSON.stringify(events));
      assert.match(timeouts[0]!.detail ?? '', /0\.5 s/);
      assert.equal(timeouts[0]!.path, '/upload');
    },
  );
});

test('bodyLimit idleTimeout: a body that keeps arriving (gaps shorter than the timeout) reaches the app whole, longer than the timeout in total', async (t) => {
  await forEachAdapter(
    t,
    () => stack([bodyLimit({ maxBytes: 10_000, idleTimeout: 1 })]),
    async (app) => {
      const parts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
      const response = await trickle(
        app.url,
        `POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: ${parts.length}\r\nConnection: close\r\n\r\n`,
        parts,
        150,
      );
      assert.equal(statusOf(response), 200, response.slice(0, 300));
      assert.match(response, /"body":"abcdefghijkl"/);
    },
  );
});

test('bodyLimit idleTimeout: options are validated, the preset takes { maxBytes, idleTimeout }, idleTimeout: false is announced', async () => {
  assert.throws(
    () => bodyLimit({ idleTimeout: -1 }),
    (e: unknown) => e instanceof RampartError && e.code === 'ERR_RAMPART_CONFIG',
  );
  assert.throws(
    () => bodyLimit({ idleTimeout: 'soon' as unknown as number }),
    (e: unknown) => e instanceof RampartError && e.code === 'ERR_RAMPART_CONFIG',
  );
  const { configWarnings } = await import('../core/events.ts');
  bodyLimit({ maxBytes: 10, idleTimeout: false });
  assert.ok(configWarnings().some((w) => /bodyLimit\.idleTimeout: false/.test(w)));
  const shield = rampart({ bodyLimit: { maxBytes: 2048, idleTimeout: 5 }, log: false });
  await shield.close();
});
