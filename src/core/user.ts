/** The id of a user object (`id`, else `pk`) when it is a string or a number; numeric ids stay numbers. */
export function userIdOf(user: unknown): string | number | undefined {
  if (user === null || typeof user !== 'object') return undefined;
  const u = user as { id?: unknown; pk?: unknown };
  const id = u.id ?? u.pk;
  return (typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id)) ? id : undefined;
}

/**
 * Who made a request, for its events: the user rampart's own auth put on `req.locals.user`
 * (requireJwt, requireApiKey, sessions, or an earlier middleware of the app), else the
 * native request's `user` (`req.user` of Express/Passport, Fastify plugins), else Hono's
 * `c.var.user`. Undefined for anonymous requests.
 */
export function requestUserId(locals: Record<string, unknown> | undefined, raw: unknown): string | number | undefined {
  const fromLocals = locals === undefined ? undefined : userIdOf(locals.user);
  if (fromLocals !== undefined) return fromLocals;
  if (raw === null || typeof raw !== 'object') return undefined;
  const native = raw as { user?: unknown; var?: { user?: unknown } };
  return userIdOf(native.user) ?? userIdOf(native.var?.user);
}
