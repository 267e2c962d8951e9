import { nodeCrypto } from '../core/builtin.ts';
import { checkKeys, configError, describeValue, numberOption, optionsObject } from '../core/options.ts';
import type { Alert, AlertSink } from './alert.ts';
import { retryAfterMs } from './retry-after.ts';

/** Options of {@link alertWebhook}. */
export interface AlertWebhookOptions {
  /** Receiver URL: `https://…` (`http://` only for a loopback receiver). */
  url: string;
  /** Standard Webhooks secret: `whsec_` + base64 of 24–64 random bytes. */
  secret: string;
  /** Alerts waiting or in delivery; beyond it new alerts are dropped and counted. Default 1,000. */
  maxQueue?: number;
  /** Retries after a failed attempt (network error, timeout, non-2xx answer). Default 5. */
  retries?: number;
  /**
   * First retry delay in ms; doubles each retry, with jitter (50–100 % of the step). Default 1,000.
   * A 429 or 503 answer's `Retry-After` (seconds or HTTP-date) lengthens the delay to what it asks.
   */
  retryMinMs?: number;
  /** Longest retry delay in ms, also when a `Retry-After` asks for longer. Default 60,000. */
  retryMaxMs?: number;
  /** Abandon an attempt after this many ms. Default 10,000. */
  timeoutMs?: number;
  /** How long close() waits for queued alerts before dropping them. Default 5,000 ms. */
  closeTimeoutMs?: number;
}

/** Delivery counters of an {@link AlertWebhook}. */
export interface AlertWebhookStats {
  /** Alerts waiting or in delivery now. */
  readonly queued: number;
  readonly delivered: number;
  /** Alerts given up on after every retry failed. */
  readonly failed: number;
  /** Alerts refused because the queue was full (or the sink closed). */
  readonly dropped: number;
  /** Retries made so far. */
  readonly retries: number;
  /** The last failure (`HTTP 503`, `timeout`, a network error), never a secret. */
  readonly lastError: string | undefined;
}

/** An alert sink that POSTs each alert, signed per Standard Webhooks, from a bounded queue. */
export interface AlertWebhook extends AlertSink {
  stats(): AlertWebhookStats;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const KEYS = ['url', 'secret', 'maxQueue', 'retries', 'retryMinMs', 'retryMaxMs', 'timeoutMs', 'closeTimeoutMs'];
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const NEW_SECRET = `node -e "console.log('whsec_' + require('node:crypto').randomBytes(32).toString('base64'))"`;
/** Console lines about a full queue: at most one per this many ms. */
const DROP_WARNING_MS = 60_000;

function checkUrl(value: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw configError(`alertWebhook.url must be an absolute URL such as 'https://alerts.example/rampart' (got ${describeValue(value)}).`);
  }
  if (typeof value !== 'string') throw configError(`alertWebhook.url must be a string (got ${describeValue(value)}).`);
  if (url.username !== '' || url.password !== '') throw configError('alertWebhook.url must not carry credentials; the signature authenticates the sender.');
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  throw configError(`alertWebhook.url must use https:// (http:// only for a receiver on 127.0.0.1, [::1] or localhost); got ${url.protocol}//${url.host}.`);
}

function checkSecret(value: unknown): string {
  const fix = `alertWebhook.secret must be a Standard Webhooks secret, 'whsec_' + base64 of 24–64 random bytes; generate one with ${NEW_SECRET}`;
  if (typeof value !== 'string' || !value.startsWith('whsec_')) throw configError(`${fix}.`);
  const b64 = value.slice(6);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) throw configError(`${fix} (the part after whsec_ is not base64).`);
  const bytes = Buffer.from(b64, 'base64').length;
  if (bytes < 24 || bytes > 64) throw configError(`${fix} (it decodes to ${bytes} bytes).`);
  return value;
}

/**
 * An alert sink that POSTs each alert as JSON (`{ type: 'rampart.alert', timestamp, data }`)
 * to `url`, signed per Standard Webhooks: `webhook-id` (the alert id, the same on every retry),
 * `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature: v1,<base64
 * HMAC-SHA256 of id.timestamp.body>` with the `whsec_` secret. Failed attempts are retried
 * with exponential backoff and jitter. Sending never blocks: alerts wait in a bounded queue
 * delivered one at a time; when it is full the new alert is dropped, counted in `stats()`, and
 * a console line says so (at most once a minute). Receivers verify with `verifyWebhook({
 * provider: 'standard', … })` from `rampart/auth` or any Standard Webhooks library.
 *
 * @example
 * monitor({ sinks: [alertWebhook({ url: 'https://alerts.example/rampart', secret: process.env.ALERT_WEBHOOK_SECRET! })] })
 */
