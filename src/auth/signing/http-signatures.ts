import { createHash, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type * as Sig from 'http-message-signatures';
import { PEERS, requirePeer } from '../../core/optional.ts';
import { RampartError } from '../../errors.ts';
import { boolOption, checkKeys, configError, numberOption, optionsObject, stringList } from '../../core/options.ts';
import { requireSecret } from '../../crypto/secret.ts';
import { warnConfig } from '../../core/events.ts';
import { bodyBytes } from './headers.ts';
import { addNonce, defaultNonceStore, type NonceStore } from '../../stores/nonces.ts';

/** http-message-signatures, an optional peer, loaded on first use. */
function signatures(): typeof Sig {
  return requirePeer<typeof Sig>(PEERS.httpSignatures, 'http-message-signatures');
}

/** RFC 9421 algorithms (§3.3). */
export type HttpSignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'rsa-pss-sha512' | 'rsa-v1_5-sha256' | 'hmac-sha256';

const ALGS: readonly HttpSignatureAlgorithm[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'];

/** An HTTP message as RFC 9421 sees it. */
export interface HttpMessage {
  method: string;
  /** Absolute URL (`https://example.com/foo?x=1`): @authority, @path and @query come from it. */
  url: string | URL;
  headers: Record<string, string | string[]>;
  /**
   * The exact raw body, when the request has one. {@link verifyHttpMessage} checks
   * `Content-Digest` against it (RFC 9530) and, by default, requires the signature to
   * cover `content-digest` when it is not empty.
   */
  body?: string | Uint8Array;
}

/** Options of {@link signHttpMessage}. */
export interface SignHttpMessageOptions {
  /** Private key (KeyObject, PEM, JWK) or, for hmac-sha256, the shared secret bytes. */
  key: KeyObject | string | Uint8Array | Record<string, unknown>;
  keyId: string;
  algorithm: HttpSignatureAlgorithm;
  /**
   * Covered components, e.g. ['@method', '@authority', '@path', '@query', 'content-digest', 'date'].
   * Default: `@method`, `@target-uri`, and `content-digest` when the message has that header
   * (what {@link verifyHttpMessage} requires by default).
   */
  components?: readonly string[];
  /** Signature label. Default 'sig1'. */
  label?: string;
  /** Creation time (Unix seconds). Default now. */
  created?: number;
  /** Expiry (Unix seconds). Default none. */
  expires?: number;
  /**
   * The `nonce` parameter. Default: 16 random bytes (base64url), so two identical requests
   * signed in the same second are still two requests to a verifier's replay check.
   * `false`: none (reproducing fixed test vectors).
   */
  nonce?: string | false;
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
  /**
   * Seconds a signature's `created` may lie in the future (a signer whose clock is ahead)
   * before it is refused as ERR_RAMPART_SIGNATURE_NOT_YET_VALID. Default 5; at most 300.
   */
  clockTolerance?: number;
  /**
   * Components that must be covered in addition to the defaults (e.g. ['content-type']).
   * The defaults: `@method`; `@target-uri`, or `@authority` + `@path` + `@query`;
   * `content-digest` when the body is not empty.
   */
  requiredComponents?: readonly string[];
  /**
   * Relaxation (announced once): only `requiredComponents` must be covered, not the defaults —
   * a signature over a few headers then authorises any method, URL and body. Default false.
   */
  allowPartialCoverage?: boolean;
  /**
   * Where verified signatures are remembered until they expire (created + maxAge), so the same
   * signed request is refused a second time (ERR_RAMPART_SIGNATURE_REPLAY). Default: a
   * process-wide memory store; `redisNonceStore`/`postgresNonceStore` for several instances.
   */
  nonceStore?: NonceStore;
  /** Relaxation (announced once): no replay check. Default false. */
  allowReplay?: boolean;
}

/**
 * The shared secret of an hmac-sha256 key: bytes, a string, a secret KeyObject or an `oct`
 * JWK, through the shared {@link requireSecret} check (which also refuses PEM text). An
 * asymmetric key (KeyObject, JWK) is refused: its public half is public, so an HMAC keyed
 * with it could be forged by anyone (the HS/RS confusion).
 */
function hmacSecret(key: unknown, name: string): Buffer {
  const option = `${name} (hmac-sha256)`;
  let value = key;
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const k = value as KeyObject & { kty?: unknown; k?: unknown };
    if (typeof k.export === 'function' && k.type === 'secret') value = k.export();
    else if (k.kty === 'oct' && typeof k.k === 'string') value = Buffer.from(k.k, 'base64url');
    else if (typeof k.export === 'function' || typeof k.kty === 'string')
      throw configError(
        `${option} is an asymmetric key (KeyObject or JWK); hmac-sha256 needs a shared random secret. For a key pair, set algorithm to the key's own (ed25519, ecdsa-p256-sha256, rsa-pss-sha512, …) and give the public key.`,
      );
  }
  return requireSecret(value, { name: option, code: 'ERR_RAMPART_CONFIG' });
}

function loadKey(key: unknown, algorithm: HttpSignatureAlgorithm, kind: 'private' | 'public', name: string): KeyObject | Buffer {
  if (algorithm === 'hmac-sha256') return hmacSecret(key, name);
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

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function defaultComponents(message: HttpMessage): string[] {
  const components = ['@method', '@target-uri'];
  if (message !== null && typeof message === 'object' && hasHeader(message.headers ?? {}, 'content-digest')) components.push('content-digest');
  return components;
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
  const components = o.components === undefined ? defaultComponents(message) : o.components;
  if (!Array.isArray(components) || components.length === 0) throw configError('signHttpMessage.components must list the covered components.');
  const params = ['created', 'keyid'];
  const paramValues: Record<string, unknown> = {
    created: new Date((o.created === undefined ? Math.floor(Date.now() / 1000) : numberOption(o.created, 'signHttpMessage.created', 0, 2 ** 40)) * 1000),
  };
  if (o.expires !== undefined) {
    params.push('expires');
    paramValues.expires = new Date(numberOption(o.expires, 'signHttpMessage.expires', 0, 2 ** 40) * 1000);
  }
  if (o.nonce !== false) {
    params.push('nonce');
    paramValues.nonce = o.nonce === undefined ? randomBytes(16).toString('base64url') : String(o.nonce);
  }
  if (o.includeAlg === true) params.push('alg');
  const { createSigner, httpbis } = signatures();
  const key = createSigner(loadKey(o.key, algorithm, 'private', 'signHttpMessage.key') as never, algorithm, o.keyId);
  const signed = await httpbis.signMessage(
    { key, name: typeof o.label === 'string' ? o.label : 'sig1', fields: [...(components as string[])], params, paramValues: paramValues as never },
    { method: message.method, url: String(message.url), headers: { ...message.headers } } as Sig.Request,
  );
  const h = signed.headers as Record<string, string>;
  return { 'signature-input': String(h['Signature-Input'] ?? h['signature-input']), signature: String(h.Signature ?? h.signature) };
}

/** A verifier for one key (the shape http-message-signatures' createVerifier returns). */
export interface CompiledVerifier {
  (data: Buffer, signature: Buffer, parameters?: unknown): Promise<boolean | null>;
  readonly algorithm: HttpSignatureAlgorithm;
}

export type CompiledKeys = Map<string, CompiledVerifier>;
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
    keys.set(
      id,
      Object.assign(signatures().createVerifier(loadKey(def.key, algorithm, 'public', `verifyHttpMessage.keys.${id}.key`) as never, algorithm), {
        algorithm,
      }) as unknown as CompiledVerifier,
    );
  }
  if (keys.size === 0) throw configError('verifyHttpMessage.keys must name at least one key.');
  compiled.set(source, keys);
  return keys;
}

