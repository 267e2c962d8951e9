import { checkKeys, configError, numberOption, optionsObject } from '../core/options.ts';

/** Retention periods per store. Every section is optional; a store without a section is left alone. */
export interface RetentionPolicies {
  /** Security log rows older than `days` are deleted (whole partitions dropped first). */
  securityLog?: { days: number };
  /** Sessions whose last activity is older than `days` are deleted (and expired rows pruned). */
  sessions?: { days: number };
  /** API keys revoked or expired more than `revokedDays` ago are deleted. */
  apiKeys?: { revokedDays: number };
}

/** Validated, frozen policies. */
export type CheckedPolicies = Readonly<{
  securityLog?: Readonly<{ days: number }>;
  sessions?: Readonly<{ days: number }>;
  apiKeys?: Readonly<{ revokedDays: number }>;
}>;

const MAX_DAYS = 36_500;

function days(section: unknown, name: string, key: string): number {
  const s = optionsObject(section, `retention.${name}`);
  checkKeys(s, [key], `retention.${name}`);
  if (s[key] === undefined) throw configError(`retention.${name}.${key} is required (a number of days from 1 to ${MAX_DAYS}).`);
  return numberOption(s[key], `retention.${name}.${key}`, 1, MAX_DAYS, false);
}

/**
 * Validate retention policies against the stores that are configured: unknown names are
 * ERR_RAMPART_UNKNOWN_OPTION, bad day counts and policies for a missing store ERR_RAMPART_CONFIG.
 */
export function checkPolicies(policies: unknown, present: { securityLog: boolean; sessions: boolean; apiKeys: boolean }): CheckedPolicies {
  const p = optionsObject(policies, 'retention');
  checkKeys(p, ['securityLog', 'sessions', 'apiKeys'], 'retention');
  const out: { securityLog?: { days: number }; sessions?: { days: number }; apiKeys?: { revokedDays: number } } = {};
  const missing = (name: string, option: string): never => {
    throw configError(`retention.${name} is set but privacy() has no ${option}; pass privacy({ ${option}, … }) or drop the policy.`);
  };
  if (p.securityLog !== undefined) {
    if (!present.securityLog) missing('securityLog', 'log');
    out.securityLog = Object.freeze({ days: days(p.securityLog, 'securityLog', 'days') });
  }
  if (p.sessions !== undefined) {
    if (!present.sessions) missing('sessions', 'sessions');
    out.sessions = Object.freeze({ days: days(p.sessions, 'sessions', 'days') });
  }
  if (p.apiKeys !== undefined) {
    if (!present.apiKeys) missing('apiKeys', 'apiKeys');
    out.apiKeys = Object.freeze({ revokedDays: days(p.apiKeys, 'apiKeys', 'revokedDays') });
  }
  return Object.freeze(out);
}
