/**
 * A real webhook receiver for the monitor tests: a node:http server on 127.0.0.1 that keeps
 * every delivery (headers and raw body) and verifies its Standard Webhooks signature on its
 * own (HMAC-SHA256 recomputed here with node:crypto, not with rampart's signer).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  /** True when the signature verified against the secret (recomputed here). */
  readonly verified: boolean;
  readonly status: number;
}

export interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** The answer for the next deliveries: a status, or 'hang' to never answer. */
  plan: Array<number | 'hang'>;
  /** Resolve when `count` deliveries answered 2xx have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Recompute `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>` and compare in constant time. */
export function verifyStandardWebhook(secret: string, id: string, timestamp: string, body: string, header: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const given = Buffer.from(entry.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: '',
    deliveries,
    plan: [],
    waitFor(count) {
      const ok = () => deliveries.filter((d) => d.status < 300).length >= count;
      if (ok()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = receiver.plan.shift() ?? 204;
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = String(req.headers['webhook-timestamp'] ?? '');
      const signature = String(req.headers['webhook-signature'] ?? '');
      if (next === 'hang') {
        hanging.add(res);
        return;
      }
      deliveries.push({ id, timestamp, signature, body, verified: verifyStandardWebhook(secret, id, timestamp, body, signature), status: next });
      res.statusCode = next;
      res.end();
      for (const w of [...waiters]) {
        if (deliveries.filter((d) => d.status < 300).length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts` });
}
