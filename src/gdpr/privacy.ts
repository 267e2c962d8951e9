import { randomBytes } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { checkKeys, configError, optionsObject } from '../core/options.ts';
import type { SecurityLog } from '../log/security-log.ts';
import type { ResealReport } from '../log/store.ts';
import type { ApiKeyManager } from '../auth/apikeys/manager.ts';
import type { SessionStore } from '../stores/sessions.ts';
import { parseJson, type JsonValue } from '../auth/sessions/data.ts';
import { pseudonymizer } from '../crypto/pseudonym.ts';
import { checkPolicies, type CheckedPolicies, type RetentionPolicies } from './retention.ts';
import { checkIdentifiers } from '../log/erase-text.ts';

/** Options of {@link privacy}. Every store is optional; only the configured ones are reported on and erased. */
export interface PrivacyOptions {
  /** The SecurityLog whose rows are reported, anonymised and cleaned up. */
  log?: SecurityLog;
  /** The API key manager (`apiKeys()` from rampart/auth); keys are matched by `owner` = user id. */
  apiKeys?: ApiKeyManager;
  /** A session store, or the `sessions()` middleware (its `.store` is used). The store must implement `scan()`. */
  sessions?: SessionStore | { readonly store: SessionStore };
  /**
   * Secret (≥ 32 characters, high entropy) for keyed pseudonyms: the same user always gets
   * the same pseudonym, and nobody without the key can link it back. Default: a random
   * pseudonym per erase() call.
   */
  pseudonymKey?: string | Uint8Array;
  /**
   * Which user a session belongs to, from its data. Default: `data.user.id`, else `data.userId`
   * (string or integer), the shape `sessions()` puts in `req.locals.user`.
   */
  sessionUser?: (data: Readonly<Record<string, JsonValue>>) => string | number | undefined;
  /** Retention policies, validated now (see {@link RetentionPolicies}). */
  retention?: RetentionPolicies;
  /**
   * Clock in ms since the epoch (tests). Default `Date.now`. The security log's retention cutoff
   * never passes the wall clock's: a clock running ahead does not delete recent rows.
   */
  now?: () => number;
}

/** One API key as reports show it: never the key, its hash or its display prefix. */
export interface ApiKeyEntry {
  id: string;
  name: string | null;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  usageCount: number;
}

/** One session as reports show it: never its id (a bearer secret) nor its data. */
export interface SessionEntry {
  createdAt: string | null;
  lastSeenAt: string | null;
  expiresAt: string | null;
}

/** What rampart stores about one user. JSON-serialisable; dates are ISO 8601 strings. */
export interface ErasureReport {
  userId: string;
  generatedAt: string;
  /** Present when a log is configured. */
  securityLog?: {
    rows: number;
    events: Array<{ event: string; count: number; first: string; last: string }>;
    first: string | null;
    last: string | null;
    /** Columns that can hold personal data in those rows. */
    fields: string[];
  };
  apiKeys?: { count: number; active: number; keys: ApiKeyEntry[] };
  sessions?: { count: number; sessions: SessionEntry[] };
}

/** Options of `erase()`. */
export interface EraseOptions {
  /** `anonymize` (default): API keys revoked and pseudonymised; `delete`: API keys deleted. Log rows are anonymised in both. */
  mode?: 'anonymize' | 'delete';
  /**
   * Values that name the person in free text (e-mail, username, phone; 3–255 characters, at
   * most 100): replaced by `[erased]` in `detail`, `path` and `user_agent` of every log row, as
   * whole values, case-insensitively, also percent-encoded (once or twice) and base64-encoded as
   * a whole string (standard or URL-safe alphabet); rows whose whole user id is one of them are
   * anonymised like the user's. loginGuard's account name and the user id are erased from the
   * user's own rows without being listed, and the account's digest from every row.
   */
  identifiers?: readonly string[];
}

