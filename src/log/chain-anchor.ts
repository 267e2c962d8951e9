/** The anchor of `SecurityLog.verify({ anchor })`: a chained row kept outside the database. */
import { configError } from '../core/options.ts';

/** Why verify() stopped: a row's content or MAC changed, a row before it is missing, a row without MAC inside the chain, or the log ends before the anchor. */
export type ChainFailureReason = 'altered' | 'deleted' | 'unchained' | 'truncated';

/** A chained row kept outside the database (`verify().last`, `ResealReport.last`): `verify({ anchor })` checks the chain still reaches it. */
export interface ChainAnchor {
  id: number;
  hmac: string;
}

/** Check a `verify({ anchor })` value: `{ id, hmac }` exactly as `verify().last` gave it. */
export function checkAnchor(value: unknown): ChainAnchor | undefined {
  if (value === undefined) return undefined;
  const fix = 'pass the whole `last` object of an earlier verify() (or a ResealReport), { id, hmac }';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError(`SecurityLog.verify: anchor must be an object; ${fix}.`);
  const { id, hmac, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw configError(`SecurityLog.verify: anchor has unknown keys (${Object.keys(rest).join(', ')}); ${fix}.`);
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)
    throw configError(`SecurityLog.verify: anchor.id must be a row id (a positive integer); ${fix}.`);
  if (typeof hmac !== 'string' || !/^[0-9a-f]{64}$/.test(hmac))
    throw configError(`SecurityLog.verify: anchor.hmac must be 64 lowercase hex characters; ${fix}.`);
  return { id, hmac };
}
