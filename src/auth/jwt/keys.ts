import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { configError } from '../../core/options.ts';
import { requireSecret } from '../../crypto/secret.ts';

/** JWS algorithms rampart signs and verifies. `none` is never one of them. */
export const ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** A JWS algorithm name accepted by {@link createJwt}. */
export type JwtAlgorithm = (typeof ALGORITHMS)[number];

/** A key given as a KeyObject, a PEM string or a JWK object. */
export type KeyInput = KeyObject | string | Record<string, unknown>;

export function isHmac(alg: JwtAlgorithm): boolean {
  return alg.startsWith('HS');
}

/**
 * An HMAC key for `alg`: at least as long as the hash output (RFC 7518 §3.2), and passing
 * the check every rampart signing secret passes (no placeholder, repeated or sequential
 * secret; see requireSecret). A secret KeyObject is checked on its bytes.
 */
export function hmacKey(secret: unknown, alg: JwtAlgorithm, option: string): KeyObject {
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
  else if (secret !== null && typeof secret === 'object' && (secret as KeyObject).type === 'secret') bytes = (secret as KeyObject).export();
  else throw configError(`${option} must be a string or bytes for ${alg}.`);
  if (typeof secret === 'string' && /-----BEGIN [A-Z ]*KEY-----/.test(secret)) {
    // The classic HS/RS confusion: a PEM public key used as an HMAC secret.
    throw configError(
      `${option} looks like a PEM key; an ${alg} secret must be random bytes. For RSA/EC keys use algorithm RS256/ES256 with publicKey/privateKey.`,
    );
  }
  const min = Number(alg.slice(2)) / 8;
  if (bytes.length < min) {
    throw configError(
      `${option} must be at least ${min} bytes for ${alg} (got ${bytes.length}); generate one with crypto.randomBytes(${min}).toString('base64url').`,
    );
  }
  // Brute-forceable despite its length: one character repeated, zeros, a template value.
  const checked = requireSecret(typeof secret === 'string' ? secret : bytes, { name: option, code: 'ERR_RAMPART_CONFIG' });
  bytes.fill(0);
  const key = createSecretKey(checked); // copies: the checked bytes can be wiped
  checked.fill(0);
  return key;
}

function toKeyObject(input: unknown, kind: 'public' | 'private', option: string): KeyObject {
  if (input !== null && typeof input === 'object' && typeof (input as KeyObject).type === 'string' && typeof (input as KeyObject).export === 'function') {
    const key = input as KeyObject;
    if (key.type === 'secret') throw configError(`${option} must be an asymmetric ${kind} key, not a secret key.`);
    if (kind === 'public' && key.type === 'private') return createPublicKey(key);
    if (kind === 'private' && key.type !== 'private') throw configError(`${option} must be a private key.`);
    return key;
  }
  try {
    if (typeof input === 'string') return kind === 'public' ? createPublicKey(input) : createPrivateKey(input);
    if (input !== null && typeof input === 'object') {
      const jwk = input as Record<string, unknown>;
      if (jwk.kty === 'oct') throw configError(`${option} is a symmetric JWK; use secret with an HS algorithm.`);
      return kind === 'public' ? createPublicKey({ key: jwk as never, format: 'jwk' }) : createPrivateKey({ key: jwk as never, format: 'jwk' });
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_RAMPART_CONFIG') throw error;
    throw configError(`${option} is not a valid ${kind} key (PEM, JWK or KeyObject): ${(error as Error).message}`);
  }
  throw configError(`${option} must be a KeyObject, a PEM string or a JWK object.`);
}

const CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** Load an asymmetric key and check that it fits the pinned algorithm. */
export function asymmetricKey(input: unknown, kind: 'public' | 'private', alg: JwtAlgorithm, option: string): KeyObject {
  const key = toKeyObject(input, kind, option);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const fail = (expected: string): never => {
    throw configError(`${option} is a ${type} key but ${alg} needs ${expected}.`);
  };
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    if (type !== 'rsa' && !(alg.startsWith('PS') && type === 'rsa-pss')) fail('an RSA key');
    if ((details.modulusLength ?? 0) < 2048) throw configError(`${option}: RSA keys must be at least 2048 bits.`);
  } else if (alg.startsWith('ES')) {
    if (type !== 'ec' || details.namedCurve !== CURVES[alg]) fail(`an EC key on ${CURVES[alg]}`);
  } else if (type !== 'ed25519' && !(alg === 'EdDSA' && type === 'ed448')) fail('an Ed25519 key');
  return key;
}
