export { signRequest, verifyRequest, requireSignedRequest } from './hmac-request.ts';
export type { SignRequestOptions, VerifyRequestOptions, RequireSignedRequestOptions } from './hmac-request.ts';
export { verifyWebhook, signWebhook, requireWebhook } from './webhooks.ts';
export type { VerifyWebhookOptions, RequireWebhookOptions, WebhookProvider } from './webhooks.ts';
export { signHttpMessage, verifyHttpMessage } from './http-signatures.ts';
export type { HttpMessage, HttpSignatureAlgorithm, HttpSignatureKey, SignHttpMessageOptions, VerifyHttpMessageOptions } from './http-signatures.ts';
export { memoryNonceStore, redisNonceStore, postgresNonceStore } from './nonces.ts';
export type { NonceStore, RedisLike } from './nonces.ts';
export type { HeaderSource } from './headers.ts';
