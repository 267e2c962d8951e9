import type { KeyObject } from 'node:crypto';
import type { JWTVerifyGetKey, JSONWebKeySet } from 'jose';
import { lazyPeer, PEERS, checkPeer } from '../../core/optional.ts';
import { checkKeys, configError, numberOption, optionsObject, stringList } from '../../core/options.ts';
import { globalEventSink } from '../../core/events.ts';
import type { EventSink } from '../../core/types.ts';
import { ALGORITHMS, asymmetricKey, hmacKey, isHmac, type JwtAlgorithm, type KeyInput } from './keys.ts';
import { boundedJwksFetch } from './jwks-fetch.ts';

/** One key of a rotation set: tokens carry its `kid` in the header. */
export interface JwtKey {
  kid: string;
  secret?: string | Uint8Array;
  privateKey?: KeyInput;
  publicKey?: KeyInput;
}

/** One key of a {@link JwkSet} (RFC 7517): its members as JSON, private members never needed to verify. */
export interface JwkSetKey {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: readonly string[];
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  x5c?: readonly string[];
}

/** A JSON Web Key Set (RFC 7517 §5), e.g. the parsed body of an issuer's `jwks_uri`. */
export interface JwkSet {
  keys: readonly JwkSetKey[];
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
  jwks?: string | URL | JwkSet;
  /** Seconds a fetched JWKS is trusted. Default 600. */
  jwksCacheMaxAge?: number;
  /** Minimum seconds between two JWKS fetches (unknown `kid`s cannot hammer the issuer). Default 30. */
  jwksCooldown?: number;
  /** `iss` set on signing and required on verifying (a token from any other issuer is refused). Required. */
  issuer: string;
  /** `aud` set on signing; verifying requires one of these (a token meant for another service is refused). Required. */
  audience: string | readonly string[];
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

/** A compiled key: the KeyObjects to sign and verify with, and its `kid` in a rotation set. */
export interface CompiledKey {
  readonly kid: string | undefined;
  readonly sign: KeyObject | undefined;
  readonly verify: KeyObject;
}

/** The validated, frozen configuration {@link createJwt} runs on. */
export interface JwtConfig {
  readonly algorithm: JwtAlgorithm;
  readonly expiresIn: number;
  readonly clockTolerance: number;
  readonly maxTokenLength: number;
  readonly issuer: string;
  readonly audience: readonly string[];
  /** The `typ` header written on signing, and its normalised form checked on verifying. */
  readonly typHeader: string;
  readonly typ: string;
  /** `exp` and the configured required claims. */
  readonly requiredClaims: readonly string[];
  readonly events: EventSink;
  /** Rotation keys by `kid` (empty unless `keys` was given). */
  readonly keys: ReadonlyMap<string, CompiledKey>;
  /** The one key when neither `keys` nor `jwks` was given. */
  readonly single: CompiledKey | undefined;
  /** The key new tokens are signed with (undefined for a JWKS). */
  readonly signer: CompiledKey | undefined;
  /** The verify-only key set of `jwks`, built on first use (jose loads then). */
  readonly keySet: (() => Promise<JWTVerifyGetKey>) | undefined;
}

const OPTION_NAMES = [
  'algorithm',
  'secret',
  'privateKey',
  'publicKey',
  'keys',
  'currentKid',
  'jwks',
  'jwksCacheMaxAge',
  'jwksCooldown',
  'issuer',
  'audience',
  'expiresIn',
  'clockTolerance',
  'typ',
  'requiredClaims',
  'maxTokenLength',
  'events',
];
const KEY_OPTION_NAMES = ['kid', 'secret', 'privateKey', 'publicKey'];

/**
 * Validate and normalise {@link JwtOptions} once: the algorithm pinned, keys imported and
 * checked against it (HS/RS confusion and short HMAC secrets refused), the JWKS source
 * set up (nothing is fetched here). Throws RampartError (ERR_RAMPART_CONFIG /
 * ERR_RAMPART_UNKNOWN_OPTION) with the fix. The result is frozen.
 */
export function compileJwtOptions(options: JwtOptions): JwtConfig {
  checkPeer(PEERS.jwt);
  const o = optionsObject(options, 'createJwt');
  checkKeys(o, OPTION_NAMES, 'createJwt');
  const algorithm = o.algorithm as JwtAlgorithm;
  if (!ALGORITHMS.includes(algorithm)) {
    throw configError(`createJwt.algorithm must be one of ${ALGORITHMS.join(', ')} (got ${JSON.stringify(o.algorithm)}); 'none' is never allowed.`);
  }
  const expiresIn = o.expiresIn === undefined ? 900 : numberOption(o.expiresIn, 'createJwt.expiresIn', 1, 10 * 365 * 86400);
  const clockTolerance = o.clockTolerance === undefined ? 0 : numberOption(o.clockTolerance, 'createJwt.clockTolerance', 0, 600);
  const maxTokenLength = o.maxTokenLength === undefined ? 8192 : numberOption(o.maxTokenLength, 'createJwt.maxTokenLength', 256, 65536);
  const { issuer, audience } = issuerAndAudience(o.issuer, o.audience);
  const typHeader = o.typ === undefined ? 'JWT' : nonEmpty(o.typ, 'createJwt.typ');
  const typ = normaliseTyp(typHeader);
  const requiredClaims = ['exp', ...(o.requiredClaims === undefined ? [] : stringList(o.requiredClaims, 'createJwt.requiredClaims'))];
  const events = (o.events as EventSink | undefined) ?? globalEventSink;

  const sources = ['secret', 'privateKey', 'publicKey', 'keys', 'jwks'].filter((k) => o[k] !== undefined);
  if (sources.length === 0) throw configError('createJwt needs a key: secret (HS*), privateKey/publicKey (RS/PS/ES/EdDSA), keys: [{ kid, … }] or jwks.');
  if (sources.includes('keys') && sources.length > 1)
    throw configError('createJwt: give either keys: [...] or a single secret/privateKey/publicKey/jwks, not both.');
  if (sources.includes('jwks') && sources.length > 1) throw configError('createJwt: jwks cannot be combined with other keys.');
  if (isHmac(algorithm) && (o.privateKey !== undefined || o.publicKey !== undefined || o.jwks !== undefined)) {
    throw configError(`createJwt: ${algorithm} uses a shared secret; publicKey/privateKey/jwks are for asymmetric algorithms (HS/RS confusion).`);
  }
  if (!isHmac(algorithm) && o.secret !== undefined) throw configError(`createJwt: ${algorithm} needs publicKey/privateKey, not secret.`);

  const keys = new Map<string, CompiledKey>();
  let single: CompiledKey | undefined;
  let signer: CompiledKey | undefined;
  let keySet: (() => Promise<JWTVerifyGetKey>) | undefined;

  const compile = (k: Record<string, unknown>, where: string, kid: string | undefined): CompiledKey => {
    if (isHmac(algorithm)) {
      if (k.privateKey !== undefined || k.publicKey !== undefined) throw configError(`${where}: ${algorithm} keys take secret only.`);
      const key = hmacKey(k.secret, algorithm, `${where}.secret`);
      return Object.freeze({ kid, sign: key, verify: key });
    }
    if (k.secret !== undefined) throw configError(`${where}: ${algorithm} needs publicKey/privateKey, not secret.`);
    const priv = k.privateKey === undefined ? undefined : asymmetricKey(k.privateKey, 'private', algorithm, `${where}.privateKey`);
    const pub =
      k.publicKey === undefined
        ? priv === undefined
          ? undefined
          : asymmetricKey(priv, 'public', algorithm, `${where}.privateKey`)
        : asymmetricKey(k.publicKey, 'public', algorithm, `${where}.publicKey`);
    if (pub === undefined) throw configError(`${where} needs publicKey or privateKey.`);
    return Object.freeze({ kid, sign: priv, verify: pub });
  };

  if (o.keys !== undefined) {
    if (!Array.isArray(o.keys) || o.keys.length === 0)
      throw configError('createJwt.keys must be a non-empty list of { kid, secret | privateKey | publicKey }.');
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
      keySet = onFirstUse(async () => {
        const jose = await loadJose();
        return jose.createRemoteJWKSet(url, {
          cacheMaxAge: maxAge * 1000,
          cooldownDuration: cooldown * 1000,
          timeoutDuration: 5000,
          // The body is read up to MAX_JWKS_BYTES, then the connection is closed.
          [jose.customFetch]: boundedJwksFetch((message) => new jose.errors.JWKSInvalid(message)),
        });
      });
    } else {
      const set = optionsObject(o.jwks, 'createJwt.jwks');
      // What jose's createLocalJWKSet requires, checked here so a bad set fails at construction.
      if (!Array.isArray(set.keys) || !set.keys.every((k: unknown) => typeof k === 'object' && k !== null && !Array.isArray(k)))
        throw configError('createJwt.jwks must be { keys: [...] } (a list of JWK objects) or a URL.');
      const local = structuredClone(set) as unknown as JSONWebKeySet;
      keySet = onFirstUse(async () => (await loadJose()).createLocalJWKSet(local));
    }
  } else {
    if (o.currentKid !== undefined) throw configError('createJwt.currentKid needs keys: [...].');
    single = compile(o, 'createJwt', undefined);
    signer = single;
  }

