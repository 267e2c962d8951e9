/**
 * Rate limiting: the `rateLimit()` middleware, its stores (memory, Redis, PostgreSQL) and
 * the store contract. See the README, "Rate limiting and abuse defence".
 */
export { rateLimit } from './limiter.ts';
export type { RateLimitOptions, RateLimitRule, RateLimitHeaderOptions, RateLimitMiddleware } from './limiter.ts';
export type { RuleMatch } from './rules.ts';
export { memoryStore } from '../stores/memory.ts';
export type { MemoryStore, MemoryStoreOptions } from '../stores/memory.ts';
export { redisStore } from '../stores/redis.ts';
export type { RedisStoreOptions } from '../stores/redis.ts';
export { postgresStore } from '../stores/postgres.ts';
export type { PostgresStore, PostgresStoreOptions } from '../stores/postgres.ts';
export type { Algorithm, Policy, RateDecision, RateLimitStore, BlockEntry, CounterState } from '../stores/types.ts';
