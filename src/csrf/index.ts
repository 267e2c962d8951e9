import { cookieValues, serializeCookie } from '../core/cookies.ts';
import { problem } from '../core/problem.ts';
import { exemptionPath } from '../core/canonical.ts';
import { viewOf } from '../core/registry.ts';
import { markSecretInBody } from '../core/secret-body.ts';
import type { Decision, Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { formKind, multipartField, urlencodedField } from './form.ts';
import { compileCsrfOptions, type CsrfConfig, type CsrfOptions } from './options.ts';
import { originAllowed } from './origin.ts';
import { nodeCrypto } from '../core/builtin.ts';
import { looksLikeToken, maskBytes, maskToken, readToken, TOKEN_BYTES, type TokenSigner } from './token.ts';

export type { CsrfMode, CsrfOptions } from './options.ts';

/** Why a request was rejected; the text is the `reason` in the 403 body and the event detail. */
export type CsrfFailure = 'missing token' | 'token mismatch' | 'bad signature' | 'cross-site request';

const FAILURES: readonly CsrfFailure[] = ['missing token', 'token mismatch', 'bad signature', 'cross-site request'];

// Precomputed 403 replies: constant bodies that name the failed check, never a token value.
const REPLIES = new Map<CsrfFailure, Reply>(
  FAILURES.map((reason) => [
    reason,
    Object.freeze(problem(403, `CSRF check failed: ${reason}.`, { title: 'Forbidden', extra: { reason }, code: 'ERR_RAMPART_CSRF_REJECTED' })),
  ]),
);

/**
 * Well-formed token cookies compared with the submitted token per request: more than fit in
 * the 16 KB of Cookie header read (node's default header limit; about 90 masked or 160 plain
 * tokens), so every one a browser can send is seen. A sibling subdomain can plant cookies of
 * the same name with longer Paths, which the browser sends first (see tokenCookies).
 */
const MAX_TOKEN_COOKIES = 200;
/** Cookie values of the token's name read (each takes at least 13 of the 16 KB read). */
const MAX_COOKIE_VALUES = 1300;
/**
 * Token cookies whose signature is checked where no submitted token narrows them down (a safe
 * request keeping the user's cookie, the reason of a rejection): each check is an HMAC.
 */
const MAX_SIGNATURE_CHECKS = 16;

/** A request's token cookies. */
interface TokenCookies {
  /** The well-formed values in the order sent (at most MAX_TOKEN_COOKIES). */
  readonly tokens: string[];
  /** True when any non-empty value was sent, well-formed or not. */
  readonly sent: boolean;
}

/**
 * The request's token cookies. Values that cannot be a token (wrong length or alphabet) are
 * left out without counting, so junk cookies cannot push the user's own out of reach.
 * Accepting the request when any one of them passes gives a cookie-planting attacker
 * nothing: each is judged exactly as if it were the only (or first) cookie, and an attacker
 * who can plant one can already make it the first sent (a longer Path). Their own signed
 * token is refused once tokens are bound to the session (`sessionId`); only the victim's
 * cookie can match the victim's session, and its token is not known cross-site.
 */
function tokenCookies(config: CsrfConfig, req: RequestView): TokenCookies {
  const tokens: string[] = [];
  let sent = false;
  for (const value of cookieValues(req.header('cookie'), config.cookieName, MAX_COOKIE_VALUES)) {
    if (value.length === 0) continue;
    sent = true;
    if (looksLikeToken(value) && tokens.push(value) === MAX_TOKEN_COOKIES) break;
  }
  return { tokens, sent };
}

// The cookie's and the submitted token's 64 bytes during one (synchronous) check; wiped after.
const cookieToken = Buffer.alloc(TOKEN_BYTES);
const givenToken = Buffer.alloc(TOKEN_BYTES);

// Per-request state kept in the view's locals, under a symbol so templates never see it.
const STATE = Symbol('rampart.csrf');
interface RequestState {
  readonly config: CsrfConfig;
  readonly res: ResponseControl;
  /** The session id the request's token is bound to ('' for none); see csrfToken(). */
  boundTo: string;
  /** True while a first visit's token is not decided yet (see deferToken). */
  pending: boolean;
  /** The session the handler named for this response (`csrfToken(req, { sessionId })`), if any. */
  named: string | undefined;
}

/** Options of {@link csrfToken} and {@link rotateCsrf}. */
export interface CsrfTokenOptions {
  /**
   * The session this response creates or switches to, when the app keeps its own sessions:
   * `sessionId(req)` reads the request, which does not carry the cookie the handler is
   * setting. The token is bound to this id, and so is every token of the rest of the
   * response. Needs `csrf({ sessionId })`; must be the value `sessionId(req)` will return on
   * the next request (e.g. the new `sid` cookie's value).
   */
  readonly sessionId?: string | undefined;
}

function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE';
}

