/**
 * Who may see the dashboard. There is no public mode: `auth` is a token (sent as
 * `Authorization: Bearer …`, or exchanged once at the sign-in form for a session cookie, since
 * a browser's EventSource cannot send headers), a permission checked with rampart/auth RBAC on
 * the user an earlier middleware authenticated, or a function of the request.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { covers } from '../auth/rbac/permissions.ts';
import type { Rbac } from '../auth/rbac/rbac.ts';
import type { AuthUser } from '../auth/shared/http.ts';
import { viewOf } from '../core/registry.ts';
import { configError, describeValue } from '../core/options.ts';
import { constantTimeEqual } from '../crypto/bytes.ts';
import { requireSecret } from '../crypto/secret.ts';
import type { SharedSignOuts } from './signouts.ts';

/** `auth` of {@link DashboardOptions}: who may see the dashboard. */
export type DashboardAuth =
  | {
      /** One token or several (rotation); at least 24 characters each (`rampart keys` makes one). */
      token: string | readonly string[];
    }
  | {
      /** The permission the user needs, e.g. 'security:read'. */
      permission: string;
      /** Role graph for the check; without it only `user.permissions` count. */
      rbac?: Rbac;
      /** Where the user is: default `req.locals.user` of the rampart stack (requireJwt, sessions, …), then `req.user`. */
      user?: (req: unknown) => AuthUser | undefined | null | Promise<AuthUser | undefined | null>;
    }
  | ((req: unknown) => boolean | undefined | Promise<boolean | undefined>);

/** The verdict on one request. */
export type AuthVerdict = 'allow' | 'unauthenticated' | 'forbidden';

/** A compiled `auth` option. */
export interface DashboardGate {
  /** True in token mode (the sign-in form and the session cookie exist). */
  readonly tokens: boolean;
  /** Rejects when the shared sign-outs cannot be read for a session cookie (the caller refuses the request). */
  check(req: unknown, header: (name: string) => string | undefined): Promise<AuthVerdict>;
  /** A new session cookie value for `token` (its own random id), or undefined when it is not a valid token. */
  session(token: string, now: number): string | undefined;
  /**
   * Sign out: the session in this cookie value (when genuine) is refused from now on, in this
   * process at once and, with shared sign-outs, in every process on the same database. Rejects
   * when the shared sign-out could not be stored (this process still refuses the session).
   */
  revoke(value: string | undefined, now: number): Promise<void>;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'rampart_dashboard';
/** How long a signed-in browser stays signed in, seconds (8 hours). */
export const SESSION_SECONDS = 8 * 3600;
/** Signed-out sessions remembered until their expiry; past this many, every older session is signed out. */
export const MAX_REVOKED_SESSIONS = 10_000;

function sign(token: string, expires: number, id: string): string {
  return createHmac('sha256', token).update(`rampart-dashboard-session:${expires}.${id}`).digest('base64url');
}

/** The parts of a session cookie value `<expires>.<id>.<mac>`, or undefined when malformed. */
function parseSession(value: string | undefined): { expires: number; id: string; mac: string } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (m === null) return undefined;
  const expires = Number(m[1]);
  return Number.isSafeInteger(expires) ? { expires, id: m[2]!, mac: m[3]! } : undefined;
}

