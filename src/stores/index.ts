/** Stores shared by the rate limiter, the blocklist and the login guard. */
export { memoryStore } from './memory.ts';
export type { MemoryStore, MemoryStoreOptions } from './memory.ts';
export { redisStore } from './redis.ts';
export type { RedisStoreOptions } from './redis.ts';
export { postgresStore } from './postgres.ts';
export type { PostgresStore, PostgresStoreOptions } from './postgres.ts';
export { toRateDecision, step, freshState, windowStart } from './algorithms.ts';
export type { Algorithm, Policy, RateDecision, RateLimitStore, BlockEntry, CounterState, MaybePromise } from './types.ts';
export type { DatabaseOption } from './database.ts';
