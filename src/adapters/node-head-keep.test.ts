/**
 * keepVary / keepCookie: the one writeHead wrapper a response gets when rampart's Vary or
 * Set-Cookie lines are all it has left to fix at the head. What reaches the wire must carry
 * rampart's tokens and lines whichever way the handler set or replaced them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepCookie, keepVary } from './node-head-keep.ts';

/** Serve one response written by `handler` after keepVary(res, ours); resolve the raw Vary lines. */
async function varyLines(ours: string, handler: (res: http.ServerResponse) => void): Promise<string[]> {
  const server = http.createServer((_req, res) => {
    keepVary(res, ours);
    handler(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await response.arrayBuffer();
    const value = response.headers.get('vary');
    return value === null ? [] : value.split(',').map((t) => t.trim().toLowerCase());
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const sorted = (tokens: string[]): string[] => [...tokens].sort();

test('keepVary: rampart Vary already on the response is written as it is', async () => {
  assert.deepEqual(
    await varyLines('Origin', (res) => {
      res.setHeader('Vary', 'Origin');
      res.end('x');
    }),
    ['origin'],
  );
});

test('keepVary: a Vary the handler replaced with setHeader gets rampart tokens back', async () => {
  assert.deepEqual(
    sorted(
      await varyLines('Origin, Accept-Encoding', (res) => {
        res.setHeader('Vary', 'Cookie');
        res.end('x');
      }),
    ),
    ['accept-encoding', 'cookie', 'origin'],
  );
});

test('keepVary: a removed Vary comes back', async () => {
  assert.deepEqual(
    await varyLines('Origin', (res) => {
      res.setHeader('Vary', 'Origin');
      res.removeHeader('vary');
      res.end('x');
    }),
    ['origin'],
  );
});

test('keepVary: writeHead objects (any case, with a reason), flat and nested lists keep rampart tokens', async () => {
  const heads: Array<(res: http.ServerResponse) => void> = [
    (res) => res.writeHead(200, { VARY: 'Cookie' }),
    (res) => res.writeHead(200, 'Fine', { vary: 'cookie, ORIGIN' }),
    (res) => res.writeHead(200, ['Vary', 'Cookie', 'x-a', 'b']),
    (res) => res.writeHead(200, [['vary', 'Cookie']]),
  ];
  for (const writeHead of heads) {
    const tokens = await varyLines('Origin', (res) => {
      res.setHeader('Vary', 'Origin');
      writeHead(res);
      res.end('x');
    });
    assert.deepEqual(sorted(tokens), ['cookie', 'origin'], String(writeHead));
  }
});

test('keepVary: several Vary lines in a writeHead list become one union, no token twice', async () => {
  const tokens = await varyLines('Origin', (res) => {
    res.writeHead(200, ['Vary', 'Cookie', 'x-a', 'b', 'vary', 'Accept, origin']);
    res.end('x');
  });
  assert.deepEqual(sorted(tokens), ['accept', 'cookie', 'origin']);
});

test('keepVary: `*` absorbs every token, and the caller’s headers object is not changed', async () => {
  assert.deepEqual(
    await varyLines('Origin', (res) => {
      res.setHeader('Vary', '*');
      res.end('x');
    }),
    ['*'],
  );
  const mine = { vary: 'Cookie' };
  await varyLines('Origin', (res) => {
    res.writeHead(200, mine);
    res.end('x');
  });
  assert.deepEqual(mine, { vary: 'Cookie' });
});

test('keepVary: a writeHead wrapper installed afterwards (on-headers style) still reaches rampart', async () => {
  const tokens = await varyLines('Origin', (res) => {
    const inner = res.writeHead;
    let fired = 0;
    res.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
      fired++;
      res.setHeader('Vary', 'Cookie');
      return (inner as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof res.writeHead;
    res.end('x');
    assert.equal(fired, 1);
  });
  assert.deepEqual(sorted(tokens), ['cookie', 'origin']);
});

test('keepVary and keepCookie share one writeHead wrapper per response, each header merged by its own rule', async () => {
  const server = http.createServer((_req, res) => {
    const original = res.writeHead;
    keepCookie(res, 'a=1');
    const wrapped = res.writeHead;
    assert.notEqual(wrapped, original);
    keepVary(res, 'Origin');
    keepCookie(res, 'b=2');
    keepVary(res, 'Accept-Encoding');
    assert.equal(res.writeHead, wrapped, 'installed once');
    res.writeHead(200, { vary: 'Cookie', 'set-cookie': 'app=3' });
    res.end('x');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await response.arrayBuffer();
    assert.deepEqual(sorted((response.headers.get('vary') ?? '').split(',').map((t) => t.trim().toLowerCase())), ['accept-encoding', 'cookie', 'origin']);
    assert.deepEqual(response.headers.getSetCookie().sort(), ['a=1', 'app=3', 'b=2']);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
