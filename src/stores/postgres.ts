import { nodeCrypto } from '../core/builtin.ts';
import { checkKeys, configError, numberOption, optionsObject, renamedOption } from '../core/options.ts';
import { PEERS } from '../core/optional.ts';
import type { PostgresClientLike } from '../core/postgres.ts';
import { RampartError } from '../errors.ts';
import { freshState, stateTtl, step, toRateDecision, windowStart } from './algorithms.ts';
import { checkDatabase, DATABASE_SHAPES, openDatabase, type Database, type DatabaseOption, type DatabaseTarget } from './database.ts';
import type { Algorithm, BlockEntry, CounterState, Policy, RateDecision, RateLimitStore } from './types.ts';

/** Options of {@link postgresStore}: where the counters live (`database`, the shape every rampart database option takes). */
export interface PostgresStoreOptions {
  /**
   * The same shape as every rampart database option: a `postgres://` URL (the store opens and
   * closes its own pool; needs `npm install postgres`), a postgres.js client (never closed by the
   * store), or an embedded PGlite (a path, `'memory'` or a PGlite instance: one process only).
   */
  database?: DatabaseOption;
  /** @deprecated The old name of `database` for a postgres.js client (not closed by the store). */
  sql?: PostgresClientLike;
  /** @deprecated The old name of `database` for a `postgres://user@host:port/db` URL. */
  url?: string;
  /** Table name prefix (default `rampart_`): tables `<prefix>rate_limit` and `<prefix>blocks`. */
  tablePrefix?: string;
  /** Connection pool size for a client the store creates (default 10). */
  poolSize?: number;
}

/** A PostgreSQL store; `open()` creates its tables (the first decision calls it too). */
export interface PostgresStore extends RateLimitStore {
  /** Create the tables if missing (UNLOGGED: counters need no WAL). Safe to call repeatedly. */
  open(): Promise<void>;
  /** Delete expired counters and blocks; returns the number of counter rows removed. */
  cleanup(now?: number): Promise<number>;
}

// Fixed window: rolled state of the existing row r at now ($2), window start ($7), window ($3).
const CURR = 'CASE WHEN r.a >= $7 THEN r.c ELSE 0 END';
// Sliding window: r.a = last admission, r.b = count of the window before r.a's, r.c = count
// of r.a's window; judged at T = GREATEST(now, r.a) (a clock behind never gains capacity).
// The previous window weighs nothing once a whole window has passed since the last admission.
const S_T = 'GREATEST($2, r.a)';
const S_WS = '($3 * floor(r.a / $3))';
const S_CS = `($3 * floor(${S_T} / $3))`;
const S_PREV = `(CASE WHEN ${S_CS} <= ${S_WS} THEN r.b WHEN ${S_CS} = ${S_WS} + $3 AND ${S_T} < r.a + $3 THEN r.c ELSE 0 END)`;
const S_CUR = `(CASE WHEN ${S_CS} <= ${S_WS} THEN r.c ELSE 0 END)`;
const SLIDE_OK = `(${S_PREV} * ($3 - (${S_T} - ${S_CS})) / $3 + ${S_CUR} + $5 <= $4 + 1e-6)`;
const TOKENS = 'LEAST($4, r.b + GREATEST($2 - r.a, 0) * $4 / $3)';
const TAT = 'GREATEST(r.a, $2)';
const GCRA_OK = `(${TAT} + ($3 / $4) * $5 - $2 <= $3 + 1e-3)`;

/**
 * One INSERT … ON CONFLICT DO UPDATE per algorithm: the row lock taken by the upsert makes
 * the read-modify-write atomic per key across every connection. Parameters:
 * $1 key, $2 now, $3 window ms, $4 limit, $5 cost, $6 expires_at, $7 window start.
 * The arithmetic mirrors src/stores/algorithms.ts `step()`.
 */
