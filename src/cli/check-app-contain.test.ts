/**
 * `rampart check --app` runs the app's module and must not let it serve or contact anything:
 * the black-box tester's three escapes (a worker thread, a child process, raw handles and
 * UDP) as fixtures, watched from outside by a local TCP+UDP listener and a port probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/services.ts';
import { runCli } from './fixtures/run-cli.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/apps/escape/${name}`, import.meta.url));

interface Watched {
  report: { findings: Array<{ id: string; severity: string; message: string }> };
  /** TCP connections and UDP datagrams that reached the local listener. */
  reached: string[];
  /** Successful connections to the port the app tried to listen on, while the check ran. */
  served: number;
  /** What the app wrote to its probe log. */
  probe: string;
}

/** Run `rampart check --app` on a fixture while watching what it reaches and serves. */
async function watchedCheck(name: string): Promise<Watched> {
  const reached: string[] = [];
  const listener = net.createServer((socket) => {
    reached.push('tcp');
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const probePort = (listener.address() as net.AddressInfo).port;
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => reached.push('udp'));
  await new Promise<void>((resolve) => udp.bind(probePort, '127.0.0.1', resolve));
  // Below the ephemeral range: no listen(0) server of a parallel test file can take it and answer the probe.
  const listenPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rampart-contain-'));
  const probeLog = join(dir, 'probe.log');
  writeFileSync(probeLog, '');
  let served = 0;
  let running = true;
  // Probe the app's port for as long as the check runs (the fixtures hold their import for 1.5 s).
  const probing = (async () => {
    while (running) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = net.connect(listenPort, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (ok) served++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    const env = { NODE_ENV: 'production', PROBE_PORT: String(probePort), LISTEN_PORT: String(listenPort), PROBE_LOG: probeLog };
    const r = await runCli(['check', '--app', fixture(name), '--no-audit', '--json'], { env });
    running = false;
    await probing;
    // A connection or datagram sent just before the check ended has had time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    let report: Watched['report'];
    try {
      report = JSON.parse(r.stdout) as Watched['report'];
    } catch {
      assert.fail(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { report, reached: [...reached], served, probe: readFileSync(probeLog, 'utf8') };
  } finally {
    running = false;
    await probing;
    udp.close();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const e003 = (w: Watched): string | undefined => w.report.findings.find((f) => f.id === 'RAMPART-E003')?.message;

test('check --app: a worker thread the app starts neither listens nor connects, and E003 says worker threads were denied', async () => {
  const w = await watchedCheck('worker.mjs');
  assert.equal(w.served, 0, 'nothing listened on the app port');
  assert.deepEqual(w.reached, [], 'nothing connected out');
  assert.match(e003(w) ?? '', /uses worker threads while being imported, which rampart check --app denies/);
  assert.match(e003(w) ?? '', /--config FILE/);
});

test('check --app: a child process the app spawns does not run, and E003 says child processes were denied', async () => {
  const w = await watchedCheck('child.mjs');
  assert.deepEqual(w.reached, [], 'the child never connected');
  assert.match(e003(w) ?? '', /uses child processes while being imported/);
});

test('check --app: process.binding() handles and UDP are refused; an app that catches the refusals is still checked', async () => {
  const w = await watchedCheck('binding.mjs');
  assert.equal(w.served, 0, 'no raw tcp_wrap server listened');
  assert.deepEqual(w.reached, [], 'no datagram arrived');
  assert.match(w.probe, /tcp_wrap refused: ERR_ACCESS_DENIED/);
  assert.match(w.probe, /udp send EACCES/);
  assert.doesNotMatch(w.probe, /udp bound|tcp_wrap bind=/);
  assert.equal(e003(w), undefined);
  assert.ok(
    w.report.findings.some((f) => f.id === 'RAMPART-W027'),
    'the shield was read (log: false)',
  );
});
