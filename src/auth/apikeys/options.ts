import { globalEventSink } from '../../core/events.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';
import type { EventSink } from '../../core/types.ts';
import { requireSecret, type Secret } from '../../crypto/secret.ts';
import { checkDatabase, checkTable, type DatabaseOption } from '../../stores/database.ts';

/** Options of {@link apiKeys}. */
export interface ApiKeysOptions {
  /** HMAC key (pepper) for the stored key hashes: ≥ 32 bytes, random (`requireSecret`), kept outside the database. Required. */
  secret: string | Uint8Array | Secret;
  /** Same shape as SecurityLog: omitted → in-memory PGlite; a path; a postgres:// URL; a postgres client or PGlite instance. */
  database?: DatabaseOption;
  /** Table name. Default 'rampart_api_keys'. */
  table?: string;
  /** First part of every key. Default 'rk'. */
  prefix?: string;
  /** Second part: 'live', 'test', … Default 'live'. */
  environment?: string;
  /** Seconds between batched writes of usage counts and last-used times. Default 5. */
  usageFlushInterval?: number;
  /** Where INVALID_TOKEN events of direct verify() calls go. Default: the global SecurityLog sink. */
  events?: EventSink;
}

/** The validated, frozen configuration {@link apiKeys} runs on. Nothing is opened here. */
export interface ApiKeysConfig {
  /** The HMAC key of the stored hashes (a private copy). */
  readonly secret: Buffer;
  /** The checked database target (opened on first use). */
  readonly database: ReturnType<typeof checkDatabase>;
  readonly table: string;
  readonly prefix: string;
  readonly environment: string;
  /** Milliseconds between batched usage writes. */
  readonly flushMs: number;
  readonly events: EventSink;
}

const OPTION_NAMES = ['secret', 'database', 'table', 'prefix', 'environment', 'usageFlushInterval', 'events'] as const;
const SEGMENT = /^[a-z0-9]{1,16}$/;

/**
 * Validate and normalise {@link ApiKeysOptions} once: the secret through `requireSecret`,
 * the database shape (and its optional peer) checked without connecting, the table name
 * and key prefix checked. Throws RampartError (ERR_RAMPART_CONFIG /
 * ERR_RAMPART_UNKNOWN_OPTION / ERR_RAMPART_MISSING_DEPENDENCY) with the fix. The result is frozen.
 */
export function compileApiKeysOptions(options: ApiKeysOptions): ApiKeysConfig {
  const o = optionsObject(options, 'apiKeys');
  checkKeys(o, OPTION_NAMES, 'apiKeys');
  const secret = requireSecret(o.secret, { name: 'apiKeys.secret', code: 'ERR_RAMPART_CONFIG' });
  const database = checkDatabase(o.database, 'apiKeys');
  const table = checkTable(o.table ?? 'rampart_api_keys', 'apiKeys');
  const prefix = String(o.prefix ?? 'rk');
  const environment = String(o.environment ?? 'live');
  if (!SEGMENT.test(prefix) || !SEGMENT.test(environment)) throw configError('apiKeys.prefix and environment must be 1–16 lower-case letters or digits.');
  const flushEvery = o.usageFlushInterval === undefined ? 5 : numberOption(o.usageFlushInterval, 'apiKeys.usageFlushInterval', 0.01, 3600, false);
  if (o.events !== undefined && typeof (o.events as EventSink | null)?.emit !== 'function')
    throw configError('apiKeys.events must be an event sink ({ emit(record) }), such as a SecurityLog.');
  return Object.freeze({
    secret,
    database,
    table,
    prefix,
    environment,
    flushMs: flushEvery * 1000,
    events: (o.events as EventSink | undefined) ?? globalEventSink,
  });
}
