import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { httpbis, createSigner, createVerifier, ExpiredError, type Request as SigRequest } from 'http-message-signatures';
import { RampartError } from '../../errors.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';

/** RFC 9421 algorithms (§3.3). */
export type HttpSignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'rsa-pss-sha512' | 'rsa-v1_5-sha256' | 'hmac-sha256';

const ALGS: readonly HttpSignatureAlgorithm[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'];

/** An HTTP message as RFC 9421 sees it. */
export interface HttpMessage {
  method: string;
  /** Absolute URL (`https://example.com/foo?x=1`): @authority, @path and @query come from it. */
  url: string | URL;
  headers: Record<string, string | string[]>;
}

/** Options of {@link signHttpMessage}. */
export interface SignHttpMessageOptions {
  /** Private key (KeyObject, PEM, JWK) or, for hmac-sha256, the shared secret bytes. */
  key: KeyObject | string | Uint8Array | Record<string, unknown>;
  keyId: string;
  algorithm: HttpSignatureAlgorithm;
  /** Covered components, e.g. ['@method', '@authority', '@path', 'content-digest', 'date']. */
  components: readonly string[];
  /** Signature label. Default 'sig1'. */
  label?: string;
  /** Creation time (Unix seconds). Default now. */
  created?: number;
  /** Expiry (Unix seconds). Default none. */
  expires?: number;
  nonce?: string;
  /** Include `alg` in the signature parameters. Default false (the key id determines it, as RFC 9421 recommends). */
  includeAlg?: boolean;
}

/** One verification key by key id. */
export interface HttpSignatureKey {
  key: KeyObject | string | Uint8Array | Record<string, unknown>;
  algorithm: HttpSignatureAlgorithm;
}

/** Options of {@link verifyHttpMessage}. */
export interface VerifyHttpMessageOptions {
  keys: Record<string, HttpSignatureKey>;
  /** Reject signatures created more than this many seconds ago. Default 300; `0` disables (for fixed test vectors). */
  maxAge?: number;
  /** Components that must be covered (e.g. ['@method', '@path', 'content-digest']). */
  requiredComponents?: readonly string[];
}

function loadKey(key: unknown, algorithm: HttpSignatureAlgorithm, kind: 'private' | 'public'): KeyObject | Buffer {
  if (algorithm === 'hmac-sha256') {
    const buf = typeof key === 'string' ? Buffer.from(key, 'utf8') : key instanceof Uint8Array ? Buffer.from(key) : undefined;
    if (buf === undefined || buf.length < 32) throw configError('hmac-sha256 keys must be at least 32 bytes.');
    return buf;
  }
  try {
    if (key !== null && typeof key === 'object' && typeof (key as KeyObject).export === 'function') {
      const k = key as KeyObject;
      return kind === 'public' && k.type === 'private' ? createPublicKey(k) : k;
    }
    if (typeof key === 'string') return kind === 'private' ? createPrivateKey(key) : createPublicKey(key);
    if (key !== null && typeof key === 'object' && !(key instanceof Uint8Array)) {
      return kind === 'private' ? createPrivateKey({ key: key as never, format: 'jwk' }) : createPublicKey({ key: key as never, format: 'jwk' });
    }
  } catch (error) {
    throw configError(`Not a usable ${kind} key for ${algorithm}: ${(error as Error).message}`);
  }
  throw configError(`The key for ${algorithm} must be a KeyObject, PEM or JWK.`);
}

function checkAlgorithm(value: unknown, where: string): HttpSignatureAlgorithm {
  if (!ALGS.includes(value as HttpSignatureAlgorithm)) throw configError(`${where} must be one of ${ALGS.join(', ')}.`);
  return value as HttpSignatureAlgorithm;
}

/**
 * Sign an HTTP request with RFC 9421 HTTP Message Signatures. Returns the
 * `signature-input` and `signature` headers to add.
 */
export async function signHttpMessage(options: SignHttpMessageOptions, message: HttpMessage): Promise<{ 'signature-input': string; signature: string }> {
  const o = optionsObject(options, 'signHttpMessage');
  checkKeys(o, ['key', 'keyId', 'algorithm', 'components', 'label', 'created', 'expires', 'nonce', 'includeAlg'], 'signHttpMessage');
  const algorithm = checkAlgorithm(o.algorithm, 'signHttpMessage.algorithm');
  if (typeof o.keyId !== 'string' || o.keyId.length === 0) throw configError('signHttpMessage.keyId must be a non-empty string.');
  if (!Array.isArray(o.components) || o.components.length === 0) throw configError('signHttpMessage.components must list the covered components.');
  const params = ['created', 'keyid'];
  const paramValues: Record<string, unknown> = { created: new Date((o.created === undefined ? Math.floor(Date.now() / 1000) : numberOption(o.created, 'signHttpMessage.created', 0, 2 ** 40)) * 1000) };
  if (o.expires !== undefined) {
    params.push('expires');
    paramValues.expires = new Date(numberOption(o.expires, 'signHttpMessage.expires', 0, 2 ** 40) * 1000);
  }
  if (o.nonce !== undefined) {
    params.push('nonce');
    paramValues.nonce = String(o.nonce);
  }
  if (o.includeAlg === true) params.push('alg');
  const key = createSigner(loadKey(o.key, algorithm, 'private') as never, algorithm, o.keyId);
  const signed = await httpbis.signMessage(
    { key, name: typeof o.label === 'string' ? o.label : 'sig1', fields: [...(o.components as string[])], params, paramValues: paramValues as never },
    { method: message.method, url: String(message.url), headers: { ...message.headers } } as SigRequest,
  );
  const h = signed.headers as Record<string, string>;
  return { 'signature-input': String(h['Signature-Input'] ?? h['signature-input']), signature: String(h.Signature ?? h.signature) };
}

type CompiledKeys = Map<string, ReturnType<typeof createVerifier> & { algorithm: HttpSignatureAlgorithm }>;
const compiled = new WeakMap<object, CompiledKeys>();

/** Load and check verification keys once (cached per keys object); throws ERR_RAMPART_CONFIG. */
export function compileKeys(input: unknown): CompiledKeys {
  const source = optionsObject(input, 'verifyHttpMessage.keys');
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  const keys: CompiledKeys = new Map();
  for (const [id, raw] of Object.entries(source)) {
    const def = optionsObject(raw, `verifyHttpMessage.keys.${id}`);
    checkKeys(def, ['key', 'algorithm'], `verifyHttpMessage.keys.${id}`);
    const algorithm = checkAlgorithm(def.algorithm, `verifyHttpMessage.keys.${id}.algorithm`);
    keys.set(id, Object.assign(createVerifier(loadKey(def.key, algorithm, 'public') as never, algorithm), { algorithm }));
  }
  if (keys.size === 0) throw configError('verifyHttpMessage.keys must name at least one key.');
  compiled.set(source, keys);
  return keys;
}

/**
 * Verify RFC 9421 HTTP Message Signatures against known keys (selected by `keyid`; a key
 * id's algorithm is fixed by configuration, never by the message). Resolves with the
 * key id that verified, or throws ERR_RAMPART_SIGNATURE_MISSING / _INVALID / _EXPIRED.
 */
export async function verifyHttpMessage(options: VerifyHttpMessageOptions, message: HttpMessage): Promise<{ keyId: string }> {
  const o = optionsObject(options, 'verifyHttpMessage');
  checkKeys(o, ['keys', 'maxAge', 'requiredComponents'], 'verifyHttpMessage');
  const keys = compileKeys(o.keys);
  const maxAge = o.maxAge === undefined ? 300 : numberOption(o.maxAge, 'verifyHttpMessage.maxAge', 0, 86400 * 365);
  let used: string | undefined;
  let result: boolean | null;
  try {
    result = await httpbis.verifyMessage(
      {
        keyLookup: async (params) => {
          const id = typeof params.keyid === 'string' ? params.keyid : undefined;
          const verifier = id === undefined ? undefined : keys.get(id);
          if (verifier === undefined) return null;
          used = id;
          return { id, algs: [verifier.algorithm], verify: verifier };
        },
        ...(maxAge > 0 ? { maxAge } : {}),
        requiredParams: ['created', 'keyid'],
        requiredFields: o.requiredComponents === undefined ? [] : [...(o.requiredComponents as string[])],
      },
      { method: message.method, url: String(message.url), headers: message.headers } as SigRequest,
    );
  } catch (error) {
    if (error instanceof ExpiredError) throw new RampartError('ERR_RAMPART_SIGNATURE_EXPIRED', 'The HTTP message signature is too old or expired.', { status: 401, cause: error });
    throw new RampartError('ERR_RAMPART_SIGNATURE_INVALID', 'The HTTP message signature is malformed or unacceptable.', { status: 401, cause: error });
  }
  if (result === null && used === undefined) throw new RampartError('ERR_RAMPART_SIGNATURE_MISSING', 'No HTTP message signature with a known key id.', { status: 401 });
  if (result !== true || used === undefined) throw new RampartError('ERR_RAMPART_SIGNATURE_INVALID', 'The HTTP message signature does not verify.', { status: 401 });
  return { keyId: used };
}
