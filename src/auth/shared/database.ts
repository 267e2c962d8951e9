/**
 * The auth tables (API keys here; the session and nonce stores in src/stores/) open their
 * database through the one opener in src/stores/database.ts: the same `database` option shape,
 * the same checks, an embedded PGlite in a worker thread. Kept under these names for the API
 * key manager.
 */
export {
  checkDatabase,
  checkTable,
  once as lazy,
  openDatabase as connect,
  type Database as SqlConnection,
  type DatabaseOption,
} from '../../stores/database.ts';