/** The session cookie's value in a Cookie header. */
export function sessionCookie(header: string | undefined): string | undefined {
  return cookie(header, SESSION_COOKIE);
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function defaultUser(req: unknown): AuthUser | undefined {
  const fromStack = viewOf(req)?.locals.user;
  if (fromStack !== null && typeof fromStack === 'object') return fromStack as AuthUser;
  const own = (req as { user?: unknown } | null)?.user;
  return own !== null && typeof own === 'object' ? (own as AuthUser) : undefined;
}

/**
 * The shared secret check (src/crypto/secret.ts) over a dashboard token: no placeholder, no
 * low-entropy value, at least 24 bytes. Throws ERR_RAMPART_CONFIG naming `name`, never the token.
 */
export function checkTokenStrength(token: string, name: string): void {
  requireSecret(token, { name, code: 'ERR_RAMPART_CONFIG', minBytes: 24 }).fill(0);
}

/**
 * Check `auth` at construction: ERR_RAMPART_CONFIG (saying what to pass) when it is missing or
 * malformed. `shared`: sign-outs shared with the other processes on the log's database.
 */
export function compileAuth(auth: unknown, shared?: SharedSignOuts): DashboardGate {
  const how =
    "pass auth: { token: process.env.DASHBOARD_TOKEN } (at least 24 characters; `rampart keys` makes one), auth: { permission: 'security:read', rbac }, or auth: (req) => true | false | undefined";
  if (auth === undefined || auth === null) throw configError(`dashboard: auth is required (the dashboard is never public); ${how}.`);
  if (typeof auth === 'function') {
    const fn = auth as (req: unknown) => boolean | undefined | Promise<boolean | undefined>;
    return {
      tokens: false,
      async check(req) {
        const ok = await fn(req);
        return ok === true ? 'allow' : ok === false ? 'forbidden' : 'unauthenticated';
      },
      session: () => undefined,
      revoke: async () => {},
    };
  }
  if (typeof auth !== 'object') throw configError(`dashboard: auth must be an object or a function (got ${describeValue(auth)}); ${how}.`);
  const o = auth as Record<string, unknown>;
  if ('token' in o) {
    const list = typeof o.token === 'string' ? [o.token] : Array.isArray(o.token) ? [...(o.token as unknown[])] : [];
    if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.length < 24 || t.trim() !== t))
      throw configError(`dashboard: auth.token must be a string of at least 24 characters without surrounding spaces (or a list of them); ${how}.`);
    const tokens = list as string[];
    for (const [i, t] of tokens.entries()) checkTokenStrength(t, tokens.length === 1 ? 'dashboard: auth.token' : `dashboard: auth.token[${i}]`);
    const matching = (candidate: string): string | undefined => {
      let found: string | undefined;
      for (const t of tokens) if (constantTimeEqual(candidate, t)) found = t; // no early exit
      return found;
    };
    // Signed-out session ids until their expiry (seconds). When the set is full of live ids,
    // every session issued up to then is refused instead (fails closed: all browsers sign in again).
    const revoked = new Map<string, number>();
    let issuedNotAfter = 0;
    const genuine = (value: string | undefined, now: number): { expires: number; id: string } | undefined => {
      const s = parseSession(value);
      if (s === undefined || s.expires * 1000 < now || s.expires - SESSION_SECONDS <= issuedNotAfter) return undefined;
      let ok = false;
      for (const t of tokens) if (constantTimeEqual(s.mac, sign(t, s.expires, s.id))) ok = true;
      return ok ? s : undefined;
    };
    return {
      tokens: true,
      async check(_req, header) {
        const authorization = header('authorization');
        if (authorization !== undefined) {
          const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
          return m !== null && matching(m[1]!) !== undefined ? 'allow' : 'unauthenticated';
        }
        const s = genuine(cookie(header('cookie'), SESSION_COOKIE), Date.now());
        if (s === undefined || revoked.has(s.id)) return 'unauthenticated';
        // Only a genuine cookie costs a query; a database that cannot answer rejects (fails closed).
        return shared !== undefined && (await shared.has(s.id)) ? 'unauthenticated' : 'allow';
      },
      session(token, now) {
        const t = matching(token);
        if (t === undefined) return undefined;
        const expires = Math.floor(now / 1000) + SESSION_SECONDS;
        const id = randomBytes(16).toString('base64url');
        return `${expires}.${id}.${sign(t, expires, id)}`;
      },
      async revoke(value, now) {
        const s = genuine(value, now);
        if (s === undefined) return;
        if (revoked.size >= MAX_REVOKED_SESSIONS) for (const [id, expires] of revoked) if (expires * 1000 < now) revoked.delete(id);
        if (revoked.size >= MAX_REVOKED_SESSIONS) {
          issuedNotAfter = Math.floor(now / 1000);
          revoked.clear();
        } else revoked.set(s.id, s.expires);
        await shared?.add(s.id, s.expires, now);
      },
    };
  }
  if ('permission' in o) {
    if (typeof o.permission !== 'string' || o.permission === '') throw configError(`dashboard: auth.permission must be a permission name; ${how}.`);
    const permission = o.permission;
    const access = o.rbac as Rbac | undefined;
    if (access !== undefined && typeof access?.can !== 'function') throw configError('dashboard: auth.rbac must come from rbac({...}) of rampart/auth.');
    const userOf = o.user as ((req: unknown) => AuthUser | undefined | null | Promise<AuthUser | undefined | null>) | undefined;
    if (userOf !== undefined && typeof userOf !== 'function') throw configError('dashboard: auth.user must be a function (req) => user.');
    return {
      tokens: false,
      async check(req) {
        const user = userOf === undefined ? defaultUser(req) : await userOf(req);
        if (user === undefined || user === null || typeof user !== 'object') return 'unauthenticated';
        const allowed =
          access === undefined ? (Array.isArray(user.permissions) ? user.permissions : []).some((p) => covers(p, permission)) : access.can(user, permission);
        return allowed ? 'allow' : 'forbidden';
      },
      session: () => undefined,
      revoke: async () => {},
    };
  }
  throw configError(`dashboard: auth needs token or permission; ${how}.`);
}
