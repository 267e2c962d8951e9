export { createJwt } from './jwt.ts';
export type { Jwt, JwtOptions, JwtKey, JwtClaims, JwkSet, JwkSetKey } from './jwt.ts';
export { requireJwt, jwtClaims } from './middleware.ts';
export type { RequireJwtOptions } from './middleware.ts';
export { ALGORITHMS } from './keys.ts';
export type { JwtAlgorithm, KeyInput } from './keys.ts';
