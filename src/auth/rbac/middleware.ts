import { RampartError } from '../../errors.ts';
import { checkKeys, configError, optionsObject } from '../../core/options.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { forbidden, unauthorized, type AuthUser } from '../shared/http.ts';
import { anyCovers, checkPermission } from './permissions.ts';
import type { Rbac } from './rbac.ts';

/** Options of {@link requirePermission}. */
export interface RequirePermissionOptions {
  /** Role graph to resolve the user's roles and groups. Without it, only `user.permissions` (e.g. JWT scope, API key scopes) count. */
  rbac?: Rbac;
  /** Load the resource for object-level conditions (may be async). */
  resource?: (req: RequestView) => unknown;
  /** Where the principal is read from on `req.locals`. Default 'user'. */
  userKey?: string;
}

/**
 * Middleware that requires a permission (or all of several) of the principal that an
 * earlier middleware put on `req.locals.user` (requireJwt, requireApiKey, sessions, or
 * the app). No user → 401 + AUTH_REQUIRED; missing permission → 403 + PERMISSION_DENIED.
 *
 * @example
 * stack([requireJwt({ jwt }), requirePermission('post:edit', { rbac: access })])
 */
export function requirePermission(permission: string | readonly string[], options: RequirePermissionOptions = {}): Middleware {
  const required = (typeof permission === 'string' ? [permission] : Array.isArray(permission) ? [...permission] : []).map((p) =>
    checkPermission(p, 'requirePermission'),
  );
  if (required.length === 0) throw configError('requirePermission needs a permission name or a non-empty list of them.');
  const o = optionsObject(options, 'requirePermission');
  checkKeys(o, ['rbac', 'resource', 'userKey'], 'requirePermission');
  const access = o.rbac as Rbac | undefined;
  if (access !== undefined && typeof access.can !== 'function') throw configError('requirePermission.rbac must come from rbac({...}).');
  const loadResource = o.resource as RequirePermissionOptions['resource'];
  if (loadResource !== undefined && typeof loadResource !== 'function') throw configError('requirePermission.resource must be a function (req) => resource.');
  const userKey = o.userKey === undefined ? 'user' : String(o.userKey);
  const label = required.join(', ');

  return Object.freeze<Middleware>({
    name: 'requirePermission',
    async handle(req: RequestView) {
      const user = req.locals[userKey] as AuthUser | undefined;
      if (user === undefined || user === null || typeof user !== 'object') {
        req.emit('AUTH_REQUIRED', `permission ${label} needs an authenticated user`);
        return unauthorized('Authentication required.', 'Bearer', 'ERR_RAMPART_AUTH_REQUIRED');
      }
      let allowed = false;
      try {
        const resource = loadResource === undefined ? undefined : await loadResource(req);
        allowed = required.every((p) =>
          access === undefined ? anyCovers(Array.isArray(user.permissions) ? user.permissions : [], p) : access.can(user, p, resource),
        );
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        allowed = false;
      }
      if (!allowed) {
        req.emit('PERMISSION_DENIED', `missing ${label}`); // the view fills userId from req.locals.user (numeric ids kept)
        return forbidden('You do not have permission to perform this action.', 'ERR_RAMPART_PERMISSION_DENIED');
      }
      return undefined;
    },
  });
}
