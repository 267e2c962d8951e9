import type { KeyObject } from 'node:crypto';
import { SignJWT, createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JSONWebKeySet } from 'jose';
import { RampartError, type RampartErrorCode } from '../../errors.ts';
import { checkKeys, configError, numberOption, optionsObject, stringList } from '../../core/options.ts';
import { globalEventSink, safeEmit } from '../../core/events.ts';
import type { EventSink } from '../../core/types.ts';
import { ALGORITHMS, asymmetricKey, hmacKey, isHmac, type JwtAlgorithm, type KeyInput } from './keys.ts';

/** One key of a rotation set: tokens carry its `kid` in the header. */
export interface JwtKey {
  kid: string;
  secret?: string | Uint8Array;
  privateKey?: KeyInput;
  publicKey?: KeyInput;
}

/** Options of {@link createJwt}. Times are in seconds. */
export interface JwtOptions {
  /** The one algorithm tokens must use (pinned: the token cannot choose). Required. */
  algorithm: JwtAlgorithm;
  /** HMAC secret for HS256/384/512: at least 32/48/64 bytes. */
  secret?: string | Uint8Array;
  /** Private key for signing with RS/PS/ES/EdDSA (KeyObject, PEM or JWK). */
  privateKey?: KeyInput;
  /** Public key for verifying (derived from privateKey when omitted). */
  publicKey?: KeyInput;
  /** Several keys for rotation, selected by the token's `kid`. */
  keys?: readonly JwtKey[];
  /** The `kid` of `keys` that signs new tokens. Default: the first key. */
  currentKid?: string;
  /** Verify-only key set: a JWKS object or the https URL of one (cached, with a refetch cooldown). */
  jwks?: string | URL | JSONWebKeySet;
  /** Seconds a fetched JWKS is trusted. Default 600. */
  jwksCacheMaxAge?: number;
  /** Minimum seconds between two JWKS fetches (unknown `kid`s cannot hammer the issuer). Default 30. */
  jwksCooldown?: number;
  /** `iss` set on signing and required on verifying. */
  issuer?: string;
  /** `aud` set on signing; verifying requires one of these. */
  audience?: string | readonly string[];
  /** Lifetime of signed tokens in seconds. Default 900. */
  expiresIn?: number;
  /** Allowed clock skew in seconds. Default 0. */
  clockTolerance?: number;
  /** Expected `typ` header (compared case-insensitively, `application/` optional). Default 'JWT'; absent `typ` is accepted. */
  typ?: string;
  /** Claims every token must carry besides `exp`. Default none. */
  requiredClaims?: readonly string[];
  /** Longest token accepted, in bytes (checked before any parsing). Default 8192. */
  maxTokenLength?: number;
  /** Where INVALID_TOKEN events of direct `verify()` calls go. Default: the global SecurityLog sink. */
  events?: EventSink;
}

/** Verified JWT claims. */
export type JwtClaims = JWTPayload & Record<string, unknown>;

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

const OPTION_NAMES = [
  'algorithm', 'secret', 'privateKey', 'publicKey', 'keys', 'currentKid', 'jwks', 'jwksCacheMaxAge', 'jwksCooldown',
  'issuer', 'audience', 'expiresIn', 'clockTolerance', 'typ', 'requiredClaims', 'maxTokenLength', 'events',
];
const KEY_OPTION_NAMES = ['kid', 'secret', 'privateKey', 'publicKey'];
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const REGISTERED = new Set(['iss', 'aud', 'exp', 'nbf', 'iat']);

