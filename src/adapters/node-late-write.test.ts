/**
 * When rampart cuts a request body mid-stream (413 past bodyLimit, 408 on a stalled body) it
 * has answered already; the handler's reader then sees an error. A handler that answers 400
 * from its 'error' listener (`res.writeHead(400)`) must not crash the process with
 * ERR_HTTP_HEADERS_SENT: the server runs in a child process without an uncaughtException
 * handler, and must still answer afterwards.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

test('node: late writes on a response rampart answered mid-body (413, 408) do not crash the process', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/late-write-node-server.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${err}`))));
  exited.catch(() => undefined);
  const port = await Promise.race([
    new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const found = /^port (\d+)$/m.exec(out);
        if (found !== null) resolve(found[1]!);
      });
    }),
    exited,
  ]);
  const url = `http://127.0.0.1:${port}`;
  const count = (line: string): number => out.split('\n').filter((l) => l === line).length;
  const waitFor = async (line: string, n: number): Promise<void> => {
    while (count(line) < n) await Promise.race([new Promise((resolve) => child.stdout.once('data', resolve)), exited]);
  };
  try {
    const oversized = await rawRequest(url, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n${'A'.repeat(2000)}\r\n0\r\n\r\n`);
    assert.equal(statusOf(oversized), 413, oversized);
    await waitFor('late-writes-done', 1);
    const stalled = await rawRequest(url, 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabcde');
    assert.equal(statusOf(stalled), 408, stalled);
    await waitFor('late-writes-done', 2);
    // The app answered before reading; the body is cut later and its error path writes again.
    const early = await rawRequest(url, `POST /early HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n${'A'.repeat(2000)}\r\n0\r\n\r\n`);
    assert.equal(statusOf(early), 200, early);
    await waitFor('late-writes-done', 3);
    // The handler still learnt that the body is incomplete (it never saw 'end').
    assert.equal(out.split('\n').filter((l) => l.startsWith('app-error ')).length, 3);
    const alive = await Promise.race([fetch(url, { signal: AbortSignal.timeout(10_000) }), exited]);
    assert.equal(await alive.text(), 'got 0');
    assert.equal(child.exitCode, null);
  } finally {
    child.kill();
  }
});
