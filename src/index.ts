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

export { securityHeaders, type SecurityHeadersOptions, type SecurityHeadersMiddleware, type HstsOptions, type ReferrerPolicyToken } from './headers/index.ts';
export {
  cspNonce,
  cspReport,
  compileCsp,
  type CspOptions,
  type CspOption,
  type CspDirectives,
  type CspDirectiveValue,
  type CompiledCsp,
  type CspReportOptions,
} from './csp/index.ts';
export { cors, type CorsOptions, type CorsOrigins } from './cors/index.ts';
export { csrf, csrfToken, rotateCsrf, type CsrfOptions, type CsrfMode, type CsrfTokenOptions } from './csrf/index.ts';
export {
  rateLimit,
  memoryStore,
  redisStore,
  postgresStore,
  type RateLimitOptions,
  type RateLimitRule,
  type RateLimitHeaderOptions,
  type RateLimitMiddleware,
  type RuleMatch,
  type RateLimitStore,
  type Algorithm,
  type Policy,
  type RateDecision,
  type BlockEntry,
  type MemoryStore,
  type MemoryStoreOptions,
  type RedisStoreOptions,
  type PostgresStore,
  type PostgresStoreOptions,
} from './ratelimit/index.ts';
export { userOrIpKey } from './ratelimit/user-or-ip.ts';
export type { MaybePromise } from './stores/types.ts';
export type { RedisLike } from './stores/redis.ts';
export { compression, type CompressionOptions, type Encoding } from './compression/index.ts';
export {
  blocklist,
  adaptiveBlocking,
  loginGuard,
  botGuard,
  scoreUserAgent,
  type Blocklist,
  type BlocklistOptions,
  type BlockOptions,
  type LoginGuard,
  type LoginGuardOptions,
  type LoginCheck,
  type LoginClient,
  type AdaptiveBlocking,
  type AdaptiveBlockingOptions,
  type AdaptiveRule,
  type BotGuardOptions,
  type UserAgentScore,
  type UserAgentPatterns,
} from './abuse/index.ts';
export {
  monitor,
  alertLines,
  alertWebhook,
  DEFAULT_RULES as MONITOR_DEFAULT_RULES,
  DEFAULT_SENSITIVE_PATHS,
  type Monitor,
  type MonitorOptions,
  type MonitorStats,
  type MonitorSource,
  type AlertRuleOptions,
  type Alert,
  type AlertSink,
  type AlertSeverity,
  type AlertRuleName,
  type WindowSnapshot,
  type ResponseCount,
  type AlertLinesOptions,
  type AlertWebhook,
  type AlertWebhookOptions,
  type AlertWebhookStats,
} from './monitor/index.ts';
export { hostGuard, httpsRedirect, bodyLimit, type HostGuardOptions, type HttpsRedirectOptions, type BodyLimitOptions } from './guards/index.ts';
export { hardenServer, SERVER_TIMEOUT_DEFAULTS, type HardenServerOptions } from './guards/server.ts';
export { escapeHtml, inertJson, inertText, jsonForScript } from './output/index.ts';

export { clientIpOf as clientIp, isSecureOf as isSecure } from './client-ip/request.ts';
export { rawBody } from './core/raw-body.ts';
export { compileTrustProxy, ipKey, type TrustProxyOption, type ProxyTrustOptions } from './client-ip/index.ts';
export { viewOf } from './core/registry.ts';
export type { ViewContext } from './core/view.ts';
export { problem, type CodedReply } from './core/problem.ts';
export { RejectionError, type Rejection } from './core/rejection.ts';
export type { OnReject, RejectResult } from './core/on-reject.ts';
export { serializeCookie, parseCookies, type CookieOptions } from './core/cookies.ts';
export { setDefaultEventSink, configWarnings, warnConfig } from './core/events.ts';
export type {
  Middleware,
  RequestView,
  ResponseControl,
  Reply,
  ReplyHeaders,
  Decision,
  HeadHook,
  ResponseHead,
  BodyEncoder,
  EventSink,
  SecurityEventRecord,
  ProxyHeadersOption,
  ProxyTrust,
} from './core/types.ts';
