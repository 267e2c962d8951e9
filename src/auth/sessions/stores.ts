import { RampartError } from '../../errors.ts';
import { configError } from '../../core/options.ts';
import { checkDatabase, checkTable, connect, lazy, type DatabaseOption } from '../shared/database.ts';

/**
 * Where sessions live. Records are opaque JSON strings; `ttl` is in seconds. Stores only
 * need get/set/delete — expiry rules are applied by the sessions middleware.
 */
export interface SessionStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, record: string, ttl: number): Promise<void>;
  delete(id: string): Promise<void>;
  close?(): Promise<void>;
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
    async delete(id) {
      map.delete(id);
    },
  };
}

/** The subset of an ioredis client the Redis session store uses. */
export interface RedisSessionClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(key: string): Promise<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  set(...args: any[]): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  del(...keys: any[]): Promise<unknown>;
}

/** Redis store (ioredis client): one GET per lookup, SET … EX per write. */
export function redisSessionStore(client: RedisSessionClient, options: { prefix?: string } = {}): SessionStore {
  if (client === null || typeof client !== 'object' || typeof client.get !== 'function') throw configError('redisSessionStore needs an ioredis client.');
  const prefix = options.prefix ?? 'rampart:sess:';
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw new RampartError('ERR_RAMPART_SESSION_STORE', `Redis session store failed: ${(error as Error).message}`, { cause: error, status: 503 });
    }
  };
  return {
    get: (id) => wrap(async () => ((await client.get(prefix + id)) as string | null) ?? undefined),
    set: (id, record, ttl) => wrap(async () => void (await client.set(prefix + id, record, 'EX', Math.max(1, Math.ceil(ttl))))),
    delete: (id) => wrap(async () => void (await client.del(prefix + id))),
  };
}

/** PostgreSQL / PGlite store (same `database` option as SecurityLog). Call prune() periodically to delete expired rows. */
export function postgresSessionStore(options: { database?: DatabaseOption; table?: string } = {}): SessionStore & { prune(): Promise<number>; ensureTable(): Promise<void> } {
  const database = checkDatabase(options.database, 'postgresSessionStore');
  const table = checkTable(options.table ?? 'rampart_sessions', 'postgresSessionStore');
  const open = lazy(async () => {
    const db = await connect(database);
    await db.query(`create table if not exists ${table} (id text primary key, record text not null, expires_at timestamptz not null)`);
    await db.query(`create index if not exists ${table}_expires_idx on ${table} (expires_at)`);
    return db;
  });
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RampartError) throw error;
      throw new RampartError('ERR_RAMPART_SESSION_STORE', `PostgreSQL session store failed: ${(error as Error).message}`, { cause: error, status: 503 });
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
    delete: (id) => wrap(async () => void (await (await open()).query(`delete from ${table} where id = $1`, [id]))),
    prune: () => wrap(async () => (await (await open()).query(`delete from ${table} where expires_at <= now() returning id`)).length),
    close: () => wrap(async () => (await open()).close()),
  };
}
