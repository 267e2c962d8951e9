import { viewOf } from '../core/registry.ts';
import { normalizeIp } from './ip.ts';

/**
 * The client address of a request that passed through a rampart stack (trusted-proxy
 * aware). Accepts node/Express `req`, Fastify `request`, Hono `c` or a fetch `Request`.
 * Outside a stack it falls back to the socket address, never to a forwarding header.
 */
export function clientIpOf(req: unknown): string | undefined {
  const view = viewOf(req);
  if (view !== undefined) return view.ip;
  const socket = (req as { socket?: { remoteAddress?: string } } | null)?.socket;
  return socket?.remoteAddress === undefined ? undefined : normalizeIp(socket.remoteAddress);
}

/**
 * True when the request came over TLS, or a trusted proxy said so (X-Forwarded-Proto /
 * Forwarded). Outside a stack only the socket counts.
 */
export function isSecureOf(req: unknown): boolean {
  const view = viewOf(req);
  if (view !== undefined) return view.secure;
  return (req as { socket?: { encrypted?: boolean } } | null)?.socket?.encrypted === true;
}
