export { sessions, getSession, sessionIdOf } from './sessions.ts';
export type { Session, SessionOptions, SessionsMiddleware } from './sessions.ts';
export { memorySessionStore, redisSessionStore, postgresSessionStore, SESSION_TOMBSTONE } from '../../stores/sessions.ts';
export type { SessionStore, RedisSessionClient, StoredSession } from '../../stores/sessions.ts';
export type { JsonValue } from './data.ts';
