import { viewOf } from '../core/registry.ts';
import { requestUserId, userIdOf as idOf } from '../core/user.ts';
import type { LogFields } from './fields.ts';

interface NodeLike {
  headers?: Record<string, string | string[] | undefined>;
  url?: string;
  socket?: { remoteAddress?: string };
  user?: { id?: unknown; pk?: unknown };
}

interface FetchLike {
  headers: { get(name: string): string | null };
  url: string;
}

function isFetchRequest(v: unknown): v is FetchLike {
  const r = v as FetchLike;
  return typeof r?.url === 'string' && typeof r.headers?.get === 'function';
}

function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    return q === -1 ? url : url.slice(0, q);
  }
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function userIdOf(native: unknown): string | number | undefined {
  return idOf((native as NodeLike | undefined)?.user);
}

/**
 * ip, user agent, path and user id of a request from any adapter. When the request went
 * through a rampart stack its view supplies the trusted client ip; otherwise the socket
 * address is used (never a forwarding header, which a client can forge).
 */
export function requestFields(native: unknown): LogFields {
  const view = viewOf(native);
  if (view !== undefined) {
    const raw = view.raw as NodeLike | undefined;
    // rampart's auth (req.locals.user), then the app's req.user on the object passed or the view's native request.
    const userId = requestUserId(view.locals, undefined) ?? userIdOf(native) ?? requestUserId(undefined, raw);
    return { ip: view.ip || undefined, userAgent: view.header('user-agent'), path: view.path, userId };
  }
  // Fastify request (.raw), Hono context (.req.raw) without a bound view.
  const n = native as { raw?: unknown; req?: { raw?: unknown } } | undefined;
  const inner = n?.raw !== undefined && typeof n.raw === 'object' ? n.raw : n?.req?.raw !== undefined && typeof n.req.raw === 'object' ? n.req.raw : undefined;
  if (inner !== undefined && inner !== native) {
    const fields = requestFields(inner);
    return { ...fields, userId: userIdOf(native) ?? fields.userId };
  }
  if (isFetchRequest(native)) {
    return { userAgent: native.headers.get('user-agent') ?? undefined, path: pathOf(native.url) };
  }
  const node = native as NodeLike | undefined;
  if (node !== undefined && node !== null && typeof node === 'object' && node.headers !== undefined) {
    const ua = node.headers['user-agent'];
    return {
      ip: node.socket?.remoteAddress,
      userAgent: Array.isArray(ua) ? ua.join(', ') : ua,
      path: pathOf(node.url),
      userId: userIdOf(node),
    };
  }
  return {};
}
