import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../../errors.ts';
import { checkKeys, configError, numberOption, optionsObject, stringList } from '../../core/options.ts';
import { safeEmit } from '../../core/events.ts';
import { once, openDatabase } from '../../stores/database.ts';
import type { Database, Queryable } from '../../stores/sql.ts';
import { checkPermission } from '../rbac/permissions.ts';
import { compileApiKeysOptions, type ApiKeysOptions } from './options.ts';
import { displayPrefix, newKey, wellFormed } from './format.ts';

export type { ApiKeysOptions } from './options.ts';

/** What verify() returns for a valid key. */
export interface ApiKeyPrincipal {
  id: string;
  owner: string;
  scopes: string[];
  name: string | null;
}

/** A stored key as list() shows it (never the key itself). */
export interface ApiKeyRecord extends ApiKeyPrincipal {
  /** Non-secret start of the key (`rk_live_AbCd`), to recognise it. */
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  usageCount: number;
}

/** Options of create(). */
export interface CreateApiKeyOptions {
  owner: string;
  /** Permission names as RBAC uses them (`orders:read`, `orders:*`, `*`): no empty scope, no whitespace. */
  scopes?: readonly string[];
  /** Lifetime in seconds. Default: no expiry. */
  expiresIn?: number;
  name?: string;
}

/** The manager returned by {@link apiKeys}. */
export interface ApiKeyManager {
  /** Create the table and index (idempotent). Called automatically on first use. */
  ensureTable(): Promise<void>;
  /** Create a key. The plain key is returned ONCE; only its HMAC is stored. */
  create(options: CreateApiKeyOptions): Promise<{ key: string; id: string; prefix: string; expiresAt: Date | null }>;
  /** Check a key: one indexed lookup. Throws ERR_RAMPART_APIKEY_MALFORMED (no DB hit) or _INVALID, and emits INVALID_TOKEN. */
  verify(key: string): Promise<ApiKeyPrincipal>;
  /** Like verify() without emitting an event (middleware emit through the request). */
  check(key: string): Promise<ApiKeyPrincipal>;
  /**
   * Revoke a key by id, and with it every predecessor it replaced that still works in its
   * rotation overlap (revoking a leaked replacement must not leave the old key alive).
   * Resolves false when neither the key nor such a predecessor was active.
   */
  revoke(id: string): Promise<boolean>;
  /**
   * Issue a replacement with the same owner, scopes and name; the old key keeps working for
   * `overlap` seconds (default 86400). A key is rotated once: rotating it again throws
   * ERR_RAMPART_APIKEY_ROTATED naming its successor (rotate that one instead).
   */
  rotate(id: string, options?: { overlap?: number; expiresIn?: number }): Promise<{ key: string; id: string; prefix: string; expiresAt: Date | null }>;
  /** Keys (optionally of one owner), newest first. */
  list(options?: { owner?: string }): Promise<ApiKeyRecord[]>;
  /**
   * Delete keys for good: all keys of `owner` (GDPR erasure), or keys revoked or expired
   * before `inactiveBefore` (retention). Resolves to the number of keys deleted.
   */
  purge(options: { owner: string } | { inactiveBefore: Date }): Promise<number>;
  /**
   * GDPR anonymisation: revoke every key of `owner` and keep the rows (for audit) under
   * `pseudonym`, with their names cleared. Resolves to the number of keys rewritten.
   */
  anonymizeOwner(owner: string, pseudonym: string): Promise<number>;
  /** Write pending usage counts now. */
  flush(): Promise<void>;
  /** Flush usage and close the connection the manager opened. */
  close(): Promise<void>;
}

