import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { decodeBase64Url, kind, toBytes } from './bytes.ts';
import { hkdf } from './kdf.ts';
import { checkKeys, intOption } from './options.ts';
import { Secret, assertStrongSecret } from './secret.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Messages one key may encrypt. With random 96-bit IVs, NIST SP 800-38D §8.3 caps a key at
 * 2^32 encryptions so that the chance of an IV collision (which breaks GCM) stays below
 * 2^-32. The keyring counts per process; several processes sharing a key share the budget,
 * so rotate keys well before the sum gets near (a new key per year or per 2^30 messages is
 * comfortable).
 */
export const GCM_RANDOM_IV_MESSAGE_LIMIT = 2 ** 32;

/** A key given to {@link keyring}: 32 raw bytes, their url-safe base64, or a Secret of either. */
export type KeyMaterial = Uint8Array | string | Secret;

/** Options of {@link keyring}. */
export interface KeyringOptions {
  /** Keys by id (`[A-Za-z0-9_-]{1,64}`). Without `purpose`: 32-byte AES keys. With `purpose`: master secrets. */
  keys: Record<string, KeyMaterial>;
  /** Id of the key that encrypts; every key decrypts. */
  current: string;
  /**
   * Derive each AES key as HKDF-SHA256(master, info = `rampart keyring v1 <purpose> <kid>`),
   * so one master secret yields independent keys per purpose ("sessions", "db-fields").
   * Master secrets must pass `checkSecret` (≥ 32 characters, high entropy).
   */
  purpose?: string;
  /** Per-key encryption limit for this process, default and maximum 2^32 (see GCM_RANDOM_IV_MESSAGE_LIMIT). */
  messageLimit?: number;
}

/** Per-call options of the keyring. */
export interface KeyringCallOptions {
  /** Additional authenticated data: context the ciphertext is bound to (a user id, a column name). */
  aad?: string | Uint8Array;
}

/** An AES-256-GCM keyring: see {@link keyring}. */
export interface Keyring {
  /** Encrypt with the current key → `v1.<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`. */
  encrypt(data: string | Uint8Array, options?: KeyringCallOptions): string;
  /** Decrypt with whichever known key the text names; throws RampartError on any failure. */
  decrypt(text: string, options?: KeyringCallOptions): Buffer;
  /** {@link Keyring.decrypt} as UTF-8 text. */
  decryptString(text: string, options?: KeyringCallOptions): string;
  /** Re-encrypt under the current key (returns `text` unchanged when it already uses it). */
  rotate(text: string, options?: KeyringCallOptions): string;
  /**
   * Encrypt a JSON value (seed 001's `encrypt_dict`): plain objects, arrays, strings,
   * finite numbers, booleans and null only — `undefined`, functions, NaN/Infinity, BigInt,
   * Maps, class instances and cycles throw `ERR_RAMPART_CRYPTO_INPUT` instead of being
   * silently changed by `JSON.stringify`. Bind it to its row with `aad`.
   */
  encryptJson(value: unknown, options?: KeyringCallOptions): string;
  /** Decrypt and parse a value from {@link Keyring.encryptJson} (seed 001's `decrypt_dict`), with the same `aad`. */
  decryptJson<T = unknown>(text: string, options?: KeyringCallOptions): T;
  /** True when `text` was encrypted with a key other than the current one. */
  needsRotation(text: string): boolean;
  /** The key id a ciphertext names, read from its envelope (no decryption, no key needed: also the id of a removed key). Malformed text throws `ERR_RAMPART_CRYPTO_MALFORMED`. */
  keyIdOf(text: string): string;
  /** Id of the current key. */
  readonly current: string;
  /** Messages encrypted per key id by this process. */
  usage(): Record<string, number>;
}

interface Entry {
  key: Buffer;
  prefix: string;
  used: number;
}

/**
 * An AES-256-GCM keyring with key ids, for encrypting fields and blobs at rest.
 * Ciphertexts are `v1.<kid>.<base64url>`, so keys can rotate: add a key, make it
 * `current`, re-encrypt old rows with `rotate()` at leisure, then drop the old key.
 * The version and key id are authenticated together with the optional `aad`.
 *
 * @example
 * const ring = keyring({ keys: { k1: process.env.DATA_KEY_1!, k2: process.env.DATA_KEY_2! }, current: 'k2' });
 * const stored = ring.encrypt('4111 1111 1111 1111', { aad: `user:${id}` });
 * ring.decryptString(stored, { aad: `user:${id}` });
 */