export function consumeStatement(table: string, algorithm: Algorithm): string {
  const head = `INSERT INTO ${table} AS r (key, a, b, c, ok, expires_at) VALUES `;
  // Every parameter is referenced (and so typed) in every statement, even where an algorithm ignores it.
  const tail =
    'WHERE $1 IS NOT NULL AND $2 IS NOT NULL AND $3 IS NOT NULL AND $4 IS NOT NULL AND $5 IS NOT NULL AND $6 IS NOT NULL AND $7 IS NOT NULL RETURNING a, b, c, ok';
  const cast = (sql: string): string => sql.replaceAll('$1', '$1::text').replace(/\$([2-7])(?!\d)/g, '$$$1::float8');
  let text: string;
  switch (algorithm) {
    case 'sliding-window':
      // A refused request leaves the row as it was (SET evaluates every expression on the old row).
      text = `${head}($1, CASE WHEN $5 <= $4 THEN $2 ELSE $2 - 2 * $3 END, 0, CASE WHEN $5 <= $4 THEN $5 ELSE 0 END, $5 <= $4, GREATEST($6, $2))
        ON CONFLICT (key) DO UPDATE SET
          a = CASE WHEN ${SLIDE_OK} THEN ${S_T} ELSE r.a END,
          b = CASE WHEN ${SLIDE_OK} THEN ${S_PREV} ELSE r.b END,
          c = CASE WHEN ${SLIDE_OK} THEN ${S_CUR} + $5 ELSE r.c END,
          ok = ${SLIDE_OK},
          expires_at = CASE WHEN ${SLIDE_OK} THEN GREATEST($6, ${S_T} + $3) ELSE r.expires_at END ${tail}`;
      break;
    case 'fixed-window':
      text = `${head}($1, $7, 0, CASE WHEN $5 <= $4 THEN $5 ELSE 0 END, $5 <= $4, GREATEST($6, $2))
        ON CONFLICT (key) DO UPDATE SET
          a = GREATEST(r.a, $7),
          b = 0,
          c = ${CURR} + CASE WHEN ${CURR} + $5 <= $4 THEN $5 ELSE 0 END,
          ok = ${CURR} + $5 <= $4,
          expires_at = GREATEST($6, $2) ${tail}`;
      break;
    case 'token-bucket':
      text = `${head}($1, $2, CASE WHEN $5 <= $4 THEN $4 - $5 ELSE $4 END, 0, $5 <= $4, GREATEST($6, $2))
        ON CONFLICT (key) DO UPDATE SET
          a = GREATEST($2, r.a),
          b = GREATEST(0, ${TOKENS} - CASE WHEN ${TOKENS} + 1e-6 >= $5 THEN $5 ELSE 0 END),
          c = 0,
          ok = ${TOKENS} + 1e-6 >= $5,
          expires_at = GREATEST($6, $2) ${tail}`;
      break;
    case 'gcra':
      text = `${head}($1, CASE WHEN ($3 / $4) * $5 <= $3 THEN $2 + ($3 / $4) * $5 ELSE $2 END, 0, 0, ($3 / $4) * $5 <= $3, GREATEST($6, $2))
        ON CONFLICT (key) DO UPDATE SET
          a = CASE WHEN ${GCRA_OK} THEN ${TAT} + ($3 / $4) * $5 ELSE ${TAT} END,
          b = 0,
          c = 0,
          ok = ${GCRA_OK},
          expires_at = GREATEST($6, $2) ${tail}`;
      break;
  }
  return cast(text);
}

