/**
 * Signed-out dashboard sessions shared through the log's database, so that every process
 * reading the same SecurityLog refuses a cookie signed out on any one of them. One small table
 * beside the log, opened through the same connection the dashboard reads the log with.
 */
import type { Database } from '../stores/database.ts';

/** The table of signed-out session ids (one per database, whatever the log table is called). */
export const SIGNOUT_TABLE = 'rampart_dashboard_signouts';

/** SQLSTATE undefined_table: no process has signed out yet (or the role may only read the log). */
const UNDEFINED_TABLE = '42P01';

/** Sign-outs every dashboard on one database shares. */
export interface SharedSignOuts {
  /** True when session `id` was signed out by any process. Rejects when the database cannot say. */
  has(id: string): Promise<boolean>;
  /** Record the sign-out of `id` until `expires` (epoch seconds, the cookie's own expiry). Rejects when it could not be stored. */
  add(id: string, expires: number, now: number): Promise<void>;
}

/** Sign-outs kept in {@link SIGNOUT_TABLE} of the database `database()` opens (the log's). */
export function signOutsIn(database: () => Promise<Database>): SharedSignOuts {
  let created = false;
  return {
    async has(id) {
      const db = await database();
      try {
        return (await db.query(`select 1 from ${SIGNOUT_TABLE} where id = $1 limit 1`, [id])).length > 0;
      } catch (err) {
        if ((err as { code?: unknown })?.code === UNDEFINED_TABLE) return false;
        throw err;
      }
    },
    async add(id, expires, now) {
      const db = await database();
      if (!created) {
        // Two processes signing out for the first time at once could collide in the catalogue.
        await db.transaction(async (tx) => {
          await tx.query(`select pg_advisory_xact_lock(hashtext('${SIGNOUT_TABLE}'))`);
          await tx.query(`create table if not exists ${SIGNOUT_TABLE} (id text primary key, expires_at bigint not null)`);
        });
        created = true;
      }
      await db.query(`insert into ${SIGNOUT_TABLE} (id, expires_at) values ($1, $2) on conflict (id) do nothing`, [id, expires]);
      // Past their expiry the cookies are refused anyway: the table holds at most one lifetime of sign-outs.
      await db.query(`delete from ${SIGNOUT_TABLE} where expires_at < $1`, [Math.floor(now / 1000)]);
    },
  };
}
