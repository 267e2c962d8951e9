import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../../errors.ts';
import { checkKeys, configError, numberOption, optionsObject, renamedOption } from '../../core/options.ts';
import { bodyBytes, readHeader, type HeaderSource } from './headers.ts';

/** Webhook signature schemes rampart verifies. */
export type WebhookProvider = 'github' | 'stripe' | 'standard';

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /**
   * `github`: `X-Hub-Signature-256: sha256=<hex>`; `stripe`: `Stripe-Signature: t=…,v1=…`;
   * `standard`: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, also `svix-*`).
   */
  provider: WebhookProvider;
  /** The endpoint secret (Standard Webhooks: `whsec_<base64>`), or several during a rotation. */
  secret: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** The exact raw body as received — not re-serialised JSON. */
  body: string | Uint8Array;
  headers: HeaderSource;
  /** Allowed age of the timestamp in seconds (stripe, standard). Default 300. */
  tolerance?: number;
  /** Unix seconds to verify at. Default the current time. */
  time?: number;
  /** @deprecated Old name of `time` (same value and unit): `now` is a clock function elsewhere; still accepted. */
  now?: number;
  /**
   * `github` only: how long, in seconds, a delivery's {@link WebhookVerification.replayTtl}
   * is. A GitHub signature covers neither a time nor an id, so this is how long a replayed
   * body can be recognised. Default 86400 (24 hours).
   */
  replayWindow?: number;
}

/**
 * What {@link verifyWebhook} verified, for a replay check. `replayKey` identifies the signed
 * content (the same delivery, however its headers were rewritten, has the same key; a
 * sender's retry, signed anew with a new timestamp, has another); it is a hash and reveals
 * no secret. Keep it in a nonce store for `replayTtl` seconds: `await store.add(replayKey, replayTtl)`
 * returns false for a replay.
 */
export interface WebhookVerification {
  replayKey: string;
  replayTtl: number;
}

const OPTION_NAMES = ['provider', 'secret', 'body', 'headers', 'tolerance', 'time', 'now', 'replayWindow'];

/** Default `replayWindow` for GitHub deliveries, in seconds. */
export const GITHUB_REPLAY_WINDOW = 86400;

/**
 * The replay key of a verified delivery: a hash of exactly the bytes the signature covers,
 * so no rewriting of unsigned header text (spacing, hex case, extra signatures, header
 * names, an unsigned delivery id) makes a replay look new.
 */
function replayKey(provider: WebhookProvider, signed: Buffer): string {
  return `webhook:${provider}:${createHash('sha256').update(signed).digest('base64url')}`;
}

/** Seconds a delivery stamped `t` stays within the tolerance from `now`, plus one. */
function ttlUntilStale(t: number, tolerance: number, now: number): number {
  return Math.max(1, Math.ceil(t + tolerance - now) + 1);
}

function fail(code: 'ERR_RAMPART_SIGNATURE_MISSING' | 'ERR_RAMPART_SIGNATURE_INVALID' | 'ERR_RAMPART_SIGNATURE_EXPIRED', message: string): RampartError {
  return new RampartError(code, message);
}

/** `value` as a {@link WebhookProvider}; throws ERR_RAMPART_CONFIG naming `where` otherwise. */
export function webhookProvider(value: unknown, where: string): WebhookProvider {
  if (value !== 'github' && value !== 'stripe' && value !== 'standard') throw configError(`${where}.provider must be 'github', 'stripe' or 'standard'.`);
  return value;
}

/** The endpoint secret(s) as key bytes; throws ERR_RAMPART_CONFIG for a missing or malformed one. */
export function webhookKeys(secret: unknown, provider: WebhookProvider): Buffer[] {
  const list = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0) throw configError('verifyWebhook.secret must not be empty.');
  return list.map((s) => {
    if (s instanceof Uint8Array) return Buffer.from(s);
    if (typeof s !== 'string' || s.length === 0) throw configError('verifyWebhook.secret must be a non-empty string or bytes.');
    if (provider === 'standard') {
      const b64 = s.startsWith('whsec_') ? s.slice(6) : s;
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw configError('verifyWebhook.secret for Standard Webhooks must be whsec_<base64>.');
      return Buffer.from(b64, 'base64');
    }
    return Buffer.from(s, 'utf8');
  });
}

function anyEqual(expected: Buffer[], given: Buffer[]): boolean {
  let ok = false;
  for (const e of expected) for (const g of given) if (e.length === g.length && timingSafeEqual(e, g)) ok = true;
  return ok;
}

function checkAge(timestamp: string | undefined, tolerance: number, now: number): number {
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp))
    throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'The webhook timestamp is missing or not Unix seconds.');
  const t = Number(timestamp);
  if (Math.abs(now - t) > tolerance) throw fail('ERR_RAMPART_SIGNATURE_EXPIRED', `The webhook timestamp is outside the ${tolerance}-second tolerance.`);
  return t;
}

/**
 * Verify a webhook delivery's signature over the exact raw body, in constant time.
 * Throws ERR_RAMPART_SIGNATURE_MISSING / _INVALID / _EXPIRED. It checks no replays itself
 * (it is synchronous and keeps no state): {@link requireWebhook} does, or record the returned
 * {@link WebhookVerification.replayKey} in a nonce store. GitHub signs only the body (no
 * timestamp, no id; `X-GitHub-Delivery` is not signed), so a GitHub replay can only be
 * recognised by its body, for `replayWindow` seconds.
 *
 * @example
 * app.post('/webhooks/github', express.raw({ type: '*\/*' }), (req, res) => {
 *   verifyWebhook({ provider: 'github', secret: process.env.GH_SECRET!, body: req.body, headers: req.headers });
 * });
 */
