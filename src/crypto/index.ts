/**
 * `rampart/crypto`: encryption at rest (AES-256-GCM keyring with key ids, Fernet),
 * key derivation (PBKDF2, scrypt, HKDF), secret handling (strength checks, a never-printed
 * `Secret`, zeroisation, constant-time comparison), validated environment configuration
 * and TLS settings. A pure library on node:crypto: no HTTP, no core, no logging.
 */
export { constantTimeEqual } from './bytes.ts';
export { Secret, zeroize, checkSecret, assertStrongSecret, estimateEntropyBits, requireSecret } from './secret.ts';
export type { SecretProblem, CheckSecretOptions, RequireSecretOptions } from './secret.ts';
export { pbkdf2, scrypt, hkdf, deriveKey, PBKDF2_DEFAULT_ITERATIONS, PBKDF2_MIN_ITERATIONS, SCRYPT_DEFAULTS } from './kdf.ts';
export type { Pbkdf2Options, ScryptOptions, HkdfOptions, DeriveKeyOptions, SecretInput } from './kdf.ts';
export { keyring, generateKeyringKey, GCM_RANDOM_IV_MESSAGE_LIMIT } from './keyring.ts';
export type { Keyring, KeyringOptions, KeyringCallOptions, KeyMaterial } from './keyring.ts';
export { Fernet, FERNET_MAX_CLOCK_SKEW } from './fernet.ts';
export type { FernetEncryptOptions, FernetDecryptOptions } from './fernet.ts';
export { loadConfig, EnvConfigError } from './config.ts';
export type { EnvField, EnvSchema, EnvConfig, EnvValue, EnvOptional, EnvProblem, RotatingSecret, LoadConfigOptions } from './config.ts';
export { pseudonymizer, anonymizeFields } from './pseudonym.ts';
export type { PseudonymizerOptions } from './pseudonym.ts';
export { tlsOptions, databaseSsl, RECOMMENDED_HSTS_MAX_AGE } from './tls.ts';
export type { TlsProfileOptions, TlsServerOptions, DatabaseSslOptions } from './tls.ts';
