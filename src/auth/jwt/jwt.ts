import type { KeyObject } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { RampartError, type RampartErrorCode } from '../../errors.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';
import { safeEmit } from '../../core/events.ts';
import type { JwtAlgorithm } from './keys.ts';
import { compileJwtOptions, loadJose, normaliseTyp, type JwtOptions } from './options.ts';

export type { JwkSet, JwkSetKey, JwtKey, JwtOptions } from './options.ts';

/** Verified JWT claims: the registered ones (RFC 7519 §4.1) and whatever else the token carries. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  jti?: string;
  nbf?: number;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

/** A configured signer/verifier (see {@link createJwt}). */
export interface Jwt {
  readonly algorithm: JwtAlgorithm;
  /** Sign claims: adds `iat`, `exp` (now + expiresIn unless given), `iss`, `aud`; header `typ` and `kid`. */
  sign(claims?: Record<string, unknown>, options?: { expiresIn?: number; kid?: string }): Promise<string>;
  /** Verify a compact JWS and return its claims, or throw a RampartError with a code per cause (and emit INVALID_TOKEN). */
  verify(token: string): Promise<JwtClaims>;
  /** Like verify() but without emitting an event (middleware emit through the request). */
  check(token: string): Promise<JwtClaims>;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;
const REGISTERED = new Set(['iss', 'aud', 'exp', 'nbf', 'iat']);

function fail(code: RampartErrorCode, message: string, cause?: unknown): RampartError {
  return new RampartError(code, message, { cause });
}

/**
 * Create a strict JWT signer/verifier (RFC 7519 with the RFC 8725 best practices): the
 * algorithm is pinned, `none` is impossible, `exp` is required, `iss`/`aud`/`typ` are
 * checked, HMAC secrets shorter than the hash are refused, `crit`, `jku`, `x5u`, `jwk`
 * and `x5c` headers never select a key, and tokens over 8 KB are refused before parsing.
 *
 * @example
 * const jwt = createJwt({ algorithm: 'HS256', secret: process.env.JWT_SECRET!, issuer: 'https://id.example', audience: 'api' });
 * const token = await jwt.sign({ sub: 'u1', roles: ['editor'] });
 * const claims = await jwt.verify(token); // throws RampartError ERR_RAMPART_JWT_* on failure
 */
export function createJwt(options: JwtOptions): Jwt {
  const config = compileJwtOptions(options);
  const { algorithm, expiresIn, clockTolerance, maxTokenLength, issuer, audience, typHeader, typ, requiredClaims, events, keys, single, signer, keySet } =
    config;

  async function check(token: string): Promise<JwtClaims> {
    if (typeof token !== 'string' || token.length === 0) throw fail('ERR_RAMPART_JWT_MALFORMED', 'The token must be a non-empty string.');
    if (token.length > maxTokenLength) throw fail('ERR_RAMPART_JWT_MALFORMED', `The token is longer than ${maxTokenLength} bytes.`);
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)) || parts[0]!.length === 0 || parts[1]!.length === 0) {
      throw fail('ERR_RAMPART_JWT_MALFORMED', 'The token is not a compact JWS (three base64url segments).');
    }
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    } catch {
      throw fail('ERR_RAMPART_JWT_MALFORMED', 'The token header is not JSON.');
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header))
      throw fail('ERR_RAMPART_JWT_MALFORMED', 'The token header is not a JSON object.');
    if (header.alg !== algorithm) {
      // The header is attacker-controlled JSON: describe alg without converting it (an object with a bad toString would throw).
      const shown = typeof header.alg === 'string' ? JSON.stringify(header.alg.slice(0, 20)) : `of type ${header.alg === null ? 'null' : typeof header.alg}`;
      throw fail('ERR_RAMPART_JWT_ALGORITHM', `The token algorithm ${shown} is not allowed; this verifier accepts ${algorithm} only.`);
    }
    if (header.crit !== undefined) throw fail('ERR_RAMPART_JWT_MALFORMED', 'Tokens with critical (crit) header extensions are refused.');
    if (header.typ !== undefined && (typeof header.typ !== 'string' || normaliseTyp(header.typ) !== typ)) {
      throw fail('ERR_RAMPART_JWT_CLAIM', `The token type (typ) must be ${typ}.`);
    }
    let key: KeyObject | JWTVerifyGetKey;
    if (keySet !== undefined) key = await keySet();
    else if (single !== undefined) key = single.verify;
    else {
      const kid = header.kid;
      // The kid is only ever a Map key: never a path, a URL or a query (kid injection).
      const found = typeof kid === 'string' && kid.length <= 256 ? keys.get(kid) : undefined;
      if (found === undefined) throw fail('ERR_RAMPART_JWT_SIGNATURE', 'No configured key matches the token kid.');
      key = found.verify;
    }
    let payload: JWTPayload;
    try {
      // jose reads these lists and never writes them; the compiled ones are frozen.
      const verifyOptions: JWTVerifyOptions = {
        algorithms: [algorithm],
        clockTolerance,
        requiredClaims: requiredClaims as string[],
        issuer,
        audience: audience as string[],
      };
      const { jwtVerify } = await loadJose();
      ({ payload } = await jwtVerify(token, key as never, verifyOptions));
    } catch (error) {
      throw mapJoseError(error);
    }
    // jose checks a future iat only under maxTokenAge; rampart refuses one always, as PyJWT
    // does (beyond clockTolerance). jose has refused a non-numeric iat (ERR_RAMPART_JWT_CLAIM).
    // The clock is not floored: NumericDate may be fractional, and a token issued this very
    // millisecond must not read as issued in the future.
    if (typeof payload.iat === 'number' && !(payload.iat <= Date.now() / 1000 + clockTolerance))
      throw fail('ERR_RAMPART_JWT_NOT_YET_VALID', `The token was issued in the future (iat), beyond the clock tolerance of ${clockTolerance} s.`);
    // After the future checks (an infinitely future nbf or iat is NOT_YET_VALID, from jose or above).
    const overflow = nonFiniteTimeClaim(payload);
    if (overflow !== undefined) throw fail('ERR_RAMPART_JWT_CLAIM', `The token claim ${JSON.stringify(overflow)} is not a finite NumericDate.`);
    return payload as JwtClaims;
  }

  async function verify(token: string): Promise<JwtClaims> {
    try {
      return await check(token);
    } catch (error) {
      if (error instanceof RampartError) safeEmit(events, { event: 'INVALID_TOKEN', detail: `jwt: ${error.code}` });
      throw error;
    }
  }

  async function sign(claims: Record<string, unknown> = {}, signOptions: { expiresIn?: number; kid?: string } = {}): Promise<string> {
    const c = optionsObject(claims, 'jwt.sign claims');
    const so = optionsObject(signOptions, 'jwt.sign options');
    checkKeys(so, ['expiresIn', 'kid'], 'jwt.sign options');
    let use = signer;
    if (so.kid !== undefined) {
      use = keys.get(String(so.kid));
      if (use === undefined) throw configError(`jwt.sign: unknown kid ${JSON.stringify(so.kid)}.`);
    }
    if (use === undefined || use.sign === undefined)
      throw configError('jwt.sign needs a signing key: secret or privateKey (a publicKey or jwks only verifies).');
    const now = Math.floor(Date.now() / 1000);
    const lifetime = so.expiresIn === undefined ? expiresIn : numberOption(so.expiresIn, 'jwt.sign expiresIn', 1, 10 * 365 * 86400);
    const body: JWTPayload = {};
    for (const [name, value] of Object.entries(c)) if (!REGISTERED.has(name)) body[name] = value;
    const header: { alg: string; typ: string; kid?: string } = { alg: algorithm, typ: typHeader };
    if (use.kid !== undefined) header.kid = use.kid;
    const { SignJWT } = await loadJose();
    const jwt = new SignJWT(body).setProtectedHeader(header).setIssuedAt(now);
    jwt.setExpirationTime(typeof c.exp === 'number' ? c.exp : now + lifetime);
    if (typeof c.nbf === 'number') jwt.setNotBefore(c.nbf);
    jwt.setIssuer(issuer);
    jwt.setAudience(audience.length === 1 ? audience[0]! : (audience as string[]));
    return jwt.sign(use.sign);
  }

  return Object.freeze({ algorithm, sign, verify, check });
}

