/**
 * PII and secret detection, redaction and moderation (`rampart/input`). One concern per
 * file under `pii/`: the public types (`types.ts`), the detectors by kind of data
 * (`secrets.ts`: API keys and JWTs; `contact.ts`: e-mail and phone; `financial.ts`: cards,
 * IBANs, SSNs; `network.ts`: IP addresses), the scan loop that runs them and resolves
 * overlaps (`scan.ts`: findPii), redaction of text and event sinks (`redact.ts`), of
 * secret-named keys (`keys.ts`), and pluggable moderation (`moderate.ts`).
 */
export { findPii } from './pii/scan.ts';
export { redactPii, redactingSink } from './pii/redact.ts';
export { redactKeys, type RedactKeysOptions } from './pii/keys.ts';
export { moderate, piiModerator, type ModerationResult, type Moderator, type ModerateOptions } from './pii/moderate.ts';
export { PII_TYPES, type PiiType, type PiiMatch, type FindPiiOptions, type RedactPiiOptions } from './pii/types.ts';