  return Object.freeze({
    algorithm,
    expiresIn,
    clockTolerance,
    maxTokenLength,
    issuer,
    audience: Object.freeze(audience),
    typHeader,
    typ,
    requiredClaims: Object.freeze(requiredClaims),
    events,
    keys,
    single,
    signer,
    keySet,
  });
}

/** jose, loaded by the first signature or verification (an optional peer: rampart/auth imports without it). */
export const loadJose = lazyPeer(PEERS.jwt, () => import('jose'));

/** `create` run once, on the first call; a failure is not kept (the next call tries again). */
function onFirstUse<T>(create: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * Every verifier checks `iss` and `aud`: without them a token that another service (or
 * another issuer sharing the key, or a JWKS) minted for itself would be accepted here.
 */
function issuerAndAudience(issuer: unknown, audience: unknown): { issuer: string; audience: string[] } {
  const fix =
    "give both, e.g. createJwt({ algorithm, secret, issuer: 'https://id.example', audience: 'api' }): tokens are then only accepted from that issuer and for that audience.";
  if (issuer === undefined || audience === undefined) {
    const missing = [issuer === undefined ? 'issuer' : '', audience === undefined ? 'audience' : ''].filter(Boolean).join(' and ');
    throw configError(`createJwt needs ${missing}: tokens are verified against them (RFC 8725 §3.8-3.9); ${fix}`);
  }
  const list = stringList(audience, 'createJwt.audience');
  if (list.length === 0 || list.some((a) => a.length === 0)) throw configError(`createJwt.audience must be a non-empty string or list of them; ${fix}`);
  return { issuer: nonEmpty(issuer, 'createJwt.issuer'), audience: list };
}

function nonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw configError(`${name} must be a non-empty string.`);
  return value;
}

/** `typ` compared case-insensitively, with the `application/` prefix optional (RFC 8725 §3.11). */
export function normaliseTyp(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}
