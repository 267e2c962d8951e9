import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { SecurityLog, SecurityEvent } from './index.ts';
import { isRampartError } from '../errors.ts';

/** A TCP server that accepts connections and never answers: a database that hangs. */
async function silentServer(): Promise<{ url: string; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://rampart@127.0.0.1:${port}/rampart`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test('close() against a database that never answers resolves by its deadline, reporting what it could not write', async (t) => {
  try {
    await import('postgres');
  } catch {
    t.skip('the postgres peer is not installed');
    return;
  }
  const server = await silentServer();
  t.after(server.close);
  const closeTimeoutMs = 1500;
  const log = new SecurityLog({ database: server.url, closeTimeoutMs, writeTimeoutMs: 200, retryMinMs: 100, retryMaxMs: 200, flushIntervalMs: 10 });
  const waited = log.log(SecurityEvent.LOGIN_FAILED, { ip: '192.0.2.1' }, { wait: true });
  const waitedOutcome = waited.then(
    () => 'written',
    (err: unknown) => (isRampartError(err) ? err.code : String(err)),
  );
  // A hang detector, not a performance bound: twice the deadline.
  let detector: NodeJS.Timeout | undefined;
  const hang = new Promise<'hung'>((resolve) => {
    detector = setTimeout(() => resolve('hung'), 2 * closeTimeoutMs);
  });
  const outcome = await Promise.race([log.close(), hang]);
  clearTimeout(detector);
  assert.deepEqual(outcome, { dropped: 1 });
  assert.equal(await waitedOutcome, 'ERR_RAMPART_LOG_DROPPED');
});