export function alertWebhook(options: AlertWebhookOptions): AlertWebhook {
  const o = optionsObject(options, 'alertWebhook') as unknown as AlertWebhookOptions;
  checkKeys(o, KEYS, 'alertWebhook');
  const url = checkUrl(o.url).href;
  const secret = checkSecret(o.secret);
  const maxQueue = numberOption(o.maxQueue ?? 1000, 'alertWebhook.maxQueue', 1, 1_000_000);
  const retries = numberOption(o.retries ?? 5, 'alertWebhook.retries', 0, 100);
  const retryMinMs = numberOption(o.retryMinMs ?? 1000, 'alertWebhook.retryMinMs', 1, 3_600_000);
  const retryMaxMs = numberOption(o.retryMaxMs ?? 60_000, 'alertWebhook.retryMaxMs', retryMinMs, 86_400_000);
  const timeoutMs = numberOption(o.timeoutMs ?? 10_000, 'alertWebhook.timeoutMs', 1, 600_000);
  const closeTimeoutMs = numberOption(o.closeTimeoutMs ?? 5000, 'alertWebhook.closeTimeoutMs', 0, 600_000);

  // The alert being delivered stays at the head until it is done: the queue bound counts it.
  const queue: Alert[] = [];
  const idle: Array<() => void> = [];
  const stopping = new AbortController();
  let pumping = false;
  let closed = false;
  let delivered = 0;
  let failed = 0;
  let dropped = 0;
  let retried = 0;
  let lastError: string | undefined;
  let lastDropWarning = -Infinity;
  let sign: typeof import('../auth/signing/webhooks.ts').signWebhook | undefined;

  const drop = (why: string): void => {
    dropped++;
    const now = Date.now();
    if (now - lastDropWarning < DROP_WARNING_MS) return;
    lastDropWarning = now;
    if (process.env.RAMPART_SILENT !== '1') console.warn(`[rampart] warning: alertWebhook ${why}: alert dropped (${dropped} dropped so far).`);
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  /** One POST: `undefined` when delivered, else the wait in ms the receiver asked for (0: none). */
  const attempt = async (alert: Alert, body: string): Promise<number | undefined> => {
    // The signer is loaded with the first alert, never at import (the main entry stays light).
    sign ??= (await import('../auth/signing/webhooks.ts')).signWebhook;
    const headers = sign({ secret, id: alert.id, body });
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'rampart-monitor' },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status <= 299) return undefined;
    lastError = `HTTP ${response.status}`;
    // Only these two statuses ask the client to come back later; any other answer keeps the backoff.
    return response.status === 429 || response.status === 503 ? (retryAfterMs(response.headers.get('retry-after'), Date.now()) ?? 0) : 0;
  };

  const deliver = async (alert: Alert): Promise<void> => {
    const body = JSON.stringify({ type: 'rampart.alert', timestamp: alert.time, data: alert });
    for (let n = 0; ; n++) {
      let asked = 0;
      try {
        const wait = await attempt(alert, body);
        if (wait === undefined) {
          delivered++;
          return;
        }
        asked = wait;
      } catch (error) {
        lastError = (error as Error)?.name === 'TimeoutError' ? 'timeout' : String((error as Error)?.message ?? error).slice(0, 200);
      }
      if (n >= retries || stopping.signal.aborted) break;
      retried++;
      const step = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(n, 30));
      const backoff = step / 2 + nodeCrypto().randomInt(Math.max(1, Math.floor(step / 2)) + 1);
      // Retry-After lengthens the wait, never shortens it below the backoff (no busy loop on
      // `Retry-After: 0`), and never past retryMaxMs; close() cuts any wait short.
      await pause(Math.min(retryMaxMs, Math.max(backoff, asked)));
    }
    failed++;
  };

  const pump = async (): Promise<void> => {
    pumping = true;
    try {
      while (queue.length > 0) {
        if (stopping.signal.aborted) {
          dropped += queue.length;
          queue.length = 0;
          break;
        }
        await deliver(queue[0]!);
        queue.shift();
      }
    } finally {
      pumping = false;
      for (const resolve of idle.splice(0)) resolve();
    }
  };

  const flush = (): Promise<void> => (pumping ? new Promise<void>((resolve) => idle.push(resolve)) : Promise.resolve());

  return Object.freeze<AlertWebhook>({
    name: 'webhook',
    send(alert: Alert) {
      if (closed) return drop('is closed');
      if (queue.length >= maxQueue) return drop(`queue is full (maxQueue ${maxQueue}; the receiver is slow or down)`);
      queue.push(alert);
      if (!pumping) void pump();
    },
    stats: () => Object.freeze({ queued: queue.length, delivered, failed, dropped, retries: retried, lastError }),
    flush,
    async close() {
      closed = true;
      if (pumping) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, closeTimeoutMs);
        });
        await Promise.race([flush(), timedOut]);
        clearTimeout(timer);
      }
      stopping.abort();
      await flush();
    },
  });
}
