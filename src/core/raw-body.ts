import { viewOf } from './registry.ts';

/**
 * The exact bytes of the request body as rampart read them, for the request object the
 * adapter hands the app (node/Express `req`, Fastify `request`, Hono `c`, fetch `Request`):
 * what a signature was checked over, before any parser. Undefined when no rampart
 * middleware read this request's body (requireWebhook, requireSignedRequest, csrf reading a
 * form field, inputGuard, validate, cspReport read it; headers, limits and guards do not),
 * when the body was over that middleware's limit, or for a request that did not pass
 * through a rampart stack.
 *
 * @example
 * app.post('/webhooks/github', (req, res) => {   // behind stack([requireWebhook({ provider: 'github', secret })])
 *   const event = JSON.parse(Buffer.from(rawBody(req)!).toString('utf8'));
 * });
 */
export function rawBody(req: unknown): Uint8Array | undefined {
  return viewOf(req)?.bodyBytes;
}
