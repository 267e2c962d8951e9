/**
 * rampart — the security layer for TypeScript web servers.
 *
 * `rampart(options)` builds the safe-by-default stack; every middleware factory is also
 * exported for custom stacks (`stack([...])`), with per-request helpers that accept the
 * request object each adapter hands the application.
 */
export { rampart, teeSink, type RampartOptions, type RampartShield } from './preset.ts';
export { stack, type Shield, type ShieldCore, type StackOptions } from './stack/index.ts';
export { RampartError, ERROR_CODES, errorStatus, isRampartError, type ErrorCodeEntry, type RampartErrorCode } from './errors.ts';

export { securityHeaders, type SecurityHeadersOptions, type HstsOptions } from './headers/index.ts';
export { cspNonce, cspReport, compileCsp, type CspOptions, type CspDirectives, type CspReportOptions } from './csp/index.ts';
export { cors, type CorsOptions, type CorsOrigins } from './cors/index.ts';
export { csrf, csrfToken, rotateCsrf, type CsrfOptions } from './csrf/index.ts';
export { rateLimit, memoryStore, redisStore, postgresStore, type RateLimitOptions, type RateLimitStore } from './ratelimit/index.ts';
export { compression, type CompressionOptions } from './compression/index.ts';
export {
  blocklist,
  adaptiveBlocking,
  loginGuard,
  botGuard,
  scoreUserAgent,
  type Blocklist,
  type BlocklistOptions,
  type LoginGuard,
  type LoginGuardOptions,
  type AdaptiveBlockingOptions,
} from './abuse/index.ts';
export { hostGuard, httpsRedirect, bodyLimit, type HostGuardOptions, type HttpsRedirectOptions, type BodyLimitOptions } from './guards/index.ts';
export { escapeHtml, inertJson, inertText, jsonForScript } from './output/index.ts';

export { clientIpOf as clientIp, isSecureOf as isSecure } from './client-ip/request.ts';
export { compileTrustProxy, ipKey, type TrustProxyOption } from './client-ip/index.ts';
export { viewOf } from './core/registry.ts';
export { problem } from './core/problem.ts';
export { serializeCookie, parseCookies, type CookieOptions } from './core/cookies.ts';
export { setDefaultEventSink, configWarnings, warnConfig } from './core/events.ts';
export type {
  Middleware,
  RequestView,
  ResponseControl,
  Reply,
  Decision,
  HeadHook,
  ResponseHead,
  BodyEncoder,
  EventSink,
  SecurityEventRecord,
} from './core/types.ts';
