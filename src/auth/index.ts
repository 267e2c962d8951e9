/**
 * `rampart/auth`: authentication and authorisation building blocks — JWT, API keys,
 * RBAC, password hashing and validation, TOTP 2FA, server-side sessions and request
 * signing / webhook verification. Each part is strict by default and emits the
 * SecurityLog events of the seeds.
 */
export * from './passwords/index.ts';
export * from './jwt/index.ts';
export type { AuthUser } from './shared/http.ts';
export * from './totp/index.ts';
export * from './rbac/index.ts';
export * from './signing/index.ts';
export * from './apikeys/index.ts';
export * from './sessions/index.ts';
