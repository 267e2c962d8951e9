import { configError } from '../core/options.ts';
import { RampartError } from '../errors.ts';
import { checkDatabase, checkTable, closeOpened, once, openDatabase, type DatabaseOption } from './database.ts';

/**
 * Remembers nonces (or signatures) for the replay window. `add` returns true when the
 * value is new (the request may proceed) and false when it was already seen.
 */
export interface NonceStore {
  add(nonce: string, ttlSeconds: number): Promise<boolean>;
  close?(): Promise<void> | void;
}

/**
 * In-process nonce store (single instance). Entries expire after their TTL (the replay
 * window). Bounded by `max` live entries (default 100,000): when it is full of entries
 * that have not expired, `add` fails (ERR_RAMPART_NONCE_STORE → 503) rather than forget a
 * live one, since forgetting would let that request be replayed. Size `max` for your
 * signed-request rate × window, or use a Redis/PostgreSQL store.
 */
export function memoryNonceStore(options: { max?: number } = {}): NonceStore {
  const max = options.max ?? 100_000;
  if (!Number.isInteger(max) || max < 1) throw configError('memoryNonceStore.max must be a positive integer.');
  const seen = new Map<string, number>();
  // No entry expires before this time: skip sweeps that cannot free anything.
  let nextExpiry = 0;
  return {
    async add(nonce, ttlSeconds) {
      const now = Date.now();
      const expires = seen.get(nonce);
      if (expires !== undefined && expires > now) return false;
      seen.delete(nonce);
      if (seen.size >= max && now >= nextExpiry) {
        let earliest = Infinity;
        for (const [key, exp] of seen) {
          if (exp <= now) seen.delete(key);
          else if (exp < earliest) earliest = exp;
        }
        nextExpiry = earliest;
      }
      if (seen.size >= max) {
        throw new Error(`the in-memory nonce store is full (${max} live entries); raise memoryNonceStore({ max }) or use a shared store`);
      }
      const until = now + ttlSeconds * 1000;
      seen.set(nonce, until);
      if (until < nextExpiry) nextExpiry = until;
      return true;
    },
  };
}

let shared: NonceStore | undefined;

/** The process-wide memory store that `verifyRequest` / `verifyHttpMessage` use when given none. */
export function defaultNonceStore(): NonceStore {
  shared ??= memoryNonceStore();
  return shared;
}

/** The subset of an ioredis client that the Redis nonce store uses. */
export interface RedisLike {
  set(...args: unknown[]): Promise<unknown>;
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

/** PostgreSQL / PGlite nonce store (the `database` option every rampart database takes: 'memory', a PGlite path, a postgres:// URL or your client, which is never closed): one INSERT … ON CONFLICT DO NOTHING per check. */
export function postgresNonceStore(options: { database?: DatabaseOption; table?: string } = {}): NonceStore & { prune(): Promise<number> } {
  const database = checkDatabase(options.database, 'postgresNonceStore');
  const table = checkTable(options.table ?? 'rampart_nonces', 'postgresNonceStore');
  const open = once(async () => {
    const db = await openDatabase(database);
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
    close: () => closeOpened(open),
  };
}

/** Record a nonce, turning store failures into ERR_RAMPART_NONCE_STORE (fail closed: 503, not 500). */
export async function addNonce(store: NonceStore, nonce: string, ttlSeconds: number): Promise<boolean> {
  try {
    return await store.add(nonce, ttlSeconds);
  } catch (error) {
    throw new RampartError('ERR_RAMPART_NONCE_STORE', `The nonce store failed: ${(error as Error).message}`, { cause: error });
  }
}
