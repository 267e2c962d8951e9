import { RampartError } from '../errors.ts';
import { configError } from '../core/options.ts';
import { checkDatabase, checkTable, closeOpened, once, openDatabase, type DatabaseOption } from './database.ts';

/**
 * The record sessions write in place of a destroyed or rotated session (kept a day, so the
 * old id is recognised as a fixation attempt). {@link SessionStore.update} never replaces it.
 */
export const SESSION_TOMBSTONE = '{"destroyed":true}';

/**
 * Where sessions live. Records are opaque JSON strings; `ttl` is in seconds. Expiry rules
 * are applied by the sessions middleware; the store's one rule is {@link SessionStore.update}'s.
 */
export interface SessionStore {
  get(id: string): Promise<string | undefined>;
  /** Write a record unconditionally (a new session, a tombstone). */
  set(id: string, record: string, ttl: number): Promise<void>;
  /**
   * Replace the record of an existing, live session, atomically: resolve false and write
   * nothing when no record is stored under `id` (never created, expired, erased) or the
   * record is {@link SESSION_TOMBSTONE}. This is what keeps a request that was still running
   * when another request logged out or rotated the id from writing the session back.
   */
  update(id: string, record: string, ttl: number): Promise<boolean>;
  /**
   * Optional, and what sessions use for every change to a live session when present: call
   * `change` with the record stored now and store what it returns, atomically — no other
   * write lands between the read `change` sees and the write (a compare-and-set loop may call
   * `change` again with the newer record). Resolve the record written, or undefined when no
   * live record is stored (missing, expired or {@link SESSION_TOMBSTONE}: nothing written).
   * This keeps a request from writing back keys another request changed or deleted meanwhile.
   * Without it sessions fall back to get() then update(): a write landing in between is lost
   * (last writer wins for the whole record).
   */
  patch?(id: string, change: (record: string) => string, ttl: number): Promise<string | undefined>;
  delete(id: string): Promise<void>;
  /**
   * Every stored record, in no particular order (for GDPR reports, erasure and retention,
   * which must find a user's sessions without an index). `expiresAt` when the store knows it.
   */
  scan?(): AsyncIterable<StoredSession>;
  close?(): Promise<void>;
}

/** One record as {@link SessionStore.scan} yields it. The id is a bearer secret: never log or report it. */
export interface StoredSession {
  id: string;
  record: string;
  expiresAt?: Date;
}

/** In-process store (one instance, tests, development). Bounded by `max` sessions (oldest evicted). */
export function memorySessionStore(options: { max?: number } = {}): SessionStore & { readonly size: number } {
  const max = options.max ?? 100_000;
  if (!Number.isInteger(max) || max < 1) throw configError('memorySessionStore.max must be a positive integer.');
  const map = new Map<string, { record: string; expires: number }>();
  return {
    get size() {
      return map.size;
    },
    async get(id) {
      const entry = map.get(id);
      if (entry === undefined) return undefined;
      if (entry.expires <= Date.now()) {
        map.delete(id);
        return undefined;
      }
      return entry.record;
    },
    async set(id, record, ttl) {
      map.delete(id);
      map.set(id, { record, expires: Date.now() + ttl * 1000 });
      while (map.size > max) map.delete(map.keys().next().value as string);
    },
    // No await between the check and the write: atomic in one process.
    async update(id, record, ttl) {
      const entry = map.get(id);
      if (entry === undefined || entry.expires <= Date.now() || entry.record === SESSION_TOMBSTONE) return false;
      map.delete(id);
      map.set(id, { record, expires: Date.now() + ttl * 1000 });
      return true;
    },
    // Read, change and write with no await in between: atomic in one process.
    async patch(id, change, ttl) {
      const entry = map.get(id);
      if (entry === undefined || entry.expires <= Date.now() || entry.record === SESSION_TOMBSTONE) return undefined;
      const record = change(entry.record);
      map.delete(id);
      map.set(id, { record, expires: Date.now() + ttl * 1000 });
      return record;
    },
    async delete(id) {
      map.delete(id);
    },
    async *scan() {
      for (const [id, entry] of [...map.entries()]) if (entry.expires > Date.now()) yield { id, record: entry.record, expiresAt: new Date(entry.expires) };
    },
  };
}