export function verifyWebhook(options: VerifyWebhookOptions): WebhookVerification {
  const o = optionsObject(options, 'verifyWebhook');
  checkKeys(o, OPTION_NAMES, 'verifyWebhook');
  const provider = webhookProvider(o.provider, 'verifyWebhook');
  const keys = webhookKeys(o.secret, provider);
  const tolerance = o.tolerance === undefined ? 300 : numberOption(o.tolerance, 'verifyWebhook.tolerance', 1, 86400);
  const time = renamedOption(o, 'time', 'now', 'verifyWebhook');
  const now = time === undefined ? Date.now() / 1000 : numberOption(time, 'verifyWebhook.time', 0, 2 ** 40, false);
  if (o.replayWindow !== undefined && provider !== 'github')
    throw configError(`verifyWebhook.replayWindow applies to github only; ${provider} deliveries are remembered while their timestamp is within tolerance.`);
  const replayWindow = o.replayWindow === undefined ? GITHUB_REPLAY_WINDOW : numberOption(o.replayWindow, 'verifyWebhook.replayWindow', 1, 30 * 86400);
  const body = bodyBytes(o.body as string);
  const headers = o.headers as HeaderSource;
  if (headers === undefined || headers === null) throw configError('verifyWebhook.headers is required.');

  if (provider === 'github') {
    const header = readHeader(headers, 'x-hub-signature-256');
    if (header === undefined) throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'X-Hub-Signature-256 is missing.');
    const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
    if (match === null) throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'X-Hub-Signature-256 must be sha256=<64 hex>.');
    const expected = keys.map((k) => createHmac('sha256', k).update(body).digest());
    if (!anyEqual(expected, [Buffer.from(match[1]!, 'hex')])) throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'The webhook signature does not match.');
    return { replayKey: replayKey(provider, body), replayTtl: replayWindow };
  }

  if (provider === 'stripe') {
    const header = readHeader(headers, 'stripe-signature');
    if (header === undefined) throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'Stripe-Signature is missing.');
    let timestamp: string | undefined;
    const given: Buffer[] = [];
    for (const part of header.split(',')) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (name === 't') timestamp = value;
      else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) given.push(Buffer.from(value, 'hex'));
    }
    const t = checkAge(timestamp, tolerance, now);
    if (given.length === 0) throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'Stripe-Signature has no v1 signature.');
    const signed = Buffer.concat([Buffer.from(`${t}.`), body]);
    if (
      !anyEqual(
        keys.map((k) => createHmac('sha256', k).update(signed).digest()),
        given,
      )
    )
      throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'The webhook signature does not match.');
    return { replayKey: replayKey(provider, signed), replayTtl: ttlUntilStale(t, tolerance, now) };
  }

  const id = readHeader(headers, 'webhook-id') ?? readHeader(headers, 'svix-id');
  const timestamp = readHeader(headers, 'webhook-timestamp') ?? readHeader(headers, 'svix-timestamp');
  const signatures = readHeader(headers, 'webhook-signature') ?? readHeader(headers, 'svix-signature');
  if (id === undefined || signatures === undefined)
    throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'webhook-id, webhook-timestamp and webhook-signature are required.');
  const t = checkAge(timestamp, tolerance, now);
  const given: Buffer[] = [];
  for (const entry of signatures.split(/\s+/)) {
    const m = /^v1,([A-Za-z0-9+/]+={0,2}),?$/.exec(entry);
    if (m !== null) given.push(Buffer.from(m[1]!, 'base64'));
  }
  if (given.length === 0) throw fail('ERR_RAMPART_SIGNATURE_MISSING', 'webhook-signature has no v1 signature.');
  const signed = Buffer.concat([Buffer.from(`${id}.${t}.`), body]);
  if (
    !anyEqual(
      keys.map((k) => createHmac('sha256', k).update(signed).digest()),
      given,
    )
  )
    throw fail('ERR_RAMPART_SIGNATURE_INVALID', 'The webhook signature does not match.');
  return { replayKey: replayKey(provider, signed), replayTtl: ttlUntilStale(t, tolerance, now) };
}

/**
 * Sign a Standard Webhooks delivery (for services that send webhooks). Returns the three
 * headers to send with the exact body.
 */
export function signWebhook(options: {
  secret: string | Uint8Array;
  id: string;
  body: string | Uint8Array;
  timestamp?: number;
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const o = optionsObject(options, 'signWebhook');
  checkKeys(o, ['secret', 'id', 'body', 'timestamp'], 'signWebhook');
  const [key] = webhookKeys(o.secret, 'standard');
  if (typeof o.id !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(o.id)) throw configError('signWebhook.id must be 1–256 printable characters without spaces.');
  const t = o.timestamp === undefined ? Math.floor(Date.now() / 1000) : numberOption(o.timestamp, 'signWebhook.timestamp', 0, 2 ** 40);
  const mac = createHmac('sha256', key!)
    .update(Buffer.concat([Buffer.from(`${o.id}.${t}.`), bodyBytes(o.body as string)]))
    .digest('base64');
  return { 'webhook-id': o.id, 'webhook-timestamp': String(t), 'webhook-signature': `v1,${mac}` };
}
