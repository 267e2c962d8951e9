import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../../errors.ts';
import { serializeCookie } from '../../core/cookies.ts';
import { recordConfig } from '../../core/config-registry.ts';
import type { Middleware, RequestView, ResponseControl } from '../../core/types.ts';
import { localOf } from '../shared/http.ts';
import { problem } from '../../core/problem.ts';
import { jsonCopy, parseJson, type JsonValue } from './data.ts';
import { SESSION_TOMBSTONE, type SessionStore } from '../../stores/sessions.ts';
import { guardSessionStore, STORE_RETRY_AFTER } from './guarded-store.ts';
import { compileSessionOptions, cookiePrefixOf, type SessionOptions } from './options.ts';

export type { SessionOptions } from './options.ts';

interface StoredRecord {
  data: { [key: string]: JsonValue };
  created: number;
  seen: number;
  expires: number;
  csrf: string;
  destroyed?: true;
}

const ID = /^[A-Za-z0-9_-]{43}$/;
const TOMBSTONE_TTL = 86400;
const EXPIRED_GRACE = 86400;

/** One request's session (see {@link getSession}). Mutations are written to the store at once: await them before responding. */
export interface Session {
  /** The session id ('' until the session is saved for the first time). Never put it in URLs or logs. */
  readonly id: string;
  /** True when no stored session came with the request. */
  readonly isNew: boolean;
  /** A per-session CSRF token; rotated by regenerate(). */
  readonly csrfToken: string;
  /** A deep copy of the session data. */
  readonly data: Readonly<Record<string, JsonValue>>;
  get<T extends JsonValue = JsonValue>(key: string): T | undefined;
  /**
   * Set a JSON value and save (creates the session and its cookie on first use). Like every
   * mutation, writes only this change into the session as stored now (keys other requests
   * changed meanwhile keep their values; for the same key the last write wins), and rejects
   * with ERR_RAMPART_SESSION_ENDED (409; nothing written, the cookie left alone) when another
   * request destroyed or regenerated this session while this one ran.
   */
  set(key: string, value: unknown): Promise<void>;
  /** Remove a key and save. */
  delete(key: string): Promise<void>;
  /** Replace all data and save (keys another request set meanwhile are replaced too). */
  replace(data: Record<string, unknown>): Promise<void>;
  /**
   * New id for the same visitor (call on login and privilege change: prevents session
   * fixation). Data is cleared unless `keepData`, which also keeps the absolute expiry (a new
   * id never extends `maxAge`); the CSRF token is rotated; the old id is invalidated. With
   * `keepData`, the data is the session's latest (changes other requests made meanwhile come
   * along), and a session another request ended or rotated meanwhile is
   * ERR_RAMPART_SESSION_ENDED without a cookie change (two tabs rotating at once: the first
   * wins, its cookie stays); without it a fresh session starts regardless.
   */
  regenerate(options?: { keepData?: boolean }): Promise<void>;
  /** Delete the session and clear the cookie (logout). */
  destroy(): Promise<void>;
}

/** The sessions middleware (also closes its store). */
export interface SessionsMiddleware extends Middleware {
  readonly store: SessionStore;
}

/**
 * Server-side sessions for every adapter. Ids are 256-bit random, signed (a forged id is
 * rejected without touching the store), kept in a `__Host-sid` cookie (HttpOnly, Secure,
 * SameSite=Lax) over HTTPS. Absolute and idle timeouts, regenerate() against fixation,
 * JSON-only data. Events: SESSION_CREATED, SESSION_DESTROYED, SESSION_EXPIRED,
 * SESSION_FIXATION_ATTEMPT (an id the store never issued or already destroyed).
 *
 * @example
 * const shield = stack([sessions({ secret: process.env.SESSION_SECRET!, store: redisSessionStore(redis) })]);
 * // in a handler (any adapter):
 * const session = getSession(req)!;
 * await session.regenerate();                // on login
 * await session.set('user', { id: 'u1', roles: ['editor'] });
 */