/**
 * A PostgreSQL store (postgres.js) for multi-server deployments without Redis: one
 * statement per decision, atomic per key through the upsert's row lock. Several policies at
 * once (a rule and the global limit) are decided in one transaction that locks every
 * counter: all of them count the request, or none does.
 *
 * @example
 * const store = postgresStore({ url: process.env.DATABASE_URL });
 * await store.open();
 * const limiter = rateLimit({ maxRequests: 100, window: 60, store });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const o = optionsObject(options, 'postgresStore');
  checkKeys(o, ['database', 'sql', 'url', 'tablePrefix', 'poolSize'], 'postgresStore');
  const target = storeTarget(o);
  const tablePrefix = options.tablePrefix ?? 'rampart_';
  if (typeof tablePrefix !== 'string' || !/^[a-z_][a-z0-9_]{0,40}$/.test(tablePrefix)) {
    throw configError('postgresStore.tablePrefix must be a lower-case SQL identifier prefix such as "rampart_".');
  }
  const poolSize = options.poolSize === undefined ? 10 : numberOption(options.poolSize, 'postgresStore.poolSize', 1, 1000);
  const counters = `${tablePrefix}rate_limit`;
  const blockTable = `${tablePrefix}blocks`;
  const statements = new Map<Algorithm, string>();
  // The database (and the optional peer behind a URL) is opened by the first decision or open().
  let db: Database | undefined;
  let opening: Promise<Database> | undefined;
  let closed = false;
  const create = async (): Promise<Database> => {
    const database = await openDatabase(target, { poolSize, connectTimeout: 2, idleTimeout: 30, prepare: true }, PEERS.postgresStore);
    try {
      // Concurrent CREATE TABLE IF NOT EXISTS from several servers can collide in the
      // catalogue; an advisory lock serialises the DDL.
      await database.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('${counters}'))`);
        await tx.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${counters} (
          key text PRIMARY KEY, a float8 NOT NULL, b float8 NOT NULL, c float8 NOT NULL, ok boolean NOT NULL, expires_at float8 NOT NULL)`);
        await tx.query(`CREATE INDEX IF NOT EXISTS ${counters}_expires ON ${counters} (expires_at)`);
        await tx.query(`CREATE TABLE IF NOT EXISTS ${blockTable} (target text PRIMARY KEY, until float8 NOT NULL, reason text NOT NULL)`);
      });
      return database;
    } catch (error) {
      await database.close().catch(() => undefined);
      throw error;
    }
  };
  const open = async (): Promise<void> => {
    if (closed) throw storeError(new Error('the store is closed'));
    // A failed open is not kept: the next decision tries again (the server may be back).
    opening ??= create().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    try {
      db = await opening;
    } catch (error) {
      throw storeError(error);
    }
  };

  const query = async <T>(text: string, params: unknown[]): Promise<T[]> => {
    if (db === undefined) await open();
    try {
      return await db!.query<T>(text, params);
    } catch (error) {
      throw storeError(error);
    }
  };

  const rowKey = (policy: Policy, key: string): string =>
    `${policy.id}:${key.length <= 200 ? key : nodeCrypto().createHash('sha256').update(key).digest('base64url')}`;

  return {
    kind: 'remote',
    open,
    async consume(key, policy, now, cost = 1): Promise<RateDecision> {
      if (cost === 0) {
        // A peek reads: the upsert would create a row for a new client and move an existing one.
        const rows = await query<{ a: number; b: number; c: number }>(`SELECT a, b, c FROM ${counters} WHERE key = $1`, [rowKey(policy, key)]);
        const row = rows[0];
        const state = row === undefined ? freshState(policy, now) : { a: Number(row.a), b: Number(row.b), c: Number(row.c) };
        return toRateDecision(policy, state, now, step(policy, state, now, 0));
      }
      let text = statements.get(policy.algorithm);
      if (text === undefined) {
        text = consumeStatement(counters, policy.algorithm);
        statements.set(policy.algorithm, text);
      }
      const expires = now + policy.windowMs;
      const rows = await query<{ a: number; b: number; c: number; ok: boolean }>(text, [
        rowKey(policy, key),
        now,
        policy.windowMs,
        policy.limit,
        cost,
        expires,
        windowStart(now, policy.windowMs),
      ]);
      const row = rows[0]!;
      return toRateDecision(policy, { a: Number(row.a), b: Number(row.b), c: Number(row.c) }, now, row.ok);
    },
    async consumeAll(key, policies, now, out): Promise<number> {
      if (db === undefined) await open();
      const keys = policies.map((p) => rowKey(p, key));
      const fresh = policies.map((p) => freshState(p, now));
      try {
        return await db!.transaction(async (tx) => {
          // Every counter gets a row first (a fresh one counts nothing), so all of them can be
          // locked: concurrent consume() upserts and other consumeAll() wait until this commits.
          await tx.query(
            `INSERT INTO ${counters} (key, a, b, c, ok, expires_at)
            SELECT k, a, b, c, true, $5::float8 FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[]) AS f(k, a, b, c)
            ON CONFLICT (key) DO NOTHING`,
            [keys, fresh.map((s) => s.a), fresh.map((s) => s.b), fresh.map((s) => s.c), now + Math.max(...policies.map((p) => p.windowMs))],
          );
          const rows = await tx.query<{ key: string; a: number; b: number; c: number }>(
            `SELECT key, a, b, c FROM ${counters} WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
            [keys],
          );
          const byKey = new Map(rows.map((r) => [r.key, { a: Number(r.a), b: Number(r.b), c: Number(r.c) }]));
          const stored: CounterState[] = keys.map((k, i) => byKey.get(k) ?? fresh[i]!);
          const states: CounterState[] = [];
          for (let i = 0; i < policies.length; i++) {
            const state = { ...stored[i]! };
            if (!step(policies[i]!, state, now, 1)) {
              // Refused by one: nothing is counted; every decision is the stored state (as get()).
              for (let j = 0; j < policies.length; j++) out[j] = readDecision(policies[j]!, stored[j]!, now);
              return i;
            }
            out[i] = toRateDecision(policies[i]!, state, now, true);
            states.push(state);
          }
          await tx.query(
            `UPDATE ${counters} AS r SET a = f.a, b = f.b, c = f.c, ok = true, expires_at = GREATEST(r.expires_at, f.e)
            FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::float8[]) AS f(k, a, b, c, e) WHERE r.key = f.k`,
            [
              keys,
              states.map((s) => s.a),
              states.map((s) => s.b),
              states.map((s) => s.c),
              policies.map((p, i) => now + Math.max(p.windowMs, stateTtl(p, states[i]!, now))),
            ],
          );
          return -1;
        });
      } catch (error) {
        throw storeError(error);
      }
    },
    async get(key, policy, now) {
      const rows = await query<{ a: number; b: number; c: number }>(`SELECT a, b, c FROM ${counters} WHERE key = $1`, [rowKey(policy, key)]);
      if (rows.length === 0) return undefined;
      return readDecision(policy, { a: Number(rows[0]!.a), b: Number(rows[0]!.b), c: Number(rows[0]!.c) }, now);
    },
    async reset(key, policy) {
      if (policy === undefined) throw configError('postgresStore.reset(key, policy) needs the policy whose counter to delete.');
      await query(`DELETE FROM ${counters} WHERE key = $1`, [rowKey(policy, key)]);
    },
    async block(target, until, reason) {
      await query(
        `INSERT INTO ${blockTable} (target, until, reason) VALUES ($1, $2, $3)
        ON CONFLICT (target) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason`,
        [target, until, reason],
      );
    },
    async unblock(target) {
      await query(`DELETE FROM ${blockTable} WHERE target = $1`, [target]);
    },
    async blocked(target, now) {
      const rows = await query<{ until: number; reason: string }>(`SELECT until, reason FROM ${blockTable} WHERE target = $1 AND until > $2`, [target, now]);
      return rows.length === 0 ? undefined : { target, until: Number(rows[0]!.until), reason: rows[0]!.reason };
    },
    async blocks(now) {
      const rows = await query<{ target: string; until: number; reason: string }>(`SELECT target, until, reason FROM ${blockTable} WHERE until > $1`, [now]);
      return rows.map((r): BlockEntry => ({ target: r.target, until: Number(r.until), reason: r.reason }));
    },
    async cleanup(now = Date.now()) {
      const deleted = await query(`DELETE FROM ${counters} WHERE expires_at < $1 RETURNING 1`, [now]);
      await query(`DELETE FROM ${blockTable} WHERE until <= $1`, [now]);
      return deleted.length;
    },
    async close() {
      closed = true;
      const database = db ?? (await opening?.catch(() => undefined));
      db = undefined;
      opening = undefined;
      await database?.close();
    },
  };
}

/** The decision a stored state stands for at `now`, counting nothing (`state` is not changed). */
function readDecision(policy: Policy, stored: CounterState, now: number): RateDecision {
  const state = { ...stored };
  step(policy, state, now, 0);
  const d = toRateDecision(policy, state, now, true);
  return d.remaining >= 1 ? d : toRateDecision(policy, state, now, false);
}

