/**
 * Who may see the dashboard. There is no public mode: `auth` is a token (sent as
 * `Authorization: Bearer …`, or exchanged once at the sign-in form for a session cookie, since
 * a browser's EventSource cannot send headers), a permission checked with rampart/auth RBAC on
 * the user an earlier middleware authenticated, or a function of the request.
 */
import { createHmac } from 'node:crypto';
import { covers } from '../auth/rbac/permissions.ts';
import type { Rbac } from '../auth/rbac/rbac.ts';
import type { AuthUser } from '../auth/shared/http.ts';
import { viewOf } from '../core/registry.ts';
import { configError, describeValue } from '../core/options.ts';
import { constantTimeEqual } from '../crypto/bytes.ts';

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
  check(req: unknown, header: (name: string) => string | undefined): Promise<AuthVerdict>;
  /** A session cookie value for `token`, or undefined when it is not a valid token. */
  session(token: string, now: number): string | undefined;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'rampart_dashboard';
/** How long a signed-in browser stays signed in, seconds. */
export const SESSION_SECONDS = 12 * 3600;

function sign(token: string, expires: number): string {
  return createHmac('sha256', token).update(`rampart-dashboard-session:${expires}`).digest('base64url');
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

/** Check `auth` at construction: ERR_RAMPART_CONFIG (saying what to pass) when it is missing or malformed. */
export function compileAuth(auth: unknown): DashboardGate {
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
    };
  }
  if (typeof auth !== 'object') throw configError(`dashboard: auth must be an object or a function (got ${describeValue(auth)}); ${how}.`);
  const o = auth as Record<string, unknown>;
  if ('token' in o) {
    const list = typeof o.token === 'string' ? [o.token] : Array.isArray(o.token) ? [...(o.token as unknown[])] : [];
    if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.length < 24 || t.trim() !== t))
      throw configError(`dashboard: auth.token must be a string of at least 24 characters without surrounding spaces (or a list of them); ${how}.`);
    const tokens = list as string[];
    const matching = (candidate: string): string | undefined => {
      let found: string | undefined;
      for (const t of tokens) if (constantTimeEqual(candidate, t)) found = t; // no early exit
      return found;
    };
    return {
      tokens: true,
      async check(_req, header) {
        const authorization = header('authorization');
        if (authorization !== undefined) {
          const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
          return m !== null && matching(m[1]!) !== undefined ? 'allow' : 'unauthenticated';
        }
        const value = cookie(header('cookie'), SESSION_COOKIE);
        const dot = value?.indexOf('.') ?? -1;
        if (value === undefined || dot === -1) return 'unauthenticated';
        const expires = Number(value.slice(0, dot));
        if (!Number.isSafeInteger(expires) || expires * 1000 < Date.now()) return 'unauthenticated';
        const mac = value.slice(dot + 1);
        let ok = false;
        for (const t of tokens) if (constantTimeEqual(mac, sign(t, expires))) ok = true;
        return ok ? 'allow' : 'unauthenticated';
      },
      session(token, now) {
        const t = matching(token);
        if (t === undefined) return undefined;
        const expires = Math.floor(now / 1000) + SESSION_SECONDS;
        return `${expires}.${sign(t, expires)}`;
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
    };
  }
  throw configError(`dashboard: auth needs token or permission; ${how}.`);
}