function sessionOf(config: CsrfConfig, req: RequestView): string {
  return config.sessionId === undefined ? '' : (config.sessionId(req) ?? '');
}

/** The session a token issued now belongs to: the one the handler named, else the request's. */
function currentSession(state: RequestState, req: RequestView): string {
  return state.named ?? sessionOf(state.config, req);
}

/** Record the session the handler named (see CsrfTokenOptions.sessionId); checked here, at the call. */
function nameSession(state: RequestState, options: CsrfTokenOptions | undefined, caller: string): void {
  const id = options?.sessionId;
  if (id === undefined) return;
  if (state.config.sessionId === undefined) {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      `${caller}(…, { sessionId }) binds the token to a session, which csrf() checks only with its sessionId option: configure csrf({ sessionId: (req) => req.cookie('sid') }) or drop the argument.`,
    );
  }
  if (typeof id !== 'string' || id.length === 0) {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      `${caller}(…, { sessionId }) takes the new session's id as a non-empty string (the value sessionId(req) returns on the next request).`,
    );
  }
  state.named = id;
}

function tokenCookie(config: CsrfConfig, req: RequestView, token: string): string {
  // Readable by page scripts (double submit): httpOnly must be off explicitly (serializeCookie defaults it on).
  return serializeCookie(config.cookieName, token, { path: '/', sameSite: 'Lax', httpOnly: false, secure: config.hostPrefix || req.secure });
}

function setCookie(config: CsrfConfig, req: RequestView, res: ResponseControl, token: string): void {
  res.append('set-cookie', tokenCookie(config, req, token));
}

/**
 * Expose the request's valid token to handlers, issuing (and setting) a new one when the
 * cookie is absent or invalid. Handlers get the token masked afresh for this response
 * (BREACH): the same secret token never appears twice on the wire.
 */
function provideToken(config: CsrfConfig, req: RequestView, res: ResponseControl, verified: Buffer | undefined): void {
  const locals = req.locals;
  let wire: string;
  const session = sessionOf(config, req);
  const state: RequestState = { config, res, boundTo: session, pending: false, named: undefined };
  (locals as Record<symbol, unknown>)[STATE] = state;
  if (verified !== undefined) wire = maskBytes(verified);
  else {
    const signer = config.signer!;
    // No submitted token to narrow the cookies down: each check is an HMAC, so only the first
    // few are tried; when none of them is valid the user gets a fresh token (and cookie).
    const valid = firstValid(signer, tokenCookies(config, req).tokens, session);
    wire = valid ? maskBytes(cookieToken) : '';
    cookieToken.fill(0);
    if (!valid) {
      if (config.sessionId !== undefined && session === '') {
        deferToken(req, state);
        return;
      }
      wire = maskToken(signer.issue(session));
      setCookie(config, req, res, wire);
    }
  }
  locals.csrfToken = wire;
}

/**
 * A first visit without a session: the handler is likely to create one (and to render the
 * token after that), so the token is decided once, when first needed — when the handler
 * reads it (`csrfToken(req)`, `req.locals.csrfToken`, `rotateCsrf()`), bound to the
 * session as it is then; or at the response head when nobody read it. Issuing it now
 * would need a second token (and a second Set-Cookie line) once the session exists.
 */
function deferToken(view: RequestView, state: RequestState): void {
  state.pending = true;
  Object.defineProperty(view.locals, 'csrfToken', {
    get: () => reissue(view, state),
    enumerable: true,
    configurable: true,
  });
  state.res.onHead((head) => {
    if (!state.pending) return undefined;
    state.pending = false;
    // Nobody read the token: it is issued now, beside whatever cookies the handler set.
    let session: string;
    try {
      session = currentSession(state, view);
    } catch {
      return undefined;
    }
    const wire = maskToken(state.config.signer!.issue(session));
    head.append('set-cookie', tokenCookie(state.config, view, wire));
    return undefined;
  });
}