export function keyring(options: KeyringOptions): Keyring {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `keyring options must be an object (got ${kind(options)}).`);
  }
  checkKeys(options, ['keys', 'current', 'purpose', 'messageLimit'], 'keyring');
  const { keys, current, purpose } = options;
  const messageLimit = intOption(options.messageLimit, 'keyring messageLimit', 1, GCM_RANDOM_IV_MESSAGE_LIMIT, GCM_RANDOM_IV_MESSAGE_LIMIT);
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new RampartError('ERR_RAMPART_CONFIG', 'keyring keys must be an object of key id → key with at least one key, e.g. { k1: randomBytes(32) }.');
  }
  if (purpose !== undefined && (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 200)) {
    throw new RampartError('ERR_RAMPART_CONFIG', 'keyring purpose must be a non-empty string of at most 200 characters.');
  }
  const entries = new Map<string, Entry>();
  for (const [kid, material] of Object.entries(keys)) {
    if (!KID.test(kid)) throw new RampartError('ERR_RAMPART_CRYPTO_KEY', `keyring key id ${JSON.stringify(kid.slice(0, 70))} must match [A-Za-z0-9_-]{1,64}.`);
    const key = purpose === undefined ? aesKey(material, kid) : derivedKey(material, kid, purpose);
    entries.set(kid, { key, prefix: `${VERSION}.${kid}.`, used: 0 });
  }
  if (typeof current !== 'string' || !entries.has(current)) {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      `keyring current must name one of the keys (${[...entries.keys()].join(', ')}); got ${typeof current === 'string' ? JSON.stringify(current) : kind(current)}.`,
    );
  }
  const active = entries.get(current) as Entry;

  function encrypt(data: string | Uint8Array, callOptions?: KeyringCallOptions): string {
    const plaintext = toBytes(data, 'keyring.encrypt data');
    const aad = aadOf(callOptions);
    if (active.used >= messageLimit) {
      throw new RampartError(
        'ERR_RAMPART_CRYPTO_KEY_EXHAUSTED',
        `keyring key ${JSON.stringify(current)} has encrypted ${active.used} messages, its limit; add a new key and make it current.`,
      );
    }
    active.used++;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', active.key, iv);
    cipher.setAAD(headerAad(active.prefix, aad));
    const body = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return active.prefix + body.toString('base64url');
  }

  function decrypt(text: string, callOptions?: KeyringCallOptions): Buffer {
    const aad = aadOf(callOptions);
    const { entry, body } = parse(text);
    const iv = body.subarray(0, IV_BYTES);
    const tag = body.subarray(body.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(headerAad(entry.prefix, aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new RampartError('ERR_RAMPART_CRYPTO_DECRYPT', 'keyring ciphertext failed authentication (tampered, wrong aad, or another key).');
    }
  }

  function parse(text: unknown): { entry: Entry; kid: string; body: Buffer } {
    const { kid, body } = parseCiphertext(text);
    const entry = entries.get(kid);
    if (entry === undefined)
      throw new RampartError('ERR_RAMPART_CRYPTO_UNKNOWN_KEY', `keyring has no key ${JSON.stringify(kid)}; it was removed before its data was re-encrypted.`);
    return { entry, kid, body };
  }

  return Object.freeze({
    encrypt,
    decrypt,
    decryptString: (text: string, callOptions?: KeyringCallOptions) => decrypt(text, callOptions).toString('utf8'),
    encryptJson(value: unknown, callOptions?: KeyringCallOptions): string {
      assertPlainJson(value, '$', new Set());
      return encrypt(JSON.stringify(value), callOptions);
    },
    decryptJson<T = unknown>(text: string, callOptions?: KeyringCallOptions): T {
      const json = decrypt(text, callOptions).toString('utf8');
      try {
        return JSON.parse(json) as T;
      } catch {
        throw new RampartError(
          'ERR_RAMPART_CRYPTO_MALFORMED',
          'keyring.decryptJson: the ciphertext is authentic but its plaintext is not JSON (it was not made by encryptJson).',
        );
      }
    },
    rotate(text: string, callOptions?: KeyringCallOptions): string {
      if (parse(text).kid === current) {
        decrypt(text, callOptions); // still authenticate: rotate() must never bless a forged value
        return text;
      }
      return encrypt(decrypt(text, callOptions), callOptions);
    },
    needsRotation: (text: string) => parse(text).kid !== current,
    keyIdOf: (text: string) => parseEnvelope(text).kid,
    current,
    usage: () => Object.fromEntries([...entries].map(([kid, entry]) => [kid, entry.used])),
  });
}

/**
 * Split `v1.<kid>.<body>` and check its shape: the version, the key id's syntax, a non-empty
 * base64url body. The key id is read, not looked up, so a removed key's id is still reported;
 * the body's length is judged by {@link parseCiphertext} (a cut-off row still names its key).
 */
function parseEnvelope(text: unknown): { kid: string; body: Buffer } {
  if (typeof text !== 'string') throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `keyring ciphertext must be a string (got ${kind(text)}).`);
  const first = text.indexOf('.');
  const second = first < 0 ? -1 : text.indexOf('.', first + 1);
  if (second < 0 || text.slice(0, first) !== VERSION) {
    throw new RampartError('ERR_RAMPART_CRYPTO_MALFORMED', 'keyring ciphertext must look like v1.<kid>.<base64url>.');
  }
  const kid = text.slice(first + 1, second);
  if (!KID.test(kid)) throw new RampartError('ERR_RAMPART_CRYPTO_MALFORMED', 'keyring ciphertext has an invalid key id.');
  const body = decodeBase64Url(text.slice(second + 1), 'optional');
  if (body === undefined || body.length === 0) throw new RampartError('ERR_RAMPART_CRYPTO_MALFORMED', 'keyring ciphertext body is empty or not base64url.');
  return { kid, body };
}

