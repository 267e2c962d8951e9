/**
 * `rampart/auth`: authentication and authorisation building blocks — JWT, API keys,
 * RBAC, password hashing and validation, TOTP 2FA, server-side sessions and request
 * signing / webhook verification. Each part is strict by default and emits the
 * SecurityLog events of the seeds.
 */
export { hashPassword, verifyPassword, validatePassword, commonPasswordCount, DEFAULT_ARGON2, MAX_PASSWORD_BYTES } from './passwords/index.ts';
export type { PasswordHashOptions, PasswordCheck, PasswordProblem, ValidatePasswordOptions, Argon2Params, Argon2Variant } from './passwords/index.ts';
export { createJwt, requireJwt, jwtClaims, ALGORITHMS } from './jwt/index.ts';
export type { Jwt, JwtOptions, JwtKey, JwtClaims, JwkSet, JwkSetKey, RequireJwtOptions, JwtAlgorithm, KeyInput } from './jwt/index.ts';
export type { AuthUser } from './shared/http.ts';
export { totp, hotp, recoveryCodes, base32Encode, base32Decode } from './totp/index.ts';
export type { TotpAlgorithm, TotpParams, TotpVerifyOptions } from './totp/index.ts';
export { rbac, requirePermission, permissionCovers } from './rbac/index.ts';
export type { Rbac, RbacOptions, RoleDefinition, GroupDefinition, PermissionCondition, RequirePermissionOptions } from './rbac/index.ts';
export {
  signRequest,
  verifyRequest,
  requireSignedRequest,
  verifyWebhook,
  signWebhook,
  requireWebhook,
  signHttpMessage,
  verifyHttpMessage,
  requireHttpSignature,
  httpSignatureOf,
  contentDigest,
  memoryNonceStore,
  redisNonceStore,
  postgresNonceStore,
} from './signing/index.ts';
export type {
  SignRequestOptions,
  VerifyRequestOptions,
  RequireSignedRequestOptions,
  VerifyWebhookOptions,
  RequireWebhookOptions,
  WebhookProvider,
  WebhookVerification,
  HttpMessage,
  HttpSignatureAlgorithm,
  HttpSignatureKey,
  SignHttpMessageOptions,
  VerifyHttpMessageOptions,
  RequireHttpSignatureOptions,
  HeaderSource,
  NonceStore,
  RedisLike,
} from './signing/index.ts';
export { apiKeys, requireApiKey, apiKeyOf } from './apikeys/index.ts';
export type {
  ApiKeysOptions,
  ApiKeyManager,
  ApiKeyPrincipal,
  ApiKeyRecord,
  CreateApiKeyOptions,
  RequireApiKeyOptions,
  DatabaseOption,
} from './apikeys/index.ts';
export { sessions, getSession, sessionIdOf, memorySessionStore, redisSessionStore, postgresSessionStore, SESSION_TOMBSTONE } from './sessions/index.ts';
export type { Session, SessionOptions, SessionsMiddleware, SessionStore, RedisSessionClient, StoredSession, JsonValue } from './sessions/index.ts';
