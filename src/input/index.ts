/**
 * rampart/input — validation, sanitising, attack detection, PII redaction and uploads.
 *
 * @example
 * import { validate, sanitizeHtml, detectAttack, inputGuard, findPii, redactPii, safeJoin, uploads } from 'rampart/input';
 */
export { validate, validatedInput, parseInput, ValidationError } from './validate.ts';
export type { StandardSchemaV1, StandardResult, StandardIssue, InferOutput, FieldError, RequestSchemas, ValidatedInput } from './validate.ts';
export { sanitizeHtml, DEFAULT_ALLOWED_TAGS } from './sanitize.ts';
export type { HtmlPolicy } from './sanitize.ts';
export { detectAttack, detectionRules, DEFAULT_THRESHOLD } from './detect.ts';
export type { AttackType, AttackMatch, Detection, DetectOptions } from './detect.ts';
export { inputGuard } from './guard.ts';
export type { InputGuardOptions, GuardFinding, InputGuard, InputGuardLimits } from './guard.ts';
export { safeJoin, safeJoinReal, safeFilename } from './paths.ts';
export { checkEmail, isEmail } from './email.ts';
export type { EmailOptions, EmailCheck } from './email.ts';
export { checkUrl, isAllowedUrl, isPublicAddress } from './url.ts';
export type { UrlPolicy, CheckedUrl } from './url.ts';
export { findPii, redactPii, redactKeys, redactingSink, moderate, piiModerator, PII_TYPES } from './pii.ts';
export type { PiiType, PiiMatch, FindPiiOptions, RedactPiiOptions, RedactKeysOptions, ModerationResult, Moderator, ModerateOptions } from './pii.ts';
export { uploads, uploadsOf, parseMultipart } from './uploads.ts';
export type { UploadOptions, UploadedFile, UploadResult } from './uploads.ts';
