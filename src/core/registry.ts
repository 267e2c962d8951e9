import type { RequestView } from './types.ts';

// Maps an adapter's native request object (IncomingMessage, Fastify request, Hono
// context, fetch Request) to the view the stack built for it, so per-request helpers
// (clientIp(req), cspNonce(req), csrfToken(req), …) work with whatever the app holds.
const views = new WeakMap<object, RequestView>();

/** Associate native request objects with their view (adapters call this). */
export function bindView(view: RequestView, ...natives: unknown[]): void {
  for (const native of natives) {
    if (native !== null && (typeof native === 'object' || typeof native === 'function')) views.set(native, view);
  }
}

/**
 * The request view rampart built for a native request object, or undefined when the
 * request did not pass through a rampart stack. Accepts node/Express `req`, Fastify
 * `request` (or `request.raw`), Hono `c` (or `c.req.raw`) and fetch `Request`.
 */
export function viewOf(native: unknown): RequestView | undefined {
  if (native === null || typeof native !== 'object') return undefined;
  const direct = views.get(native);
  if (direct !== undefined) return direct;
  const n = native as { raw?: unknown; req?: { raw?: unknown } };
  if (n.raw !== undefined && typeof n.raw === 'object' && n.raw !== null) {
    const v = views.get(n.raw);
    if (v !== undefined) return v;
  }
  if (n.req?.raw !== undefined && typeof n.req.raw === 'object' && n.req.raw !== null) return views.get(n.req.raw);
  return undefined;
}
