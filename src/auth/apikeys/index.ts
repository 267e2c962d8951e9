export { apiKeys } from './manager.ts';
export type { ApiKeysOptions, ApiKeyManager, ApiKeyPrincipal, ApiKeyRecord, CreateApiKeyOptions } from './manager.ts';
export { requireApiKey, apiKeyOf } from './middleware.ts';
export type { RequireApiKeyOptions } from './middleware.ts';
export type { DatabaseOption } from '../../stores/database.ts';
