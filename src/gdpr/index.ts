/**
 * `rampart/gdpr`: per-user erasure reports, erasure (anonymised security log rows, revoked
 * or deleted API keys, deleted sessions) and retention policies across rampart's tables.
 * @module
 */
export { privacy } from './privacy.ts';
export type { Privacy, PrivacyOptions, ErasureReport, EraseOptions, EraseResult, RetentionResult, ApiKeyEntry, SessionEntry } from './privacy.ts';
export type { RetentionPolicies, CheckedPolicies } from './retention.ts';
export type { ResealReport } from '../log/store.ts';
