/**
 * `rampart/log`: the security event audit log on embedded PGlite or PostgreSQL.
 * @module
 */
export { SecurityLog } from './security-log.ts';
export type { SecurityLogOptions, QueryOptions, AnonymizeReport, RetentionOptions, RetentionState } from './security-log.ts';
export type { DatabaseOption } from '../stores/database.ts';
export type { PGliteLike, PGliteTransactionLike, PostgresClientLike, PostgresQueryable } from '../core/postgres.ts';
export { SecurityEvent, registerEvent, eventDescription, isRegisteredEvent, isValidEventName, registeredEvents } from './events.ts';
export type { BuiltinEventName } from './events.ts';
export { redact, redactString, redactPath, isSensitiveKey, REDACTED } from './redact.ts';
export { LIMITS } from './fields.ts';
export type { LogFields } from './fields.ts';
export type { SecurityLogRow, RowIntegrity, VerifyReport, PartitionMode, ResealReport, ChainAnchor, ChainFailureReason } from './store.ts';
export type { WriterStats } from './queue.ts';
export type { ExportFormat } from './export.ts';
export { setSecurityLog, getSecurityLog } from './singleton.ts';
export { jsonLinesSink, type JsonLinesSinkOptions, type LineWriter } from './json-lines.ts';