/**
 * Check every sha-256 / sha-512 member of a Content-Digest header against the body (RFC
 * 9530); at least one must be present, and every one present must match.
 */
export function digestMatches(header: string, body: Uint8Array): boolean {
  let checked = 0;
  for (const member of header.split(',')) {
    const m = /^\s*(sha-256|sha-512)=:([A-Za-z0-9+/]+={0,2}):\s*$/.exec(member);
    if (m === null) continue;
    const expected = createHash(m[1] === 'sha-256' ? 'sha256' : 'sha512')
      .update(body)
      .digest();
    const given = Buffer.from(m[2]!, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    checked++;
  }
  return checked > 0;
}

const SIGNATURE_PARAMS = '"@signature-params": (';

/**
 * The covered components of a signature, read from the last line of its signature base
 * (`"@signature-params": ("@method" "content-type";bs …);created=…`), which the library
 * serialised from the parsed Signature-Input. A component with parameters (`;bs`, `;sf`,
 * `;name="…"`) is listed as `name;` so it never satisfies a bare requirement.
 */
function coveredComponents(base: string): string[] | undefined {
  const line = base.slice(base.lastIndexOf('\n') + 1);
  if (!line.startsWith(SIGNATURE_PARAMS)) return undefined;
  const names: string[] = [];
  let i = SIGNATURE_PARAMS.length;
  const skipString = (): string | undefined => {
    let text = '';
    for (i++; i < line.length && line[i] !== '"'; i++) {
      if (line[i] === '\\') i++;
      text += line[i];
    }
    if (i >= line.length) return undefined;
    i++;
    return text;
  };
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === ')') return names;
    if (line[i] !== '"') return undefined;
    const name = skipString();
    if (name === undefined) return undefined;
    let bare = true;
    while (line[i] === ';') {
      bare = false;
      for (i++; i < line.length && !'=; )'.includes(line[i]!); i++);
      if (line[i] !== '=') continue;
      i++;
      if (line[i] === '"') {
        if (skipString() === undefined) return undefined;
      } else {
        for (; i < line.length && !'; )'.includes(line[i]!); i++);
      }
    }
    names.push(bare ? name : `${name};`);
  }
}