/** The subset of an ioredis client the Redis session store uses. */
export interface RedisSessionClient {
  get(key: string): Promise<string | null>;
  set(...args: unknown[]): Promise<unknown>;
  del(...keys: unknown[]): Promise<unknown>;
  /** EVAL script numKeys …keys …args: update() is one Lua script (check and write atomically). */
  eval(script: string, numKeys: number, ...args: unknown[]): Promise<unknown>;
  /** Needed only by scan(): SCAN cursor MATCH pattern COUNT n. */
  scan?(...args: unknown[]): Promise<[string, string[]]>;
  mget?(...keys: unknown[]): Promise<Array<string | null>>;
}

// Replace a live record only: a missing key or the tombstone stays as it is.
const UPDATE_SCRIPT = `local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

// Compare and set: write ARGV[2] only while the record is still ARGV[1]. Returns 1 when written,
// the current record when another write came first, nil when the session is gone.
// (The change is applied in JavaScript, not with cjson here: cjson rounds numbers to 14
// digits and turns [] into {}, which would alter keys this request never touched.)
const COMPARE_AND_SET_SCRIPT = `local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[4] then return nil end
if v ~= ARGV[1] then return v end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

/** Attempts of a compare-and-set loop before the store is reported as failing (ERR_RAMPART_SESSION_STORE). */
const MAX_PATCH_ATTEMPTS = 20;

/**
 * Apply `change` to the latest live record with a compare-and-set primitive `swap` (which
 * resolves true when written, the newer record when another write came first, undefined when
 * the session is gone), retrying on conflict.
 */
async function compareAndSetLoop(
  read: () => Promise<string | undefined>,
  swap: (expected: string, next: string) => Promise<true | string | undefined>,
  change: (record: string) => string,
): Promise<string | undefined> {
  let current = await read();
  for (let attempt = 0; attempt < MAX_PATCH_ATTEMPTS; attempt++) {
    if (current === undefined || current === SESSION_TOMBSTONE) return undefined;
    const next = change(current);
    const outcome = await swap(current, next);
    if (outcome === true) return next;
    current = outcome;
  }
  throw new RampartError('ERR_RAMPART_SESSION_STORE', `The session record kept changing: ${MAX_PATCH_ATTEMPTS} attempts to update it failed.`);
}