interface CompiledKey {
  kid: string | undefined;
  sign: KeyObject | undefined;
  verify: KeyObject;
}

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
  const o = optionsObject(options, 'createJwt');
  checkKeys(o, OPTION_NAMES, 'createJwt');
  const algorithm = o.algorithm as JwtAlgorithm;
  if (!ALGORITHMS.includes(algorithm)) {
    throw configError(`createJwt.algorithm must be one of ${ALGORITHMS.join(', ')} (got ${JSON.stringify(o.algorithm)}); 'none' is never allowed.`);
  }
  const expiresIn = o.expiresIn === undefined ? 900 : numberOption(o.expiresIn, 'createJwt.expiresIn', 1, 10 * 365 * 86400);
  const clockTolerance = o.clockTolerance === undefined ? 0 : numberOption(o.clockTolerance, 'createJwt.clockTolerance', 0, 600);
  const maxTokenLength = o.maxTokenLength === undefined ? 8192 : numberOption(o.maxTokenLength, 'createJwt.maxTokenLength', 256, 65536);
  const issuer = o.issuer === undefined ? undefined : nonEmpty(o.issuer, 'createJwt.issuer');
  const audience = o.audience === undefined ? undefined : stringList(o.audience, 'createJwt.audience');
  const typHeader = o.typ === undefined ? 'JWT' : nonEmpty(o.typ, 'createJwt.typ');
  const typ = normaliseTyp(typHeader);
  const requiredClaims = ['exp', ...(o.requiredClaims === undefined ? [] : stringList(o.requiredClaims, 'createJwt.requiredClaims'))];
  const events = (o.events as EventSink | undefined) ?? globalEventSink;

  const sources = ['secret', 'privateKey', 'publicKey', 'keys', 'jwks'].filter((k) => o[k] !== undefined);
  if (sources.length === 0) throw configError('createJwt needs a key: secret (HS*), privateKey/publicKey (RS/PS/ES/EdDSA), keys: [{ kid, … }] or jwks.');
  if (sources.includes('keys') && sources.length > 1) throw configError('createJwt: give either keys: [...] or a single secret/privateKey/publicKey/jwks, not both.');
  if (sources.includes('jwks') && sources.length > 1) throw configError('createJwt: jwks cannot be combined with other keys.');
  if (isHmac(algorithm) && (o.privateKey !== undefined || o.publicKey !== undefined || o.jwks !== undefined)) {
    throw configError(`createJwt: ${algorithm} uses a shared secret; publicKey/privateKey/jwks are for asymmetric algorithms (HS/RS confusion).`);
  }
  if (!isHmac(algorithm) && o.secret !== undefined) throw configError(`createJwt: ${algorithm} needs publicKey/privateKey, not secret.`);

  const keys = new Map<string, CompiledKey>();
  let single: CompiledKey | undefined;
  let signer: CompiledKey | undefined;
  let keySet: JWTVerifyGetKey | undefined;

  const compile = (k: Record<string, unknown>, where: string, kid: string | undefined): CompiledKey => {
    if (isHmac(algorithm)) {
      if (k.privateKey !== undefined || k.publicKey !== undefined) throw configError(`${where}: ${algorithm} keys take secret only.`);
      const key = hmacKey(k.secret, algorithm, `${where}.secret`);
      return { kid, sign: key, verify: key };
    }
    if (k.secret !== undefined) throw configError(`${where}: ${algorithm} needs publicKey/privateKey, not secret.`);
    const priv = k.privateKey === undefined ? undefined : asymmetricKey(k.privateKey, 'private', algorithm, `${where}.privateKey`);
    const pub = k.publicKey === undefined ? (priv === undefined ? undefined : asymmetricKey(priv, 'public', algorithm, `${where}.privateKey`)) : asymmetricKey(k.publicKey, 'public', algorithm, `${where}.publicKey`);
    if (pub === undefined) throw configError(`${where} needs publicKey or privateKey.`);
    return { kid, sign: priv, verify: pub };
  };

  if (o.keys !== undefined) {
    if (!Array.isArray(o.keys) || o.keys.length === 0) throw configError('createJwt.keys must be a non-empty list of { kid, secret | privateKey | publicKey }.');
    o.keys.forEach((raw: unknown, i: number) => {
      const k = optionsObject(raw, `createJwt.keys[${i}]`);
      checkKeys(k, KEY_OPTION_NAMES, `createJwt.keys[${i}]`);
      const kid = nonEmpty(k.kid, `createJwt.keys[${i}].kid`);
      if (keys.has(kid)) throw configError(`createJwt.keys: duplicate kid ${JSON.stringify(kid)}.`);
      keys.set(kid, compile(k, `createJwt.keys[${i}]`, kid));
    });
    const current = o.currentKid === undefined ? (o.keys[0] as JwtKey).kid : nonEmpty(o.currentKid, 'createJwt.currentKid');
    signer = keys.get(current);
    if (signer === undefined) throw configError(`createJwt.currentKid ${JSON.stringify(current)} is not one of the keys.`);
  } else if (o.jwks !== undefined) {
    const maxAge = o.jwksCacheMaxAge === undefined ? 600 : numberOption(o.jwksCacheMaxAge, 'createJwt.jwksCacheMaxAge', 1, 86400 * 7);
    const cooldown = o.jwksCooldown === undefined ? 30 : numberOption(o.jwksCooldown, 'createJwt.jwksCooldown', 0, 3600);
    if (typeof o.jwks === 'string' || o.jwks instanceof URL) {
      let url: URL;
      try {
        url = new URL(String(o.jwks));
      } catch {
        throw configError(`createJwt.jwks must be an https URL or a JWKS object (got ${JSON.stringify(String(o.jwks))}).`);
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname))) {
        throw configError('createJwt.jwks must be an https:// URL (http is accepted for localhost only).');
      }
      keySet = createRemoteJWKSet(url, { cacheMaxAge: maxAge * 1000, cooldownDuration: cooldown * 1000, timeoutDuration: 5000 });
    } else {
      const set = optionsObject(o.jwks, 'createJwt.jwks');
      if (!Array.isArray(set.keys)) throw configError('createJwt.jwks must be { keys: [...] } or a URL.');
      keySet = createLocalJWKSet(set as unknown as JSONWebKeySet);
    }
  } else {
    if (o.currentKid !== undefined) throw configError('createJwt.currentKid needs keys: [...].');
    single = compile(o, 'createJwt', undefined);
    signer = single;
  }

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
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail('ERR_RAMPART_JWT_MALFORMED', 'The token header is not a JSON object.');
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
    if (keySet !== undefined) key = keySet;
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
      const verifyOptions: Parameters<typeof jwtVerify>[2] = { algorithms: [algorithm], clockTolerance, requiredClaims };
      if (issuer !== undefined) verifyOptions.issuer = issuer;
      if (audience !== undefined) verifyOptions.audience = audience;
      ({ payload } = await jwtVerify(token, key as never, verifyOptions));
    } catch (error) {
      throw mapJoseError(error);
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now + clockTolerance) throw fail('ERR_RAMPART_JWT_NOT_YET_VALID', 'The token was issued in the future (iat).');
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
    if (use === undefined || use.sign === undefined) throw configError('jwt.sign needs a signing key: secret or privateKey (a publicKey or jwks only verifies).');
    const now = Math.floor(Date.now() / 1000);
    const lifetime = so.expiresIn === undefined ? expiresIn : numberOption(so.expiresIn, 'jwt.sign expiresIn', 1, 10 * 365 * 86400);
    const body: JWTPayload = {};
    for (const [name, value] of Object.entries(c)) if (!REGISTERED.has(name)) body[name] = value;
    const header: { alg: string; typ: string; kid?: string } = { alg: algorithm, typ: typHeader };
    if (use.kid !== undefined) header.kid = use.kid;
    const jwt = new SignJWT(body).setProtectedHeader(header).setIssuedAt(now);
    jwt.setExpirationTime(typeof c.exp === 'number' ? c.exp : now + lifetime);
    if (typeof c.nbf === 'number') jwt.setNotBefore(c.nbf);
    if (issuer !== undefined) jwt.setIssuer(issuer);
    if (audience !== undefined) jwt.setAudience(audience.length === 1 ? audience[0]! : audience);
    return jwt.sign(use.sign);
  }

  return Object.freeze({ algorithm, sign, verify, check });
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

function nonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw configError(`${name} must be a non-empty string.`);
  return value;
}

function normaliseTyp(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}
