import { RampartError } from '../../errors.ts';
import type { SessionStore } from '../../stores/sessions.ts';

/**
 * The store as the sessions middleware calls it: every call is bounded by `timeoutMs`, and
 * any failure — a timeout, or an error a custom store throws (a plain Error, a driver error)
 * — becomes ERR_RAMPART_SESSION_STORE, so the middleware answers 503 + Retry-After for every
 * store alike instead of a 500. Other RampartErrors (a missing optional dependency) pass
 * through unchanged: they are not outages.
 */
export function guardSessionStore(store: SessionStore, timeoutMs: number): Pick<SessionStore, 'get' | 'set' | 'update' | 'delete'> {
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RampartError('ERR_RAMPART_SESSION_STORE', `The session store did not answer ${what} within ${timeoutMs / 1000} s.`)),
        timeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([Promise.resolve().then(run), timeout]);
    } catch (error) {
      if (error instanceof RampartError) throw error;
      throw new RampartError('ERR_RAMPART_SESSION_STORE', `The session store failed on ${what}: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get: (id) => call('get', () => store.get(id)),
    set: (id, record, ttl) => call('set', () => store.set(id, record, ttl)),
    update: async (id, record, ttl) => (await call('update', () => store.update(id, record, ttl))) === true,
    delete: (id) => call('delete', () => store.delete(id)),
  };
}
