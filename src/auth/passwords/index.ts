export { hashPassword, verifyPassword, DEFAULT_ARGON2, MAX_PASSWORD_BYTES } from './hash.ts';
export type { PasswordHashOptions, PasswordCheck } from './hash.ts';
export type { Argon2Params, Argon2Variant } from './argon2.ts';
export { validatePassword, commonPasswordCount } from './validate.ts';
export type { PasswordProblem, ValidatePasswordOptions } from './validate.ts';