/**
 * API key manager (the seed's APIKeyManager, made safe): keys look like
 * `rk_live_<base62>_<crc32>` so secret scanners recognise them and typos are rejected
 * without a database query; only an HMAC-SHA256 of each key is stored, in PostgreSQL
 * or an embedded PGlite.
 *
 * @example
 * const keys = apiKeys({ secret: process.env.API_KEY_SECRET!, database: process.env.DATABASE_URL });
 * const { key } = await keys.create({ owner: 'acme', scopes: ['orders:read'], expiresIn: 90 * 86400 });
 * const principal = await keys.verify(key); // { id, owner: 'acme', scopes: ['orders:read'], name: null }
 */
export function apiKeys(options: ApiKeysOptions): ApiKeyManager {
  const { secret, database, table, prefix, environment, flushMs, events } = compileApiKeysOptions(options);

  const usage = new Map<string, { count: number; last: Date }>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const hash = (key: string): string => createHmac('sha256', secret).update(key).digest('base64url');

  const open = once(async (): Promise<Database> => {
    const db = await openDatabase(database);
    await db.query(`create table if not exists ${table} (
      id text primary key,
      key_hash text not null unique,
      prefix text not null,
      owner text not null,
      name text,
      scopes jsonb not null default '[]',
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz,
      usage_count bigint not null default 0,
      replaced_by text
    )`);
    // Tables created before rotations were recorded get the column (idempotent).
    await db.query(`alter table ${table} add column if not exists replaced_by text`);
    await db.query(`create index if not exists ${table}_owner_idx on ${table} (owner)`);
    return db;
  });

  async function insert(db: Queryable, id: string, owner: string, scopes: string[], name: string | null, expiresIn: number | undefined) {
    const key = newKey(prefix, environment);
    const rows = await db.query<{ expires_at: Date | null }>(
      `insert into ${table} (id, key_hash, prefix, owner, name, scopes, expires_at)
       values ($1, $2, $3, $4, $5, $6::jsonb, case when $7::float8 is null then null else now() + make_interval(secs => $7::float8) end)
       returning expires_at`,
      [id, hash(key), displayPrefix(key, prefix, environment), owner, name, JSON.stringify(scopes), expiresIn ?? null],
    );
    return { key, id, prefix: displayPrefix(key, prefix, environment), expiresAt: toDate(rows[0]?.expires_at) };
  }

  function scheduleFlush(): void {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush().catch(() => {
        /* retried on the next use; usage statistics are best effort */
      });
    }, flushMs);
    timer.unref();
  }

  async function flush(): Promise<void> {
    if (usage.size === 0) return;
    const batch = [...usage.entries()];
    usage.clear();
    const db = await open();
    await db.query(
      `update ${table} t set usage_count = t.usage_count + u.n, last_used_at = greatest(t.last_used_at, u.at)
       from (select * from unnest($1::text[], $2::int8[], $3::timestamptz[]) as x(id, n, at)) u where t.id = u.id`,
      [batch.map(([id]) => id), batch.map(([, v]) => v.count), batch.map(([, v]) => v.last.toISOString())],
    );
  }

  async function check(key: string): Promise<ApiKeyPrincipal> {
    if (!wellFormed(key, prefix, environment)) {
      throw new RampartError('ERR_RAMPART_APIKEY_MALFORMED', 'The API key is malformed or mistyped.');
    }
    const digest = hash(key);
    let rows: Array<{ id: string; key_hash: string; owner: string; name: string | null; scopes: unknown; revoked: boolean; expired: boolean }>;
    try {
      rows = await (await open()).query(
        `select id, key_hash, owner, name, scopes, revoked_at is not null as revoked, (expires_at is not null and expires_at <= now()) as expired
         from ${table} where key_hash = $1`,
        [digest],
      );
    } catch (error) {
      throw new RampartError('ERR_RAMPART_APIKEY_STORE', `The API key database failed: ${(error as Error).message}`, { cause: error });
    }
    const row = rows[0];
    // The index finds the row; the comparison itself is constant-time.
    const match = row !== undefined && timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(digest));
    if (!match || row.revoked || row.expired) {
      throw new RampartError('ERR_RAMPART_APIKEY_INVALID', 'The API key is unknown, revoked or expired.');
    }
    const entry = usage.get(row.id);
    if (entry === undefined) usage.set(row.id, { count: 1, last: new Date() });
    else {
      entry.count++;
      entry.last = new Date();
    }
    scheduleFlush();
    const scopes = typeof row.scopes === 'string' ? (JSON.parse(row.scopes) as string[]) : (row.scopes as string[]);
    return { id: row.id, owner: row.owner, scopes, name: row.name };
  }

  return Object.freeze({
    async ensureTable() {
      await open();
    },
    async create(createOptions: CreateApiKeyOptions) {
      const c = optionsObject(createOptions, 'apiKeys.create');
      checkKeys(c, ['owner', 'scopes', 'expiresIn', 'name'], 'apiKeys.create');
      if (typeof c.owner !== 'string' || c.owner.length === 0 || c.owner.length > 256)
        throw configError('apiKeys.create: owner must be a non-empty string (at most 256 characters).');
      const scopes = (c.scopes === undefined ? [] : stringList(c.scopes, 'apiKeys.create.scopes')).map((scope) =>
        checkPermission(scope, 'apiKeys.create.scopes'),
      );
      const expiresIn = c.expiresIn === undefined ? undefined : numberOption(c.expiresIn, 'apiKeys.create.expiresIn', 1, 100 * 365 * 86400);
      if (c.name !== undefined && (typeof c.name !== 'string' || c.name.length > 256))
        throw configError('apiKeys.create: name must be a string of at most 256 characters.');
      return insert(await open(), randomUUID(), c.owner, scopes, (c.name as string | undefined) ?? null, expiresIn);
    },
    async verify(key: string) {
      try {
        return await check(key);
      } catch (error) {
        if (error instanceof RampartError) safeEmit(events, { event: 'INVALID_TOKEN', detail: `api key: ${error.code}` });
        throw error;
      }
    },
    check,
    async revoke(id: string) {
      const db = await open();
      // The key and its lineage (rotate() records replaced_by on the predecessor), in one statement.
      const rows = await db.query(
        `with recursive lineage(id) as (
           select $1::text
           union
           select t.id from ${table} t join lineage l on t.replaced_by = l.id
         )
         update ${table} set revoked_at = now()
         where id in (select id from lineage) and revoked_at is null and (id = $1 or expires_at is null or expires_at > now())
         returning id`,
        [String(id)],
      );
      return rows.length > 0;
    },
    async rotate(id: string, rotateOptions: { overlap?: number; expiresIn?: number } = {}) {
      const r = optionsObject(rotateOptions, 'apiKeys.rotate');
      checkKeys(r, ['overlap', 'expiresIn'], 'apiKeys.rotate');
      const overlap = r.overlap === undefined ? 86400 : numberOption(r.overlap, 'apiKeys.rotate.overlap', 0, 365 * 86400);
      const expiresIn = r.expiresIn === undefined ? undefined : numberOption(r.expiresIn, 'apiKeys.rotate.expiresIn', 1, 100 * 365 * 86400);
      const db = await open();
      // One successor per key: a second rotation would leave two live replacements (and two
      // holders) for one credential. The guard and the successor are written in one transaction.
      return db.transaction(async (tx) => {
        const successor = randomUUID();
        const rows = await tx.query<{ owner: string; scopes: unknown; name: string | null }>(
          `update ${table} set expires_at = least(coalesce(expires_at, 'infinity'::timestamptz), now() + make_interval(secs => $2::float8)), replaced_by = $3
           where id = $1 and revoked_at is null and replaced_by is null and (expires_at is null or expires_at > now()) returning owner, scopes, name`,
          [String(id), overlap, successor],
        );
        const old = rows[0];
        if (old === undefined) {
          const [rotated] = await tx.query<{ replaced_by: string | null; revoked: boolean }>(
            `select replaced_by, revoked_at is not null as revoked from ${table} where id = $1`,
            [String(id)],
          );
          if (rotated?.revoked === true) throw new RampartError('ERR_RAMPART_APIKEY_INVALID', `API key ${String(id)} is revoked; create a new key.`);
          if (rotated?.replaced_by != null) {
            throw new RampartError(
              'ERR_RAMPART_APIKEY_ROTATED',
              `API key ${String(id)} was already rotated to ${rotated.replaced_by}; rotate ${rotated.replaced_by} instead (or revoke it and create a new key).`,
            );
          }
          throw new RampartError('ERR_RAMPART_APIKEY_INVALID', 'No active API key with that id to rotate.');
        }
        const scopes = typeof old.scopes === 'string' ? (JSON.parse(old.scopes) as string[]) : (old.scopes as string[]);
        return insert(tx, successor, old.owner, scopes, old.name, expiresIn);
      });
    },
    async list(listOptions: { owner?: string } = {}) {
      const l = optionsObject(listOptions, 'apiKeys.list');
      checkKeys(l, ['owner'], 'apiKeys.list');
      await flush();
      const db = await open();
      const rows = await db.query<Record<string, unknown>>(
        `select id, prefix, owner, name, scopes, created_at, expires_at, revoked_at, last_used_at, usage_count from ${table}
         where ($1::text is null or owner = $1) order by created_at desc, id`,
        [l.owner === undefined ? null : String(l.owner)],
      );
      return rows.map((row) => ({
        id: String(row.id),
        prefix: String(row.prefix),
        owner: String(row.owner),
        name: (row.name as string | null) ?? null,
        scopes: typeof row.scopes === 'string' ? (JSON.parse(row.scopes) as string[]) : (row.scopes as string[]),
        createdAt: toDate(row.created_at)!,
        expiresAt: toDate(row.expires_at),
        revokedAt: toDate(row.revoked_at),
        lastUsedAt: toDate(row.last_used_at),
        usageCount: Number(row.usage_count),
      }));
    },
    async purge(purgeOptions: { owner: string } | { inactiveBefore: Date }) {
      const p = optionsObject(purgeOptions, 'apiKeys.purge');
      checkKeys(p, ['owner', 'inactiveBefore'], 'apiKeys.purge');
      const db = await open();
      if ('owner' in p && !('inactiveBefore' in p)) {
        if (typeof p.owner !== 'string' || p.owner.length === 0) throw configError('apiKeys.purge: owner must be a non-empty string.');
        await flush();
        return (await db.query(`delete from ${table} where owner = $1 returning id`, [p.owner])).length;
      }
      const before = p.inactiveBefore;
      if ('owner' in p || !(before instanceof Date) || Number.isNaN(before.getTime()))
        throw configError('apiKeys.purge: pass either { owner } or { inactiveBefore: Date }.');
      return (await db.query(`delete from ${table} where revoked_at < $1 or expires_at < $1 returning id`, [before.toISOString()])).length;
    },
    async anonymizeOwner(owner: string, pseudonym: string) {
      if (typeof owner !== 'string' || owner.length === 0) throw configError('apiKeys.anonymizeOwner: owner must be a non-empty string.');
      if (typeof pseudonym !== 'string' || pseudonym.length === 0 || pseudonym.length > 256 || pseudonym === owner) {
        throw configError('apiKeys.anonymizeOwner: pseudonym must be a non-empty string (at most 256 characters) other than the owner.');
      }
      await flush();
      const db = await open();
      const rows = await db.query(`update ${table} set owner = $2, name = null, revoked_at = coalesce(revoked_at, now()) where owner = $1 returning id`, [
        owner,
        pseudonym,
      ]);
      return rows.length;
    },
    flush,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      try {
        await flush();
      } finally {
        await (await open()).close();
      }
    },
  });
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}
