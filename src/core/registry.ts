import type { RequestView } from './types.ts';

// Maps an adapter's native request object (IncomingMessage, Fastify request, Hono
// context, fetch Request) to the view the stack built for it, so per-request helpers
// (clientIp(req), cspNonce(req), csrfToken(req), …) work with whatever the app holds.
// A module-private symbol property is several times cheaper per request than a WeakMap
// entry; the WeakMap is only a fallback for objects that cannot take new properties.
const VIEW: unique symbol = Symbol('rampart.view');
const fallback = new WeakMap<object, RequestView>();

type Tagged = { [VIEW]?: RequestView };

function bindOne(view: RequestView, native: unknown): void {
  if (native === null || (typeof native !== 'object' && typeof native !== 'function')) return;
  if (Object.isExtensible(native)) (native as Tagged)[VIEW] = view;
  else fallback.set(native as object, view);
}

/** Associate native request objects with their view (adapters call this). */
export function bindView(view: RequestView, a: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown): void {
  bindOne(view, a);
  if (b !== undefined) bindOne(view, b);
  if (c !== undefined) bindOne(view, c);
  if (d !== undefined) bindOne(view, d);
  if (e !== undefined) bindOne(view, e);
}

function lookup(native: object): RequestView | undefined {
  return (native as Tagged)[VIEW] ?? fallback.get(native);
}

/**
 * The request view rampart built for a native request object, or undefined when the
 * request did not pass through a rampart stack. Accepts node/Express `req`, Fastify
 * `request` (or `request.raw`), Hono `c` (or `c.req.raw`) and fetch `Request`.
 */
export function viewOf(native: unknown): RequestView | undefined {
  if (native === null || typeof native !== 'object') return undefined;
  const direct = lookup(native);
  if (direct !== undefined) return direct;
  const n = native as { raw?: unknown; req?: { raw?: unknown } };
  if (n.raw !== undefined && typeof n.raw === 'object' && n.raw !== null) {
    const v = lookup(n.raw);
    if (v !== undefined) return v;
  }
  if (n.req?.raw !== undefined && typeof n.req.raw === 'object' && n.req.raw !== null) return lookup(n.req.raw);
  return undefined;
}
