import { RampartError } from '../../errors.ts';
import { boolOption, checkKeys, configError, numberOption, optionsObject, renamedOption } from '../../core/options.ts';
import { problem } from '../../core/problem.ts';
import { warnConfig } from '../../core/events.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { unauthorized } from '../shared/http.ts';
import { consumedBodyReply } from './consumed.ts';
import { verifyWebhook, webhookKeys, webhookProvider, type VerifyWebhookOptions, type WebhookProvider } from './webhooks.ts';
import { addNonce, memoryNonceStore, type NonceStore } from '../../stores/nonces.ts';

/** Options of {@link requireWebhook}. */
export interface RequireWebhookOptions {
  provider: WebhookProvider;
  secret: VerifyWebhookOptions['secret'];
  tolerance?: number;
  /**
   * Where verified deliveries are remembered, so the same signed delivery is refused a second
   * time (401 ERR_RAMPART_SIGNATURE_REPLAY). The key is a hash of what the signature covers
   * (stripe: timestamp and body; standard: id, timestamp and body; github: the body), kept
   * while the timestamp is within `tolerance` (github: `replayWindow`). Default: a memory
   * store of this middleware (one instance); `redisNonceStore` / `postgresNonceStore` for several.
   */
  nonceStore?: NonceStore;
  /** Relaxation (announced once): no replay check, so a captured delivery can be re-sent. Default false. */
  allowReplay?: boolean;
  /** `github` only: seconds a delivery's body is remembered against replays (GitHub signs no time). Default 86400. */
  replayWindow?: number;
  /** Largest body read for verification, in bytes. Default 1 MiB (larger → 413). */
  bodyLimit?: number;
  /** @deprecated Old name of `bodyLimit` (same value and unit); still accepted. */
  maxBodyBytes?: number;
}

const OPTION_NAMES = ['provider', 'secret', 'tolerance', 'nonceStore', 'allowReplay', 'replayWindow', 'bodyLimit', 'maxBodyBytes'];

function checkStore(value: unknown): NonceStore {
  const store = value as NonceStore;
  if (store === null || typeof store !== 'object' || typeof store.add !== 'function') {
    throw configError('requireWebhook.nonceStore must be a nonce store (memoryNonceStore(), redisNonceStore(client) or postgresNonceStore({ database })).');
  }
  return store;
}

/**
 * Middleware that verifies webhook deliveries before the handler runs. It reads the raw
 * body through the request view without consuming it, so it works on every adapter even
 * when a JSON body parser runs afterwards. Replays are refused by default (a memory store
 * of this middleware, keyed on what the signature covers). Failures → 401 + INVALID_TOKEN;
 * a failing nonce store → 503.
 */
export function requireWebhook(options: RequireWebhookOptions): Middleware {
  const o = optionsObject(options, 'requireWebhook');
  checkKeys(o, OPTION_NAMES, 'requireWebhook');
  const provider = webhookProvider(o.provider, 'requireWebhook');
  webhookKeys(o.secret, provider);
  const bodyLimit = renamedOption(o, 'bodyLimit', 'maxBodyBytes', 'requireWebhook');
  const maxBody = bodyLimit === undefined ? 1 << 20 : numberOption(bodyLimit, 'requireWebhook.bodyLimit', 0, 1 << 30);
  const verify: Omit<VerifyWebhookOptions, 'body' | 'headers'> = { provider, secret: o.secret as VerifyWebhookOptions['secret'] };
  if (o.tolerance !== undefined) verify.tolerance = numberOption(o.tolerance, 'requireWebhook.tolerance', 1, 86400);
  if (o.replayWindow !== undefined) {
    if (provider !== 'github')
      throw configError(`requireWebhook.replayWindow applies to github only; ${provider} deliveries are remembered while their timestamp is within tolerance.`);
    verify.replayWindow = numberOption(o.replayWindow, 'requireWebhook.replayWindow', 1, 30 * 86400);
  }
  const allowReplay = o.allowReplay === undefined ? false : boolOption(o.allowReplay, 'requireWebhook.allowReplay');
  if (allowReplay && o.nonceStore !== undefined) throw configError('requireWebhook: nonceStore and allowReplay: true contradict each other; drop one.');
  if (allowReplay) warnConfig('requireWebhook.allowReplay is true: a captured webhook delivery can be re-sent and is accepted again within the tolerance.');
  const store = allowReplay ? undefined : o.nonceStore === undefined ? memoryNonceStore() : checkStore(o.nonceStore);
  return Object.freeze<Middleware>({
    name: 'requireWebhook',
    async handle(req: RequestView) {
      try {
        const body = await req.readBody(maxBody);
        const verified = verifyWebhook({ ...verify, body, headers: (name: string) => req.header(name) });
        if (store !== undefined && !(await addNonce(store, verified.replayKey, verified.replayTtl))) {
          throw new RampartError('ERR_RAMPART_SIGNATURE_REPLAY', 'This webhook delivery was already received.');
        }
        return undefined;
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        if (error.code === 'ERR_RAMPART_NONCE_STORE')
          return problem(503, 'Webhook deliveries cannot be checked for replays right now.', { headers: { 'retry-after': '5' } });
        if (error.code === 'ERR_RAMPART_BODY_TOO_LARGE') return problem(413, 'The webhook body is larger than the signature check allows.');
        const consumed = consumedBodyReply('requireWebhook', error);
        if (consumed !== undefined) return consumed;
        req.emit('INVALID_TOKEN', `webhook ${provider}: ${error.code}`);
        return unauthorized('The webhook signature is missing or invalid.', 'HMAC-SHA256', error.code);
      }
    },
  });
}
