import { configError } from '../../core/options.ts';
import { RampartError } from '../../errors.ts';
import { checkDatabase, checkTable, connect, lazy, type DatabaseOption } from '../shared/database.ts';

/**
 * Remembers nonces (or signatures) for the replay window. `add` returns true when the
 * value is new (the request may proceed) and false when it was already seen.
 */
export interface NonceStore {
  add(nonce: string, ttlSeconds: number): Promise<boolean>;
  close?(): Promise<void> | void;
}

/** In-process nonce store (single instance). Bounded: the oldest entries go first when full. */
export function memoryNonceStore(options: { max?: number } = {}): NonceStore {
  const max = options.max ?? 100_000;
  if (!Number.isInteger(max) || max < 1) throw configError('memoryNonceStore.max must be a positive integer.');
  const seen = new Map<string, number>();
  return {
    async add(nonce, ttlSeconds) {
      const now = Date.now();
      const expires = seen.get(nonce);
      if (expires !== undefined && expires > now) return false;
      seen.delete(nonce);
      seen.set(nonce, now + ttlSeconds * 1000);
      if (seen.size > max) {
        // Maps iterate in insertion order: drop expired entries, then the oldest.
        for (const [key, exp] of seen) {
          if (seen.size <= max && exp > now) break;
          seen.delete(key);
        }
      }
      return true;
    },
  };
}

/** The subset of an ioredis client that the Redis nonce store uses. */
export interface RedisLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  set(...args: any[]): Promise<unknown>;
}

/** Redis nonce store (`SET key 1 EX ttl NX`, one round trip), shared by every instance. */
export function redisNonceStore(client: RedisLike, options: { prefix?: string } = {}): NonceStore {
  if (client === null || typeof client !== 'object' || typeof client.set !== 'function') throw configError('redisNonceStore needs an ioredis client.');
  const prefix = options.prefix ?? 'rampart:nonce:';
  return {
    async add(nonce, ttlSeconds) {
      return (await client.set(prefix + nonce, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')) === 'OK';
    },
  };
}

/** PostgreSQL / PGlite nonce store (same `database` option as SecurityLog): one INSERT … ON CONFLICT DO NOTHING per check. */
export function postgresNonceStore(options: { database?: DatabaseOption; table?: string } = {}): NonceStore & { prune(): Promise<number> } {
  const database = checkDatabase(options.database, 'postgresNonceStore');
  const table = checkTable(options.table ?? 'rampart_nonces', 'postgresNonceStore');
  const open = lazy(async () => {
    const db = await connect(database);
    await db.query(`create table if not exists ${table} (nonce text primary key, expires_at timestamptz not null)`);
    return db;
  });
  return {
    async add(nonce, ttlSeconds) {
      const db = await open();
      // An expired row for the same nonce is replaced; a live one makes the insert a no-op.
      const rows = await db.query(
        `insert into ${table} (nonce, expires_at) values ($1, now() + make_interval(secs => $2::float8))
         on conflict (nonce) do update set expires_at = excluded.expires_at where ${table}.expires_at <= now()
         returning nonce`,
        [nonce, ttlSeconds],
      );
      return rows.length === 1;
    },
    async prune() {
      return (await (await open()).query(`delete from ${table} where expires_at <= now() returning nonce`)).length;
    },
    async close() {
      await (await open()).close();
    },
  };
}

/** Record a nonce, turning store failures into ERR_RAMPART_NONCE_STORE (fail closed: 503, not 500). */
export async function addNonce(store: NonceStore, nonce: string, ttlSeconds: number): Promise<boolean> {
  try {
    return await store.add(nonce, ttlSeconds);
  } catch (error) {
    throw new RampartError('ERR_RAMPART_NONCE_STORE', `The nonce store failed: ${(error as Error).message}`, { cause: error, status: 503 });
  }
}
