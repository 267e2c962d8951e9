/** Validation of a retention period in days (the `retention` option, `cleanup()`, `rampart check`). */
import { configError, describeValue } from '../core/options.ts';

/** The longest retention period accepted: a century. */
export const MAX_RETENTION_DAYS = 365 * 100;

/**
 * `value` as a retention period: at least one day (a period of 0 deletes every event,
 * including those written a second ago), at most {@link MAX_RETENTION_DAYS}, a whole number
 * of days when `integer`. Throws ERR_RAMPART_CONFIG naming `name` and how to fix it.
 *
 * @example
 * retentionDays(90, 'SecurityLog: retention.days', true); // 90
 */
export function retentionDays(value: unknown, name: string, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > MAX_RETENTION_DAYS || (integer && !Number.isInteger(value))) {
    throw configError(
      `${name} must be ${integer ? 'a whole number of days' : 'a number of days'} from 1 to ${MAX_RETENTION_DAYS} (got ${describeValue(value)}); 0 would delete every event, even those logged a second ago. To empty the log on purpose, drop its table.`,
    );
  }
  return value;
}

/**
 * The cutoff of `cleanup()`: `days` back from now (validated as above, fractions allowed),
 * or an explicit `before` Date from the epoch (1970) to now. Throws ERR_RAMPART_CONFIG.
 */
export function retentionCutoff(options: { days?: unknown; before?: unknown }, fallbackDays: number): Date {
  if (options.before === undefined) return new Date(Date.now() - retentionDays(options.days ?? fallbackDays, 'cleanup: days', false) * 86_400_000);
  if (options.days !== undefined) throw configError('cleanup: pass either days or before, not both.');
  const before = options.before;
  // Before 1970 no event can exist, and dates far outside it are beyond what timestamptz holds.
  if (!(before instanceof Date) || Number.isNaN(before.getTime()) || before.getTime() < 0 || before.getTime() > Date.now()) {
    throw configError(
      `cleanup: before must be a valid Date from 1970-01-01 to now (got ${before instanceof Date ? safeIso(before) : describeValue(before)}); to keep N days of events pass { days: N }.`,
    );
  }
  return before;
}

function safeIso(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'an Invalid Date' : date.toISOString();
}
