import { RampartError } from '../../errors.ts';
import { SESSION_TOMBSTONE, type SessionStore } from '../../stores/sessions.ts';

/** What a session store outage asks of the client, in the middleware's 503 and in the error a handler gets. */
export const STORE_RETRY_AFTER: Readonly<Record<string, string>> = Object.freeze({ 'retry-after': '5' });

/**
 * The store as the sessions middleware calls it: every call is bounded by `timeoutMs`, and
 * any failure — a timeout, or an error a custom store throws (a plain Error, a driver error)
 * — becomes ERR_RAMPART_SESSION_STORE, so the middleware answers 503 + Retry-After for every
 * store alike instead of a 500. Other RampartErrors (a missing optional dependency) pass
 * through unchanged: they are not outages.
 */
export function guardSessionStore(
  store: SessionStore,
  timeoutMs: number,
): Pick<SessionStore, 'get' | 'set' | 'update' | 'delete'> & Required<Pick<SessionStore, 'patch'>> {
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RampartError('ERR_RAMPART_SESSION_STORE', `The session store did not answer ${what} within ${timeoutMs / 1000} s.`, {
              headers: STORE_RETRY_AFTER,
            }),
          ),
        timeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([Promise.resolve().then(run), timeout]);
    } catch (error) {
      // A handler that lets the error escape gets 503 + Retry-After from every adapter (error.headers).
      if (error instanceof RampartError && error.code === 'ERR_RAMPART_SESSION_STORE' && error.headers === undefined)
        throw new RampartError(error.code, error.message, { cause: error.cause, headers: STORE_RETRY_AFTER });
      if (error instanceof RampartError) throw error;
      throw new RampartError('ERR_RAMPART_SESSION_STORE', `The session store failed on ${what}: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
        headers: STORE_RETRY_AFTER,
      });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get: (id) => call('get', () => store.get(id)),
    set: (id, record, ttl) => call('set', () => store.set(id, record, ttl)),
    update: async (id, record, ttl) => (await call('update', () => store.update(id, record, ttl))) === true,
    patch: (id, change, ttl) => call('patch', () => (store.patch !== undefined ? store.patch(id, change, ttl) : patchWithUpdate(store, id, change, ttl))),
    delete: (id) => call('delete', () => store.delete(id)),
  };
}

/**
 * patch() for a custom store that has only update(): read, change, replace if still live. A
 * write another request makes between the read and the update is lost (last writer wins for
 * the whole record); a destroyed or rotated session still never comes back (update() refuses).
 */
async function patchWithUpdate(store: SessionStore, id: string, change: (record: string) => string, ttl: number): Promise<string | undefined> {
  const current = await store.get(id);
  if (current === undefined || current === SESSION_TOMBSTONE) return undefined;
  const next = change(current);
  return (await store.update(id, next, ttl)) ? next : undefined;
}