/** A new token bound to the request's current session: the cookie is set and handlers see it. */
function reissue(view: RequestView, state: RequestState): string {
  const { config, res } = state;
  const session = currentSession(state, view);
  const wire = maskToken(config.signer!.issue(session));
  setCookie(config, view, res, wire);
  if (state.pending) {
    state.pending = false;
    Object.defineProperty(view.locals, 'csrfToken', { value: wire, writable: true, enumerable: true, configurable: true });
  } else view.locals.csrfToken = wire;
  state.boundTo = session;
  return wire;
}

function reject(req: RequestView, reason: CsrfFailure): Reply {
  req.emit('CSRF_VIOLATION', reason);
  return REPLIES.get(reason)!;
}

function hasApiCredentials(config: CsrfConfig, req: RequestView): boolean {
  for (const name of config.apiKeyHeaders) {
    const value = req.header(name);
    if (value !== undefined && value.trim().length > 0) return true;
  }
  if (config.bearer) {
    const auth = req.header('authorization');
    if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ' && auth.slice(7).trim().length > 0) return true;
  }
  return false;
}

/**
 * True when one of the first MAX_SIGNATURE_CHECKS cookies carries a token signed for
 * `session`; its bytes are then in `cookieToken` (the caller wipes them).
 */
function firstValid(signer: TokenSigner, cookies: readonly string[], session: string): boolean {
  const n = Math.min(cookies.length, MAX_SIGNATURE_CHECKS);
  for (let i = 0; i < n; i++) {
    if (readToken(cookies[i]!, cookieToken) && signer.verifyBytes(cookieToken, session)) return true;
  }
  return false;
}

/**
 * The token check once the submitted value is known. Cookies and submitted value are each
 * unmasked (masked or, from before masking, plain); the request passes when a cookie's token
 * equals the submitted one (compared in constant time) and its signature verifies. Compared
 * first, verified after: every cookie equal to the submitted token carries the same bytes,
 * so one signature check decides, however many cookies were sent. Otherwise `token mismatch`
 * when a cookie verifies (among the first MAX_SIGNATURE_CHECKS), else `bad signature`.
 */
function checkToken(config: CsrfConfig, req: RequestView, res: ResponseControl, cookies: readonly string[], submitted: string | undefined): Decision {
  if (submitted === undefined || submitted.length === 0) return reject(req, 'missing token');
  const session = sessionOf(config, req);
  const signer = config.signer!;
  // Synchronous from here to the end: the shared buffers cannot be interleaved.
  let passed = false;
  if (readToken(submitted, givenToken)) {
    for (const cookie of cookies) {
      if (!readToken(cookie, cookieToken) || !nodeCrypto().timingSafeEqual(cookieToken, givenToken)) continue;
      passed = signer.verifyBytes(cookieToken, session);
      if (passed) provideToken(config, req, res, cookieToken);
      break;
    }
  }
  givenToken.fill(0);
  const failure: CsrfFailure | undefined = passed ? undefined : firstValid(signer, cookies, session) ? 'token mismatch' : 'bad signature';
  cookieToken.fill(0);
  return failure === undefined ? undefined : reject(req, failure);
}

async function checkFormToken(config: CsrfConfig, req: RequestView, res: ResponseControl, cookies: readonly string[]): Promise<Decision> {
  const form = formKind(req.header('content-type'));
  if (form === undefined) return reject(req, 'missing token');
  let body: Uint8Array;
  try {
    body = await req.readBody(config.bodyLimit);
  } catch (error) {
    // Too large to search (or unreadable): no token was found within the limit. Fail closed.
    if (error instanceof RampartError) return reject(req, 'missing token');
    throw error;
  }
  const value = form.kind === 'urlencoded' ? urlencodedField(body, config.fieldName) : multipartField(body, form.boundary, config.fieldName);
  return checkToken(config, req, res, cookies, value);
}

/**
 * CSRF protection: a fetch-metadata / Origin layer (the Go 1.25 CrossOriginProtection
 * model) in front of signed double-submit tokens (`{random}.{hmac}`, bound to the session
 * when `sessionId` is given). Safe methods (GET, HEAD, OPTIONS, TRACE) pass and receive a
 * token cookie when they have no valid one; other methods need the origin check to pass
 * and the token in the `X-CSRF-Token` header or the `_csrf_token` form field to equal the
 * cookie. Rejections are 403 problem+json naming the failed check, plus a CSRF_VIOLATION event.
 *
 * @example
 * const shield = stack([csrf({ secret: process.env.CSRF_SECRET!, exemptPaths: ['/webhooks/'] })]);
 * http.createServer(shield.node((req, res) => res.end(`<input name="_csrf_token" value="${csrfToken(req)}">`)));
 */
