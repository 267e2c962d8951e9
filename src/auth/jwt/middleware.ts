import { RampartError } from '../../errors.ts';
import { checkKeys, configError, optionsObject } from '../../core/options.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { ambiguousCredential, bearerToken, localOf, repeatedCredential, unauthorized, type AuthUser } from '../shared/http.ts';
import { createJwt, type Jwt, type JwtClaims, type JwtOptions } from './jwt.ts';

/** Options of {@link requireJwt}. */
export interface RequireJwtOptions {
  /** A verifier from createJwt(), or the options to create one. */
  jwt: Jwt | JwtOptions;
  /** Also accept the token from this cookie when no Authorization header is sent. Default: header only. */
  cookie?: string;
  /** `realm` of the WWW-Authenticate challenge. Default 'api'. */
  realm?: string;
  /** When false, requests without an Authorization header (or cookie token) continue unauthenticated; one that is sent must be valid. Default true. */
  required?: boolean;
}

const OPTION_NAMES = ['jwt', 'cookie', 'realm', 'required'];

/**
 * Middleware that verifies `Authorization: Bearer <jwt>` and puts the claims on
 * `req.locals.jwt` (read them with {@link jwtClaims}) and a principal on `req.locals.user`
 * (`{ id: sub, roles, permissions }` for requirePermission). Missing token → 401
 * `WWW-Authenticate: Bearer realm="api"` + AUTH_REQUIRED; invalid token, or a valid one
 * without a non-blank string `sub` → 401 `Bearer error="invalid_token"` + INVALID_TOKEN.
 */
export function requireJwt(options: RequireJwtOptions): Middleware {
  const o = optionsObject(options, 'requireJwt');
  checkKeys(o, OPTION_NAMES, 'requireJwt');
  if (o.jwt === undefined) throw configError('requireJwt needs jwt: createJwt({...}) or its options.');
  const jwt = typeof (o.jwt as Jwt).check === 'function' ? (o.jwt as Jwt) : createJwt(o.jwt as JwtOptions);
  const cookie = o.cookie === undefined ? undefined : String(o.cookie);
  const realm = o.realm === undefined ? 'api' : String(o.realm);
  if (!/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(realm)) throw configError('requireJwt.realm must be printable ASCII without quotes or backslashes.');
  const required = o.required === undefined ? true : Boolean(o.required);
  const missing = `Bearer realm="${realm}"`;
  const invalid = `Bearer realm="${realm}", error="invalid_token"`;

  return Object.freeze({
    name: 'requireJwt',
    async handle(req: RequestView) {
      if (repeatedCredential(req, 'authorization')) {
        req.emit('INVALID_TOKEN', 'jwt: more than one Authorization credential');
        return ambiguousCredential('Authorization', `Bearer realm="${realm}"`);
      }
      const bearer = bearerToken(req);
      // A malformed Authorization header is an invalid token, not a missing one, and it is a
      // credential that was sent: refused with `required: false` too (only absence is
      // anonymous), and never passed over for the cookie (read only when no header is sent).
      if (bearer === undefined && req.header('authorization') !== undefined) {
        req.emit('INVALID_TOKEN', 'jwt: malformed Authorization header');
        return unauthorized('The Authorization header is not a Bearer token.', invalid, 'ERR_RAMPART_JWT_MALFORMED');
      }
      const token = bearer ?? (cookie === undefined ? undefined : req.cookie(cookie));
      if (token === undefined) {
        if (!required) return undefined;
        req.emit('AUTH_REQUIRED', 'jwt: no bearer token');
        return unauthorized('Authentication required.', missing, 'ERR_RAMPART_AUTH_REQUIRED');
      }
      try {
        const claims = await jwt.check(token);
        // The principal's id is `sub`: without one (or with a blank one), ownership checks would compare undefined or blank ids.
        if (typeof claims.sub !== 'string' || claims.sub.trim().length === 0) {
          req.emit('INVALID_TOKEN', 'jwt: ERR_RAMPART_JWT_CLAIM (no subject)');
          return unauthorized('The access token has no subject (a non-empty string sub claim).', invalid, 'ERR_RAMPART_JWT_CLAIM');
        }
        req.locals.jwt = claims;
        if (req.locals.user === undefined) req.locals.user = principal(claims);
        return undefined;
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        req.emit('INVALID_TOKEN', `jwt: ${error.code}`);
        return unauthorized('The access token is invalid or expired.', invalid, error.code);
      }
    },
  });
}

function principal(claims: JwtClaims): AuthUser {
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  const scope = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  const permissions = Array.isArray(claims.permissions) ? claims.permissions.filter((p): p is string => typeof p === 'string') : scope;
  return { id: claims.sub, roles, permissions };
}

/** The verified JWT claims of a request that passed {@link requireJwt} (any adapter's request object). */
export function jwtClaims(req: unknown): JwtClaims | undefined {
  return localOf<JwtClaims>(req, 'jwt');
}