/**
 * The one `database` of the options, checked (the messages name the shapes). `sql` (a client)
 * and `url` (a URL) are its deprecated older names: accepted with one DeprecationWarning each.
 */
function storeTarget(options: Record<string, unknown>): DatabaseTarget {
  if (options.sql !== undefined && options.url !== undefined) throw configError('postgresStore: sql and url are old names of database; give only database.');
  const old = options.sql !== undefined ? 'sql' : options.url !== undefined ? 'url' : undefined;
  if (old === undefined) {
    if (options.database === undefined) throw configError(`postgresStore needs a database: ${DATABASE_SHAPES}.`);
    return checkDatabase(options.database, 'postgresStore', { fallback: 'required', urlPeer: PEERS.postgresStore });
  }
  const value = renamedOption(options, 'database', old, 'postgresStore');
  // The old names keep their meaning: `sql` a postgres.js client, `url` a postgres:// URL.
  return checkDatabase(value, `postgresStore.${old}`, { fallback: 'required', urlPeer: PEERS.postgresStore, backends: ['postgres'] });
}

function storeError(error: unknown): RampartError {
  if (error instanceof RampartError) return error;
  return new RampartError('ERR_RAMPART_RATE_LIMIT_STORE', `rate-limit store (PostgreSQL) failed: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}