/** What the default coverage rule misses in `covered`, or undefined when it is met. */
function missingDefaults(covered: readonly string[], hasBody: boolean): string | undefined {
  const has = (name: string): boolean => covered.includes(name);
  const missing: string[] = [];
  if (!has('@method')) missing.push('@method');
  if (!has('@target-uri') && !(has('@authority') && has('@path') && has('@query'))) missing.push('@target-uri (or @authority, @path and @query)');
  if (hasBody && !has('content-digest')) missing.push('content-digest (the request has a body)');
  return missing.length === 0 ? undefined : missing.join(', ');
}

function seconds(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime() / 1000;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Replay entries of signatures without an age limit (maxAge: 0) and without `expires`. */
const UNBOUNDED_TTL = 365 * 86400;
const VERIFY_OPTIONS = ['keys', 'maxAge', 'clockTolerance', 'requiredComponents', 'allowPartialCoverage', 'nonceStore', 'allowReplay'];
/** Default allowance for a `created` ahead of this clock, in seconds: NTP-synchronised clocks and a request in flight. */
const CLOCK_TOLERANCE = 5;

function invalid(message: string): RampartError {
  return new RampartError('ERR_RAMPART_SIGNATURE_INVALID', message);
}

/** Validated verification settings (shared by {@link verifyHttpMessage} and the middleware). */
export interface CheckedVerifyOptions {
  keys: CompiledKeys;
  maxAge: number;
  clockTolerance: number;
  required: string[];
  partial: boolean;
  store: NonceStore | undefined;
}

/**
 * Validate {@link VerifyHttpMessageOptions} and announce relaxations (once per process).
 * `defaultStore` is used when no `nonceStore` is given and replays are not allowed.
 */
export function checkVerifyOptions(options: unknown, where: string, defaultStore: () => NonceStore, extra: readonly string[] = []): CheckedVerifyOptions {
  const o = optionsObject(options, where);
  checkKeys(o, [...VERIFY_OPTIONS, ...extra], where);
  const keys = compileKeys(o.keys);
  const maxAge = o.maxAge === undefined ? 300 : numberOption(o.maxAge, `${where}.maxAge`, 0, 86400 * 365);
  const clockTolerance = o.clockTolerance === undefined ? CLOCK_TOLERANCE : numberOption(o.clockTolerance, `${where}.clockTolerance`, 0, 300);
  const required = o.requiredComponents === undefined ? [] : stringList(o.requiredComponents, `${where}.requiredComponents`);
  const partial = o.allowPartialCoverage === undefined ? false : boolOption(o.allowPartialCoverage, `${where}.allowPartialCoverage`);
  const allowReplay = o.allowReplay === undefined ? false : boolOption(o.allowReplay, `${where}.allowReplay`);
  if (allowReplay && o.nonceStore !== undefined) throw configError(`${where}: nonceStore and allowReplay: true contradict each other; drop one.`);
  const given = o.nonceStore as NonceStore | undefined;
  if (given !== undefined && (given === null || typeof given !== 'object' || typeof given.add !== 'function')) {
    throw configError(`${where}.nonceStore must be a nonce store (memoryNonceStore(), redisNonceStore(client) or postgresNonceStore({ database })).`);
  }
  if (partial)
    warnConfig(
      `${where}.allowPartialCoverage is true: signatures need not cover @method, the target URI or the body; a signature made for one request can authorise another.`,
    );
  if (allowReplay) warnConfig(`${where}.allowReplay is true: the same signed request is accepted again and again until it expires.`);
  if (maxAge === 0) warnConfig(`${where}.maxAge is 0: signatures are accepted whatever their age (only an expires parameter limits them).`);
  return { keys, maxAge, clockTolerance, required, partial, store: allowReplay ? undefined : (given ?? defaultStore()) };
}

function announcesBody(headers: Record<string, string | string[]>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key === 'transfer-encoding') return true;
    if (key === 'content-length' && String(value).trim() !== '0') return true;
  }
  return false;
}

function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) found = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return found;
}

