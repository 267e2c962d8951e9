import { RampartError } from '../../errors.ts';
import { checkKeys, configError, optionsObject, stringList } from '../../core/options.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { permissionCovers } from '../rbac/index.ts';
import { checkPermission } from '../rbac/permissions.ts';
import { ambiguousCredential, bearerToken, forbidden, localOf, repeatedCredential, unauthorized } from '../shared/http.ts';
import { problem } from '../../core/problem.ts';
import type { ApiKeyManager, ApiKeyPrincipal } from './manager.ts';

/** An `Authorization` value in the Bearer scheme (a credential the key middleware reads). */
const BEARER_SCHEME = /^bearer(?:[ \t]|$)/i;

/** Options of {@link requireApiKey}. */
export interface RequireApiKeyOptions {
  keys: ApiKeyManager;
  /** Scopes the key must hold (all of them; wildcards like `orders:*` in the key count). Default none. */
  scopes?: string | readonly string[];
  /** Header carrying the key. Default 'x-api-key'; `Authorization: Bearer <key>` is accepted too. */
  header?: string;
}

/**
 * Middleware that requires a valid API key (`X-API-Key` or `Authorization: Bearer`).
 * Sets `req.locals.apiKey` (read with {@link apiKeyOf}) and `req.locals.user`
 * (`{ id: owner, permissions: scopes }`). Missing/invalid → 401 + INVALID_TOKEN (or
 * AUTH_REQUIRED when absent); lacking a scope → 403 + PERMISSION_DENIED.
 */
export function requireApiKey(options: RequireApiKeyOptions): Middleware {
  const o = optionsObject(options, 'requireApiKey');
  checkKeys(o, ['keys', 'scopes', 'header'], 'requireApiKey');
  const keys = o.keys as ApiKeyManager;
  if (keys === undefined || typeof keys.check !== 'function') throw configError('requireApiKey.keys must come from apiKeys({...}).');
  const scopes = (o.scopes === undefined ? [] : stringList(o.scopes, 'requireApiKey.scopes')).map((s) => checkPermission(s, 'requireApiKey.scopes'));
  const header = o.header === undefined ? 'x-api-key' : String(o.header).toLowerCase();
  if (!/^[a-z0-9-]{1,64}$/.test(header)) throw configError('requireApiKey.header must be a header name (letters, digits, -).');
  const challenge = 'Bearer realm="api"';
  const headerLabel = header === 'x-api-key' ? 'X-API-Key' : header;
  return Object.freeze({
    name: 'requireApiKey',
    async handle(req: RequestView) {
      const own = req.header(header);
      const source = own !== undefined ? header : 'authorization';
      if (repeatedCredential(req, source)) {
        req.emit('INVALID_TOKEN', `api key: more than one ${source} credential`);
        return ambiguousCredential(source === header ? headerLabel : 'Authorization', challenge);
      }
      // A key in the key header and another (or a malformed one, or several) in `Authorization:
      // Bearer` are two credentials: refused like two lines of one header, never one of them.
      if (own !== undefined && source !== 'authorization') {
        const authorization = req.header('authorization');
        if (authorization !== undefined && BEARER_SCHEME.test(authorization) && (repeatedCredential(req, 'authorization') || bearerToken(req) !== own.trim())) {
          req.emit('INVALID_TOKEN', `api key: different credentials in ${header} and authorization`);
          return ambiguousCredential(`${headerLabel} and Authorization`, challenge);
        }
      }
      const key = own ?? bearerToken(req);
      if (key === undefined) {
        req.emit('AUTH_REQUIRED', 'api key: none sent');
        return unauthorized('An API key is required.', challenge, 'ERR_RAMPART_AUTH_REQUIRED');
      }
      let principal: ApiKeyPrincipal;
      try {
        principal = await keys.check(key.trim());
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        if (error.code === 'ERR_RAMPART_APIKEY_STORE') return problem(503, 'API keys cannot be checked right now.', { headers: { 'retry-after': '5' } });
        req.emit('INVALID_TOKEN', `api key: ${error.code}`);
        return unauthorized('The API key is invalid.', `${challenge}, error="invalid_token"`, error.code);
      }
      req.locals.apiKey = principal;
      if (req.locals.user === undefined) req.locals.user = { id: principal.owner, permissions: principal.scopes, apiKeyId: principal.id };
      const missing = scopes.filter((s) => !principal.scopes.some((g) => permissionCovers(g, s)));
      if (missing.length > 0) {
        req.emit('PERMISSION_DENIED', `api key ${principal.id} lacks ${missing.join(', ')}`, { userId: principal.owner });
        return forbidden(
          'The API key lacks a required scope.',
          'ERR_RAMPART_PERMISSION_DENIED',
          `${challenge}, error="insufficient_scope", scope="${missing.join(' ')}"`,
        );
      }
      return undefined;
    },
  });
}

/** The verified API key of a request that passed {@link requireApiKey} (any adapter's request object). */
export function apiKeyOf(req: unknown): ApiKeyPrincipal | undefined {
  return localOf<ApiKeyPrincipal>(req, 'apiKey');
}