const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

/**
 * The time claim JSON read as a non-finite number (`1e400` is Infinity), if any: jose would
 * take `exp: Infinity` as never expiring and `nbf: -Infinity` as always valid.
 */
function nonFiniteTimeClaim(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  for (const claim of TIME_CLAIMS) {
    const value = Object.hasOwn(payload, claim) ? (payload as Record<string, unknown>)[claim] : undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return claim;
  }
  return undefined;
}

function mapJoseError(error: unknown): RampartError {
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return fail('ERR_RAMPART_JWT_EXPIRED', 'The token has expired.', error);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if ((claim === 'nbf' || claim === 'iat') && (error as { reason?: string }).reason === 'check_failed') {
        return fail('ERR_RAMPART_JWT_NOT_YET_VALID', 'The token is not valid yet.', error);
      }
      return fail('ERR_RAMPART_JWT_CLAIM', `The token claim ${JSON.stringify(claim)} is missing or wrong.`, error);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return fail('ERR_RAMPART_JWT_ALGORITHM', 'The token algorithm is not allowed.', error);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return fail('ERR_RAMPART_JWT_SIGNATURE', 'The token signature does not verify with any configured key.', error);
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      return fail('ERR_RAMPART_JWT_SIGNATURE', 'The signing keys could not be obtained to verify the token.', error);
    default:
      return fail('ERR_RAMPART_JWT_MALFORMED', 'The token is malformed.', error);
  }
}