export function sessions(options: SessionOptions): SessionsMiddleware {
  const {
    secrets,
    store: callerStore,
    storeTimeoutMs,
    maxAgeMs,
    idleMs,
    browserSession,
    secure,
    sameSite,
    cookieName: baseName,
    maxDataBytes: maxBytes,
  } = compileSessionOptions(options);
  recordConfig('sessions', { secure, sameSite });
  // A name with its own prefix is only accepted with secure: true (compileSessionOptions).
  const prefixed = cookiePrefixOf(baseName) !== undefined;
  const store = guardSessionStore(callerStore, storeTimeoutMs);

  const mac = (id: string, key = secrets[0]): Buffer => createHmac('sha256', key).update(id).digest();
  const sign = (id: string): string => `${id}.${mac(id).toString('base64url')}`;
  const unsign = (value: string): string | undefined => {
    const dot = value.indexOf('.');
    const id = value.slice(0, dot);
    const given = value.slice(dot + 1);
    if (dot !== 43 || !ID.test(id) || !/^[A-Za-z0-9_-]{43}$/.test(given)) return undefined;
    const givenBytes = Buffer.from(given, 'base64url');
    let ok = false;
    for (const key of secrets) if (timingSafeEqual(mac(id, key), givenBytes)) ok = true;
    return ok ? id : undefined;
  };
  const newId = (): string => randomBytes(32).toString('base64url');
  const newCsrf = (): string => randomBytes(32).toString('base64url');

  async function load(id: string): Promise<StoredRecord | 'missing' | 'destroyed'> {
    const text = await store.get(id);
    return text === undefined ? 'missing' : readRecord(text);
  }

  function readRecord(text: string): StoredRecord | 'missing' | 'destroyed' {
    let record: StoredRecord;
    try {
      record = parseJson(text) as StoredRecord;
    } catch {
      return 'missing';
    }
    if (record === null || typeof record !== 'object') return 'missing';
    if (record.destroyed === true) return 'destroyed';
    if (typeof record.expires !== 'number' || typeof record.seen !== 'number' || record.data === null || typeof record.data !== 'object') return 'missing';
    return record;
  }

  const middleware: SessionsMiddleware = Object.freeze({
    name: 'sessions',
    store: callerStore,
    async handle(req: RequestView, res: ResponseControl) {
      try {
        return await attach(req, res);
      } catch (error) {
        if (!(error instanceof RampartError) || error.code !== 'ERR_RAMPART_SESSION_STORE') throw error;
        // Fail closed without a 500: the request cannot be tied to its session right now.
        return problem(503, 'Sessions are temporarily unavailable.', { headers: { ...STORE_RETRY_AFTER } });
      }
    },
    async close() {
      await callerStore.close?.();
    },
  });
  return middleware;

  async function attach(req: RequestView, res: ResponseControl): Promise<undefined> {
    const isSecure = secure === true || (secure === 'auto' && req.secure);
    const cookieName = isSecure && !prefixed ? `__Host-${baseName}` : baseName;
    const cookieOptions = { path: '/', httpOnly: true, secure: isSecure, sameSite };
    const now = Date.now();
    const raw = req.cookie(cookieName);
    let id = '';
    let record: StoredRecord | undefined;
    // The request came with an id that another request destroyed or rotated: its writes are
    // refused (ended) instead of starting an anonymous session, whose cookie would replace the
    // rotated one in the browser. A login (regenerate() without keepData) may still start one.
    let endedElsewhere = false;
    const clearCookie = () => res.append('set-cookie', serializeCookie(cookieName, '', { ...cookieOptions, maxAge: 0 }));
    if (raw !== undefined && raw !== '') {
      const verified = unsign(raw);
      if (verified === undefined) {
        req.emit('INVALID_TOKEN', 'session: cookie signature invalid');
        clearCookie();
      } else {
        const loaded = await load(verified);
        if (loaded === 'missing' || loaded === 'destroyed') {
          req.emit('SESSION_FIXATION_ATTEMPT', loaded === 'destroyed' ? 'session id was destroyed' : 'session id unknown to the store');
          // A destroyed id may be one a concurrent request just rotated, whose response sets
          // (or set) the new cookie: clearing here could delete that one. The id is dead in
          // the store either way; this request simply has no session.
          if (loaded === 'missing') clearCookie();
          else endedElsewhere = true;
        } else if (loaded.expires <= now || loaded.seen + idleMs <= now) {
          req.emit('SESSION_EXPIRED', loaded.expires <= now ? 'absolute timeout' : 'idle timeout');
          await store.delete(verified);
          clearCookie();
        } else {
          id = verified;
          record = loaded;
        }
      }
    }
    let state: StoredRecord = record ?? { data: {}, created: now, seen: now, expires: now + maxAgeMs, csrf: newCsrf() };

    const ttlOf = (r: StoredRecord) => Math.max(1, Math.ceil((r.expires - Date.now()) / 1000) + EXPIRED_GRACE);
    const setCookie = () => {
      const opts = browserSession ? cookieOptions : { ...cookieOptions, maxAge: Math.max(0, Math.floor((state.expires - Date.now()) / 1000)) };
      res.append('set-cookie', serializeCookie(cookieName, sign(id), opts));
    };
    const blank = (): StoredRecord => ({ data: {}, created: Date.now(), seen: Date.now(), expires: Date.now() + maxAgeMs, csrf: newCsrf() });
    // Another request destroyed or regenerated this id after this one loaded it: the write was
    // refused by the store (patch() never revives a tombstone), so this request drops its
    // changes, forgets the id and fails loudly rather than act on a session that is gone. The
    // cookie is left alone: after a rotation the browser holds (or is about to get) the new one.
    const ended = (): never => {
      id = '';
      state = blank();
      endedElsewhere = true;
      req.emit('SESSION_DESTROYED', 'stale write refused: the session ended in another request');
      throw new RampartError(
        'ERR_RAMPART_SESSION_ENDED',
        'The session was destroyed or regenerated by another request while this one ran; the change was not saved.',
      );
    };
    const encode = (r: StoredRecord): string => {
      const text = JSON.stringify(r);
      if (Buffer.byteLength(text) > maxBytes) throw new RampartError('ERR_RAMPART_SESSION_DATA', `Session data is larger than maxDataBytes (${maxBytes}).`);
      return text;
    };
    // Store the first write of a session that did not exist yet under a new id.
    const create = async () => {
      state.seen = Date.now();
      const text = encode(state);
      id = newId();
      await store.set(id, text, ttlOf(state));
      setCookie();
      req.emit('SESSION_CREATED', 'new session');
    };
    // Apply one change to the record stored now, not to the copy this request loaded: what
    // other requests changed meanwhile under other keys survives. The result becomes this
    // request's view. Undefined when the session ended meanwhile (nothing written).
    const patchLatest = async (edit: (latest: StoredRecord) => void): Promise<StoredRecord | undefined> => {
      let written: StoredRecord | undefined;
      const text = await store.patch(
        id,
        (current) => {
          const latest = readRecord(current);
          if (typeof latest === 'string') throw new RampartError('ERR_RAMPART_SESSION_STORE', 'The stored session record is not readable.');
          edit(latest);
          latest.seen = Math.max(latest.seen, Date.now());
          const next = encode(latest);
          written = latest;
          return next;
        },
        ttlOf(state),
      );
      return text === undefined ? undefined : written;
    };
    /** Change the data: create the session on its first write, else patch the latest record (or fail: ended). */
    const changeData = async (edit: (data: StoredRecord['data']) => StoredRecord['data']) => {
      if (id === '') {
        if (endedElsewhere) ended();
        state.data = edit(state.data);
        await create();
        return;
      }
      const latest = await patchLatest((r) => {
        r.data = edit(r.data);
      });
      if (latest === undefined) ended();
      else state = latest;
    };

    // Idle timeout: record activity, at most about once a minute per session.
    if (record !== undefined && now - record.seen > Math.min(60_000, idleMs / 10)) {
      const touched = await patchLatest(() => {});
      if (touched === undefined) {
        // Ended by another request between the read and this write: go on without a session
        // (and without clearing the cookie, which may already be the rotated one).
        id = '';
        record = undefined;
        state = blank();
        endedElsewhere = true;
      } else {
        record = touched;
        state = touched;
      }
    }

    const isNew = record === undefined;
    const session: Session = {
      get id() {
        return id;
      },
      isNew,
      get csrfToken() {
        return state.csrf;
      },
      get data() {
        return jsonCopy(state.data) as Record<string, JsonValue>;
      },
      get<T extends JsonValue = JsonValue>(key: string): T | undefined {
        if (!Object.hasOwn(state.data, key)) return undefined;
        return jsonCopy(state.data[key]) as T;
      },
      async set(key: string, value: unknown) {
        if (typeof key !== 'string' || key === '__proto__')
          throw new RampartError('ERR_RAMPART_SESSION_DATA', 'Session keys must be strings other than __proto__.');
        const copy = jsonCopy(value);
        await changeData((data) => ({ ...data, [key]: copy }));
      },
      async delete(key: string) {
        // Another request may have set the key since this one loaded: a live session is asked to delete it regardless.
        if (id === '' && !Object.hasOwn(state.data, key)) return;
        await changeData((data) => {
          const next = { ...data };
          delete next[key];
          return next;
        });
      },
      async replace(data: Record<string, unknown>) {
        const copy = jsonCopy(data);
        if (copy === null || typeof copy !== 'object' || Array.isArray(copy))
          throw new RampartError('ERR_RAMPART_SESSION_DATA', 'Session data must be an object.');
        await changeData(() => copy as StoredRecord['data']);
      },
      async regenerate(regenerateOptions: { keepData?: boolean } = {}) {
        const keep = regenerateOptions.keepData === true;
        // With keepData the old id is retired only if it is still live: a session another
        // request ended meanwhile must not live on under a new id. Without it nothing carries
        // over (a login): the old id is retired whatever its state, and a fresh session starts.
        if (id === '' && keep && endedElsewhere) ended();
        if (id !== '') {
          if (!keep) await store.set(id, SESSION_TOMBSTONE, TOMBSTONE_TTL);
          else {
            // Retire the id and take its latest data in one step: changes other requests made
            // since this one loaded move to the new id too (not this request's stale copy).
            const seen: { latest?: StoredRecord | 'missing' | 'destroyed' } = {};
            const retired = await store.patch(
              id,
              (current) => {
                seen.latest = readRecord(current);
                return SESSION_TOMBSTONE;
              },
              TOMBSTONE_TTL,
            );
            if (retired === undefined) ended();
            if (typeof seen.latest === 'object') state = seen.latest;
          }
        }
        const at = Date.now();
        // keepData keeps the session, so its absolute lifetime carries over to the new id.
        state = keep
          ? { data: state.data, created: state.created, seen: at, expires: state.expires, csrf: newCsrf() }
          : { data: {}, created: at, seen: at, expires: at + maxAgeMs, csrf: newCsrf() };
        id = '';
        await create();
        req.locals.csrfTokenRotated = true;
      },
      async destroy() {
        if (id !== '') {
          await store.set(id, SESSION_TOMBSTONE, TOMBSTONE_TTL);
          req.emit('SESSION_DESTROYED', 'logout');
        }
        id = '';
        state = blank();
        // An explicit logout clears the cookie itself: a session started after it is the app's choice.
        endedElsewhere = false;
        clearCookie();
      },
    };
    req.locals.session = session;
    const user = state.data.user;
    if (req.locals.user === undefined && user !== null && typeof user === 'object' && !Array.isArray(user)) req.locals.user = jsonCopy(user);
    return undefined;
  }
}

/** The session of a request that passed the sessions middleware (any adapter's request object). */
export function getSession(req: unknown): Session | undefined {
  return localOf<Session>(req, 'session');
}

/**
 * The current session id of a request, for binding other tokens to the session — e.g.
 * `csrf({ secret, sessionId: sessionIdOf })`, so a CSRF token issued before login stops
 * working after `regenerate()`; call `rotateCsrf(req)` right after `regenerate()`.
 * Accepts a request view or any adapter's native request. Undefined without a session.
 */
export function sessionIdOf(req: unknown): string | undefined {
  const id = localOf<Session>(req, 'session')?.id;
  return id === undefined || id === '' ? undefined : id;
}