/** What erase() changed, per store. */
export interface EraseResult {
  userId: string;
  mode: 'anonymize' | 'delete';
  /** The pseudonym that replaced the user id (log rows; API keys in anonymize mode). */
  pseudonym: string;
  securityLog?: { anonymizedRows: number; fields: string[]; chain?: ResealReport };
  apiKeys?: { revoked: number } | { deleted: number };
  sessions?: { deleted: number };
}

/** What applyRetention() removed, per store (only stores with a policy appear). */
export interface RetentionResult {
  securityLog?: { droppedPartitions: string[]; deletedRows: number };
  sessions?: { deleted: number; pruned: number };
  apiKeys?: { deleted: number };
}

/** The object returned by {@link privacy}. */
export interface Privacy {
  /** Everything stored about `userId` across the configured stores (counts, kinds, dates; never secrets). */
  erasureReport(userId: string | number): Promise<ErasureReport>;
  /**
   * Erase a user: log rows anonymised (keyed pseudonym, ip and user agent cleared, loginGuard's
   * account name, the user id and `identifiers` in detail/path/user agent replaced by `[erased]`; a chained
   * log is re-sealed), sessions deleted, API keys revoked and pseudonymised (`anonymize`,
   * default) or deleted (`delete`). Idempotent: a second call changes nothing.
   */
  erase(userId: string | number, options?: EraseOptions): Promise<EraseResult>;
  /** Replace the retention policies (validated; unknown names are errors). Returns them frozen. */
  retention(policies: RetentionPolicies): CheckedPolicies;
  /** Enforce the retention policies now; returns what was removed. */
  applyRetention(): Promise<RetentionResult>;
}

const OPTION_NAMES = ['log', 'apiKeys', 'sessions', 'pseudonymKey', 'sessionUser', 'retention', 'now'];
const DAY = 86_400_000;

function userIdOf(value: unknown, method: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= 255) return value;
  throw new RampartError('ERR_RAMPART_GDPR_INPUT', `privacy.${method}: userId must be a non-empty string of at most 255 characters or a safe integer.`);
}

function iso(value: Date | null | undefined): string | null {
  return value === null || value === undefined ? null : value.toISOString();
}