export function csrf(options: CsrfOptions): Middleware {
  const config = compileCsrfOptions(options);
  const useOrigin = config.mode !== 'token';
  const useToken = config.mode !== 'origin';
  return Object.freeze<Middleware>({
    name: 'csrf',
    handle: function csrfHandle(req: RequestView, res: ResponseControl): Decision | Promise<Decision> {
      if (isSafe(req.method)) {
        if (useToken) provideToken(config, req, res, undefined);
        return undefined;
      }
      if (config.skip?.(req) || hasApiCredentials(config, req) || (config.hasExempt && config.isExempt(exemptionPath(req)))) {
        return undefined;
      }
      if (useOrigin && !originAllowed(req, config.trusted)) return reject(req, 'cross-site request');
      if (!useToken) return undefined;
      const { tokens: cookies, sent } = tokenCookies(config, req);
      if (!sent) return reject(req, 'missing token');
      const header = req.header(config.headerName);
      if (header !== undefined) return checkToken(config, req, res, cookies, header);
      return checkFormToken(config, req, res, cookies);
    },
  });
}

/**
 * The CSRF token for the current request, for templates and for clients that cannot read
 * cookies. Accepts whatever request object the adapter hands the app (node/Express `req`,
 * Fastify `request`, Hono `c`, the fetch `Request`). Undefined when the request did not
 * pass through `csrf()` in token mode, or was rejected. With `sessionId`, a token read after
 * the handler created or replaced the session is re-issued for that session (new cookie):
 * `sessionId(req)` must see the new session (rampart's `sessions()` does); an app with its
 * own session cookie names it, `csrfToken(req, { sessionId: newSid })`, since the request
 * does not carry the cookie the handler is setting.
 *
 * @throws RampartError ERR_RAMPART_CONFIG when `options.sessionId` is given without
 * `csrf({ sessionId })`, or is not a non-empty string.
 * @example
 * res.end(`<input type="hidden" name="_csrf_token" value="${csrfToken(req)}">`);
 */
export function csrfToken(nativeReq: unknown, options?: CsrfTokenOptions): string | undefined {
  const view = viewOf(nativeReq);
  const state = view === undefined ? undefined : ((view.locals as Record<symbol, unknown>)[STATE] as RequestState | undefined);
  // Named before the token is read: reading a first visit's token decides it (deferToken).
  if (state !== undefined) nameSession(state, options, 'csrfToken');
  const current = view?.locals.csrfToken;
  if (typeof current !== 'string') return undefined;
  let token = current;
  // The handler may have created (or regenerated) the session after csrf() bound the token:
  // a token rendered now must be bound to the session the next request will carry.
  if (state?.config.sessionId !== undefined && currentSession(state, view!) !== state.boundTo) token = reissue(view!, state);
  // The token is about to be rendered: compression's breachGuard keeps this response uncompressed.
  markSecretInBody(view!);
  return token;
}

/**
 * Issue a fresh token (new cookie) for this request, e.g. right after login or logout so
 * a token seen before authentication cannot be reused after it. Returns the new token,
 * also visible through `csrfToken(req)`. Accepts the adapter's native request or response
 * (node/Express `req`/`res`, Fastify `request`/`reply`, Hono `c`, fetch `Request`). Call
 * it before the response head is sent; with `sessionId` configured, call it after the new
 * session exists so the token is bound to it (an app with its own session cookie passes the
 * new id: `rotateCsrf(res, { sessionId: newSid })`).
 *
 * @throws RampartError ERR_RAMPART_CSRF_NOT_MOUNTED when the object did not pass through csrf().
 * @throws RampartError ERR_RAMPART_CONFIG when `options.sessionId` is given without
 * `csrf({ sessionId })`, or is not a non-empty string.
 */
export function rotateCsrf(nativeReqOrRes: unknown, options?: CsrfTokenOptions): string {
  const view = viewOf(nativeReqOrRes);
  const state = view === undefined ? undefined : ((view.locals as Record<symbol, unknown>)[STATE] as RequestState | undefined);
  if (view === undefined || state === undefined) {
    throw new RampartError(
      'ERR_RAMPART_CSRF_NOT_MOUNTED',
      'rotateCsrf() needs a request or response that passed through csrf() in token mode; mount csrf() in the stack before the route.',
    );
  }
  nameSession(state, options, 'rotateCsrf');
  const wire = reissue(view, state);
  markSecretInBody(view);
  return wire;
}
