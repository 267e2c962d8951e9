/**
 * What every benchmark server shares: the one JSON body (same bytes for every
 * contender), the origin and host the load generator sends, and the start-up protocol
 * between a server child process and bench/run.ts.
 */
import type { Server } from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';

/** The origin every benchmark request carries (the one CORS origin the stacks allow). */
export const ORIGIN = 'https://app.example.com';

/** The host name the host guards allow (requests go to 127.0.0.1:<port>). */
export const ALLOWED_HOST = '127.0.0.1';

/** Size of the JSON body every contender answers. */
export const PAYLOAD_SIZE = 1200;

/** A deterministic ~1.2 KB JSON document: a small product list, padded to exactly PAYLOAD_SIZE bytes. */
function buildPayload(): Buffer {
  const items: object[] = [];
  const doc = { ok: true, page: 1, total: 0, items, note: '' };
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  for (let i = 0; Buffer.byteLength(JSON.stringify(doc)) < PAYLOAD_SIZE - 120; i++) {
    items.push({
      id: 1000 + i * 37,
      name: `${words[i % 8]} ${words[(i * 5 + 3) % 8]} ${i}`,
      price: Math.round((9.99 + i * 3.7) * 100) / 100,
      tags: words.slice(i % 5, (i % 5) + 1 + (i % 3)),
      inStock: i % 3 !== 0,
    });
    doc.total = items.length;
  }
  const base = Buffer.byteLength(JSON.stringify(doc));
  if (base > PAYLOAD_SIZE) throw new Error(`payload base ${base} exceeds ${PAYLOAD_SIZE}`);
  doc.note = 'x'.repeat(PAYLOAD_SIZE - base);
  return Buffer.from(JSON.stringify(doc));
}

/** The response body, shared by every contender (precomputed: the handler does no JSON work). */
export const PAYLOAD: Buffer = buildPayload();

/** Content type every contender answers with. */
export const CONTENT_TYPE = 'application/json';

/** Rate limit configured where a stack has one: high enough never to trigger during a run. */
export const RATE_LIMIT = { max: 1e9, windowSeconds: 60 } as const;

/**
 * Tell the parent process the server is listening (one JSON line on stdout) and shut
 * down cleanly on SIGTERM/SIGINT, or when the harness (parent) closes our stdin.
 */
export function announce(port: number, note = '', close?: () => unknown): void {
  process.stdout.write(JSON.stringify({ ready: port, note }) + '\n');
  const stop = (): void => {
    try {
      void close?.();
    } finally {
      setTimeout(() => process.exit(0), 200).unref();
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Under bench/run.ts the parent holds our stdin: its end means the harness is gone.
  if (process.env.RAMPART_BENCH_CHILD === '1') {
    process.stdin.on('end', stop);
    process.stdin.resume();
  }
}

/** Tell the parent this contender cannot run here (e.g. a rampart section not in the tree yet). */
export function unavailable(reason: string): void {
  process.stdout.write(JSON.stringify({ unavailable: reason }) + '\n');
  process.exit(0);
}

/** Listen a node:http server on 127.0.0.1, any free port, and announce it. */
export function listenNode(server: Server, note = ''): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    announce((server.address() as AddressInfo).port, note, () => server.close());
  });
}

/** Print the load average: a loaded machine inflates every row of an in-process bench alike. */
export function printLoad(): void {
  console.log(
    'load average',
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
    'on',
    os.cpus().length,
    'cores (a loaded machine inflates every row alike)',
  );
}