/** Redis store (ioredis client): one GET per lookup, SET … EX per write, one Lua script per update, a GET and a compare-and-set Lua script per patch. */
export function redisSessionStore(client: RedisSessionClient, options: { prefix?: string } = {}): SessionStore {
  if (client === null || typeof client !== 'object' || typeof client.get !== 'function') throw configError('redisSessionStore needs an ioredis client.');
  if (typeof client.eval !== 'function')
    throw configError('redisSessionStore needs a client with eval() (ioredis has it): session updates are one atomic Lua script.');
  const prefix = options.prefix ?? 'rampart:sess:';
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw new RampartError('ERR_RAMPART_SESSION_STORE', `Redis session store failed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    get: (id) => wrap(async () => ((await client.get(prefix + id)) as string | null) ?? undefined),
    set: (id, record, ttl) => wrap(async () => void (await client.set(prefix + id, record, 'EX', Math.max(1, Math.ceil(ttl))))),
    update: (id, record, ttl) =>
      wrap(async () => Number(await client.eval(UPDATE_SCRIPT, 1, prefix + id, record, String(Math.max(1, Math.ceil(ttl))), SESSION_TOMBSTONE)) === 1),
    patch: (id, change, ttl) =>
      compareAndSetLoop(
        () => wrap(async () => ((await client.get(prefix + id)) as string | null) ?? undefined),
        (expected, next) =>
          wrap(async () => {
            const outcome = await client.eval(COMPARE_AND_SET_SCRIPT, 1, prefix + id, expected, next, String(Math.max(1, Math.ceil(ttl))), SESSION_TOMBSTONE);
            if (typeof outcome === 'string') return outcome;
            return outcome === null || outcome === undefined ? undefined : true;
          }),
        change,
      ),
    delete: (id) => wrap(async () => void (await client.del(prefix + id))),
    async *scan() {
      const scanKeys = client.scan?.bind(client);
      const mget = client.mget?.bind(client);
      if (scanKeys === undefined || mget === undefined)
        throw new RampartError('ERR_RAMPART_SESSION_STORE', 'redisSessionStore.scan needs a client with scan() and mget() (ioredis has both).');
      // SCAN may return a key twice across pages: report each once.
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await wrap(() => scanKeys(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500));
        cursor = next;
        const fresh = keys.filter((k) => !seen.has(k));
        for (const k of fresh) seen.add(k);
        if (fresh.length === 0) continue;
        const records = await wrap(() => mget(...fresh));
        for (let i = 0; i < fresh.length; i++) {
          const record = records[i];
          if (typeof record === 'string') yield { id: fresh[i]!.slice(prefix.length), record };
        }
      } while (cursor !== '0');
    },
  };
}

/** PostgreSQL / PGlite store (the `database` option every rampart database takes: 'memory', a PGlite path, a postgres:// URL or your client, which is never closed). Call prune() periodically to delete expired rows. */
export function postgresSessionStore(
  options: { database?: DatabaseOption; table?: string } = {},
): SessionStore & { prune(): Promise<number>; ensureTable(): Promise<void> } {
  const database = checkDatabase(options.database, 'postgresSessionStore');
  const table = checkTable(options.table ?? 'rampart_sessions', 'postgresSessionStore');
  const open = once(async () => {
    const db = await openDatabase(database);
    await db.query(`create table if not exists ${table} (id text primary key, record text not null, expires_at timestamptz not null)`);
    await db.query(`create index if not exists ${table}_expires_idx on ${table} (expires_at)`);
    return db;
  });
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RampartError) throw error;
      throw new RampartError('ERR_RAMPART_SESSION_STORE', `PostgreSQL session store failed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    ensureTable: () => wrap(async () => void (await open())),
    get: (id) =>
      wrap(async () => {
        const rows = await (await open()).query<{ record: string }>(`select record from ${table} where id = $1 and expires_at > now()`, [id]);
        return rows[0]?.record;
      }),
    set: (id, record, ttl) =>
      wrap(async () => {
        await (await open()).query(
          `insert into ${table} (id, record, expires_at) values ($1, $2, now() + make_interval(secs => $3::float8))
           on conflict (id) do update set record = excluded.record, expires_at = excluded.expires_at`,
          [id, record, ttl],
        );
      }),
    update: (id, record, ttl) =>
      wrap(async () => {
        const rows = await (await open()).query(
          `update ${table} set record = $2, expires_at = now() + make_interval(secs => $3::float8)
           where id = $1 and expires_at > now() and record <> $4 returning id`,
          [id, record, ttl, SESSION_TOMBSTONE],
        );
        return rows.length > 0;
      }),
    patch: (id, change, ttl) =>
      compareAndSetLoop(
        () =>
          wrap(async () => {
            const rows = await (await open()).query<{ record: string }>(`select record from ${table} where id = $1 and expires_at > now()`, [id]);
            return rows[0]?.record;
          }),
        (expected, next) =>
          wrap(async () => {
            const db = await open();
            const written = await db.query(
              `update ${table} set record = $3, expires_at = now() + make_interval(secs => $4::float8)
               where id = $1 and record = $2 and expires_at > now() returning id`,
              [id, expected, next, ttl],
            );
            if (written.length > 0) return true;
            const rows = await db.query<{ record: string }>(`select record from ${table} where id = $1 and expires_at > now()`, [id]);
            return rows[0]?.record;
          }),
        change,
      ),
    delete: (id) => wrap(async () => void (await (await open()).query(`delete from ${table} where id = $1`, [id]))),
    prune: () => wrap(async () => (await (await open()).query(`delete from ${table} where expires_at <= now() returning id`)).length),
    async *scan() {
      let after = '';
      for (;;) {
        const page = await wrap(async () =>
          (await open()).query<{ id: string; record: string; expires_at: Date | string }>(
            `select id, record, expires_at from ${table} where id > $1 and expires_at > now() order by id limit 1000`,
            [after],
          ),
        );
        for (const row of page) yield { id: row.id, record: row.record, expiresAt: row.expires_at instanceof Date ? row.expires_at : new Date(row.expires_at) };
        if (page.length < 1000) return;
        after = page.at(-1)!.id;
      }
    },
    close: () => wrap(() => closeOpened(open)),
  };
}