function defaultSessionUser(data: Readonly<Record<string, JsonValue>>): string | number | undefined {
  const user = data.user;
  if (user !== null && typeof user === 'object' && !Array.isArray(user)) {
    const id = user.id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  const id = data.userId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

interface ParsedSession {
  data: Record<string, JsonValue>;
  created: number | undefined;
  seen: number | undefined;
  expires: number | undefined;
}

/** The sessions() record format: `{ data, created, seen, expires, csrf }` or a `{ destroyed: true }` tombstone. */
function parseSession(text: string): ParsedSession | undefined {
  let record: unknown;
  try {
    record = parseJson(text);
  } catch {
    return undefined;
  }
  if (record === null || typeof record !== 'object') return undefined;
  const r = record as Record<string, unknown>;
  if (r.destroyed === true || r.data === null || typeof r.data !== 'object' || Array.isArray(r.data)) return undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { data: r.data as Record<string, JsonValue>, created: num(r.created), seen: num(r.seen), expires: num(r.expires) };
}

function isSessionStore(v: unknown): v is SessionStore {
  return typeof v === 'object' && v !== null && typeof (v as SessionStore).get === 'function' && typeof (v as SessionStore).delete === 'function';
}

/**
 * GDPR tooling across rampart's tables: an access/erasure report per user, erasure
 * (anonymise log rows, revoke or delete API keys, delete sessions) and retention policies.
 * No I/O happens until a method is called.
 *
 * @example
 * const gdpr = privacy({ log, apiKeys: keys, sessions: sessionMiddleware, pseudonymKey: process.env.PSEUDONYM_KEY,
 *                        retention: { securityLog: { days: 90 }, sessions: { days: 30 }, apiKeys: { revokedDays: 30 } } });
 * const report = await gdpr.erasureReport('user-42');
 * await gdpr.erase('user-42', { mode: 'anonymize' });
 * await gdpr.applyRetention(); // e.g. from a daily job
 */
export function privacy(options: PrivacyOptions): Privacy {
  const o = optionsObject(options, 'privacy');
  checkKeys(o, OPTION_NAMES, 'privacy');
  const log = o.log as SecurityLog | undefined;
  if (
    log !== undefined &&
    (typeof log !== 'object' ||
      log === null ||
      typeof (log as SecurityLog).anonymizeUser !== 'function' ||
      typeof (log as SecurityLog).userSummary !== 'function')
  ) {
    throw configError('privacy.log must be a SecurityLog from rampart/log.');
  }
  const keys = o.apiKeys as ApiKeyManager | undefined;
  if (
    keys !== undefined &&
    (typeof keys !== 'object' ||
      keys === null ||
      typeof keys.list !== 'function' ||
      typeof keys.purge !== 'function' ||
      typeof keys.anonymizeOwner !== 'function')
  ) {
    throw configError('privacy.apiKeys must be the manager returned by apiKeys() from rampart/auth.');
  }
  let store: SessionStore | undefined;
  if (o.sessions !== undefined) {
    const s = o.sessions as { store?: unknown };
    store = isSessionStore(s) ? s : isSessionStore(s?.store) ? s.store : undefined;
    if (store === undefined) throw configError('privacy.sessions must be a session store or the sessions() middleware.');
    if (typeof store.scan !== 'function') {
      throw configError(
        "privacy.sessions: the store has no scan(), so a user's sessions cannot be found; use memorySessionStore, redisSessionStore or postgresSessionStore, or implement scan().",
      );
    }
  }
  const sessionUser = (o.sessionUser ?? defaultSessionUser) as (data: Readonly<Record<string, JsonValue>>) => string | number | undefined;
  if (typeof sessionUser !== 'function') throw configError('privacy.sessionUser must be a function (data) => user id.');
  const now = (o.now ?? Date.now) as () => number;
  if (typeof now !== 'function') throw configError('privacy.now must be a function returning milliseconds since the epoch.');
  const keyed = o.pseudonymKey === undefined ? undefined : pseudonymizer({ key: o.pseudonymKey as string | Uint8Array, purpose: 'rampart-gdpr' });
  const present = { securityLog: log !== undefined, sessions: store !== undefined, apiKeys: keys !== undefined };
  let policies = checkPolicies(o.retention ?? {}, present);

  const pseudonymFor = (userId: string): string => (keyed === undefined ? `anon_${randomBytes(12).toString('base64url')}` : keyed(userId));

  async function* userSessions(userId: string): AsyncGenerator<{ id: string; parsed: ParsedSession; expiresAt: Date | undefined }> {
    for await (const entry of store!.scan!()) {
      const parsed = parseSession(entry.record);
      if (parsed === undefined) continue;
      const owner = sessionUser(parsed.data);
      if (owner !== undefined && String(owner) === userId) yield { id: entry.id, parsed, expiresAt: entry.expiresAt };
    }
  }

  return Object.freeze({
    async erasureReport(rawUserId: string | number): Promise<ErasureReport> {
      const userId = userIdOf(rawUserId, 'erasureReport');
      const report: ErasureReport = { userId, generatedAt: new Date(now()).toISOString() };
      if (log !== undefined) {
        const events = await log.userSummary(userId);
        const times = events.flatMap((e) => [e.first.getTime(), e.last.getTime()]);
        report.securityLog = {
          rows: events.reduce((n, e) => n + e.count, 0),
          events: events.map((e) => ({ event: e.event, count: e.count, first: e.first.toISOString(), last: e.last.toISOString() })),
          first: times.length === 0 ? null : new Date(Math.min(...times)).toISOString(),
          last: times.length === 0 ? null : new Date(Math.max(...times)).toISOString(),
          fields: ['user_id', 'ip_address', 'user_agent', 'path', 'detail'],
        };
      }
      if (keys !== undefined) {
        const list = await keys.list({ owner: userId });
        const at = now();
        report.apiKeys = {
          count: list.length,
          active: list.filter((k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt.getTime() > at)).length,
          keys: list.map((k) => ({
            id: k.id,
            name: k.name,
            scopes: [...k.scopes],
            createdAt: k.createdAt.toISOString(),
            lastUsedAt: iso(k.lastUsedAt),
            expiresAt: iso(k.expiresAt),
            revokedAt: iso(k.revokedAt),
            usageCount: k.usageCount,
          })),
        };
      }
      if (store !== undefined) {
        const found: SessionEntry[] = [];
        const time = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
        for await (const s of userSessions(userId)) {
          found.push({ createdAt: time(s.parsed.created), lastSeenAt: time(s.parsed.seen), expiresAt: time(s.parsed.expires) });
        }
        found.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
        report.sessions = { count: found.length, sessions: found };
      }
      return report;
    },

    async erase(rawUserId: string | number, eraseOptions: EraseOptions = {}): Promise<EraseResult> {
      const userId = userIdOf(rawUserId, 'erase');
      const e = optionsObject(eraseOptions, 'privacy.erase');
      checkKeys(e, ['mode', 'identifiers'], 'privacy.erase');
      const mode = e.mode ?? 'anonymize';
      if (mode !== 'anonymize' && mode !== 'delete') throw new RampartError('ERR_RAMPART_GDPR_INPUT', "privacy.erase: mode must be 'anonymize' or 'delete'.");
      const identifiers = checkIdentifiers(e.identifiers, 'privacy.erase', 'ERR_RAMPART_GDPR_INPUT');
      const pseudonym = pseudonymFor(userId);
      const result: EraseResult = { userId, mode, pseudonym };
      // Sessions first: a live session must not keep acting for a user being erased.
      if (store !== undefined) {
        const ids: string[] = [];
        for await (const s of userSessions(userId)) ids.push(s.id);
        for (const id of ids) await store.delete(id);
        result.sessions = { deleted: ids.length };
      }
      if (keys !== undefined) {
        result.apiKeys = mode === 'delete' ? { deleted: await keys.purge({ owner: userId }) } : { revoked: await keys.anonymizeOwner(userId, pseudonym) };
      }
      if (log !== undefined) {
        const r = await log.anonymizeUser(userId, { pseudonym, reseal: true, identifiers });
        result.securityLog = { anonymizedRows: r.rows, fields: [...r.fields], ...(r.chain ? { chain: r.chain } : {}) };
      }
      return result;
    },

    retention(next: RetentionPolicies): CheckedPolicies {
      policies = checkPolicies(next, present);
      return policies;
    },

    async applyRetention(): Promise<RetentionResult> {
      const at = now();
      const result: RetentionResult = {};
      if (policies.securityLog !== undefined && log !== undefined) {
        // The earlier of the two cutoffs: an injected clock may keep more, but a clock running
        // ahead (or a wrong one) must never delete rows newer than `days` before the real present.
        const days = policies.securityLog.days * DAY;
        const cutoff = Math.max(0, Math.min(at - days, Date.now() - days));
        result.securityLog = await log.cleanup({ before: new Date(cutoff) });
      }
      if (policies.sessions !== undefined && store !== undefined) {
        const cutoff = at - policies.sessions.days * DAY;
        const stale: string[] = [];
        for await (const entry of store.scan!()) {
          const parsed = parseSession(entry.record);
          if (parsed === undefined) continue;
          const last = parsed.seen ?? parsed.created;
          if ((last !== undefined && last < cutoff) || (parsed.expires !== undefined && parsed.expires <= at)) stale.push(entry.id);
        }
        for (const id of stale) await store.delete(id);
        const prune = (store as { prune?: () => Promise<number> }).prune;
        result.sessions = { deleted: stale.length, pruned: typeof prune === 'function' ? await prune.call(store) : 0 };
      }
      if (policies.apiKeys !== undefined && keys !== undefined) {
        result.apiKeys = { deleted: await keys.purge({ inactiveBefore: new Date(at - policies.apiKeys.revokedDays * DAY) }) };
      }
      return result;
    },
  });
}
