/** Stores shared by the rate limiter, the blocklist and the login guard (sessions and nonces live here too, exported from rampart/auth; database.ts opens every database). */
export { memoryStore } from './memory.ts';
export type { MemoryStore, MemoryStoreOptions } from './memory.ts';
export { redisStore } from './redis.ts';
export type { RedisStoreOptions } from './redis.ts';
export { postgresStore } from './postgres.ts';
export type { PostgresStore, PostgresStoreOptions } from './postgres.ts';
export { toRateDecision, step, freshState, windowStart } from './algorithms.ts';
export type { Algorithm, Policy, RateDecision, RateLimitStore, BlockEntry, CounterState, MaybePromise } from './types.ts';
export type { DatabaseOption } from './database.ts';