/** {@link parseEnvelope}, and a body long enough to hold an IV and a tag. */
function parseCiphertext(text: unknown): { kid: string; body: Buffer } {
  const envelope = parseEnvelope(text);
  if (envelope.body.length < IV_BYTES + TAG_BYTES) {
    throw new RampartError('ERR_RAMPART_CRYPTO_MALFORMED', 'keyring ciphertext body is too short to hold an IV and tag.');
  }
  return envelope;
}

// JSON.stringify drops undefined and functions, turns NaN into null and Maps into {}: a
// round trip must give back what was encrypted, so anything else is refused up front.
function assertPlainJson(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `keyring.encryptJson: ${path} is ${value}, which JSON cannot hold.`);
  }
  if (typeof value !== 'object')
    throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `keyring.encryptJson: ${path} is ${kind(value)}; only plain JSON values can be encrypted.`);
  if (seen.has(value)) throw new RampartError('ERR_RAMPART_CRYPTO_INPUT', `keyring.encryptJson: ${path} is a cycle.`);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    throw new RampartError(
      'ERR_RAMPART_CRYPTO_INPUT',
      `keyring.encryptJson: ${path} is a class instance (${kind(value)}); convert it to a plain object first.`,
    );
  }
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertPlainJson(value[i], `${path}[${i}]`, seen);
  } else {
    for (const [key, item] of Object.entries(value)) assertPlainJson(item, `${path}.${key}`, seen);
  }
  seen.delete(value);
}

/** A new random 32-byte key as url-safe base64 (for keyring configuration). */
export function generateKeyringKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}

function aadOf(callOptions: KeyringCallOptions | undefined): Buffer {
  if (callOptions === undefined) return Buffer.alloc(0);
  if (typeof callOptions !== 'object' || callOptions === null) {
    throw new RampartError('ERR_RAMPART_CONFIG', `keyring call options must be an object (got ${kind(callOptions)}).`);
  }
  checkKeys(callOptions, ['aad'], 'keyring');
  return callOptions.aad === undefined ? Buffer.alloc(0) : toBytes(callOptions.aad, 'keyring aad');
}

// "v1.<kid>." cannot contain a second '.' inside the kid, so prefix ‖ aad is unambiguous.
function headerAad(prefix: string, aad: Buffer): Buffer {
  return Buffer.concat([Buffer.from(prefix, 'ascii'), aad]);
}

function aesKey(material: unknown, kid: string): Buffer {
  let key: Buffer | undefined;
  if (material instanceof Secret) key = decodeBase64Url(material.revealString(), 'optional') ?? Buffer.from(material.reveal());
  else if (typeof material === 'string') key = decodeBase64Url(material, 'optional');
  else if (material instanceof Uint8Array) key = Buffer.from(material);
  else throw new RampartError('ERR_RAMPART_CRYPTO_KEY', `keyring key ${kid} must be 32 bytes or their base64url (got ${kind(material)}).`);
  if (key === undefined || key.length !== KEY_BYTES) {
    throw new RampartError(
      'ERR_RAMPART_CRYPTO_KEY',
      `keyring key ${kid} must be exactly 32 random bytes (a Uint8Array or 43 base64url characters); generate one with generateKeyringKey(). To use a passphrase or master secret, set \`purpose\`.`,
    );
  }
  // Refuse keys that are obviously not random (all zeros, a repeated byte, a counter).
  assertStrongSecret(key, `keyring key ${kid}`);
  return key;
}

function derivedKey(material: unknown, kid: string, purpose: string): Buffer {
  const master = material instanceof Secret ? material.reveal() : material;
  if (typeof master !== 'string' && !(master instanceof Uint8Array)) {
    throw new RampartError('ERR_RAMPART_CRYPTO_KEY', `keyring master secret ${kid} must be a string, Uint8Array or Secret (got ${kind(master)}).`);
  }
  assertStrongSecret(master, `keyring master secret ${kid}`);
  return hkdf(master, { info: `rampart keyring ${VERSION} ${purpose} ${kid}` });
}