/** Verify with already checked options (see {@link verifyHttpMessage}). */
export async function verifyChecked(checked: CheckedVerifyOptions, message: HttpMessage): Promise<{ keyId: string }> {
  const m = optionsObject(message, 'verifyHttpMessage message');
  const headers = (m.headers ?? {}) as Record<string, string | string[]>;
  if (m.body === undefined && announcesBody(headers)) {
    throw configError(
      'verifyHttpMessage: the message announces a body (Content-Length/Transfer-Encoding) but message.body is missing; pass the exact raw body so Content-Digest can be checked.',
    );
  }
  const body = bodyBytes(m.body as string | Uint8Array | undefined);
  const digest = headerValue(headers, 'content-digest');
  if (digest !== undefined && !digestMatches(digest, body)) throw invalid('Content-Digest does not match the body.');
  let found: string | undefined;
  let decided: { id: string; base: Buffer; params: Record<string, unknown> } | undefined;
  let result: boolean | null;
  const now = Math.floor(Date.now() / 1000);
  try {
    result = await signatures().httpbis.verifyMessage(
      {
        keyLookup: async (params) => {
          const id = typeof params.keyid === 'string' ? params.keyid : undefined;
          const verifier = id === undefined ? undefined : checked.keys.get(id);
          if (id === undefined || verifier === undefined) return null;
          found = id;
          const created = seconds(params.created);
          if (created !== undefined && created > now + checked.clockTolerance) {
            throw new RampartError(
              'ERR_RAMPART_SIGNATURE_NOT_YET_VALID',
              `The HTTP message signature was created ${created - now} s in the future, beyond the ${checked.clockTolerance}-second clock tolerance; the signer's clock is ahead.`,
            );
          }
          const verify = async (data: Buffer, signature: Buffer, parameters?: unknown): Promise<boolean> => {
            decided = undefined;
            const covered = coveredComponents(data.toString('utf8'));
            if (covered === undefined) throw invalid('The signature parameters cannot be read.');
            const missing = checked.partial ? undefined : missingDefaults(covered, body.length > 0);
            if (missing !== undefined) throw invalid(`The signature must cover ${missing}.`);
            if ((await verifier(data, signature, parameters as never)) !== true) return false;
            decided = { id, base: data, params: (parameters ?? {}) as Record<string, unknown> };
            return true;
          };
          return { id, algs: [verifier.algorithm], verify };
        },
        ...(checked.maxAge > 0 ? { maxAge: checked.maxAge } : {}),
        // The future check is ours (keyLookup above, with its own error); this only keeps the library from refusing within the tolerance.
        notAfter: now + checked.clockTolerance,
        requiredParams: ['created', 'keyid'],
        requiredFields: checked.required,
      },
      { method: String(m.method), url: String(m.url), headers } as Sig.Request,
    );
  } catch (error) {
    if (error instanceof RampartError) throw error;
    if (error instanceof signatures().ExpiredError)
      throw new RampartError('ERR_RAMPART_SIGNATURE_EXPIRED', 'The HTTP message signature is too old or expired.', { cause: error });
    throw new RampartError('ERR_RAMPART_SIGNATURE_INVALID', 'The HTTP message signature is malformed or unacceptable.', { cause: error });
  }
  if (result === null && found === undefined) throw new RampartError('ERR_RAMPART_SIGNATURE_MISSING', 'No HTTP message signature with a known key id.');
  if (result !== true || decided === undefined) throw invalid('The HTTP message signature does not verify.');
  if (checked.store !== undefined) {
    // The replay key is the signed content, not the signature bytes: an ECDSA signature
    // has a second valid form (r, n − s), and a re-encoded one must not count as new.
    const now = Date.now() / 1000;
    const created = seconds(decided.params.created) ?? now;
    const expires = seconds(decided.params.expires);
    let until = checked.maxAge > 0 ? created + checked.maxAge : now + UNBOUNDED_TTL;
    if (expires !== undefined) until = Math.min(until, expires);
    const key = `rfc9421:${decided.id}:${createHash('sha256').update(decided.base).digest('base64url')}`;
    if (!(await addNonce(checked.store, key, Math.max(1, Math.ceil(until - now) + 1)))) {
      throw new RampartError('ERR_RAMPART_SIGNATURE_REPLAY', 'This signed request was already received.');
    }
  }
  return { keyId: decided.id };
}

/**
 * Verify RFC 9421 HTTP Message Signatures against known keys (selected by `keyid`; a key
 * id's algorithm is fixed by configuration, never by the message). Safe by default: the
 * signature must cover `@method`, `@target-uri` (or `@authority` + `@path` + `@query`) and,
 * when `message.body` is not empty, `content-digest`, which is checked against the body;
 * `created` and `keyid` are required; the same signed request is refused a second time
 * (a process-wide memory store unless `nonceStore` is given). Resolves with the key id that
 * verified, or throws ERR_RAMPART_SIGNATURE_MISSING / _INVALID / _EXPIRED / _REPLAY
 * (ERR_RAMPART_NONCE_STORE when the store fails).
 */
export async function verifyHttpMessage(options: VerifyHttpMessageOptions, message: HttpMessage): Promise<{ keyId: string }> {
  return verifyChecked(checkVerifyOptions(options, 'verifyHttpMessage', defaultNonceStore), message);
}
