import * as nodeCrypto from 'node:crypto';
import { RampartError } from '../../errors.ts';

/** Argon2 variants rampart can verify; new hashes are always argon2id. */
export type Argon2Variant = 'argon2id' | 'argon2i' | 'argon2d';

/** Argon2 cost parameters (memory in KiB). */
export interface Argon2Params {
  variant: Argon2Variant;
  memory: number;
  passes: number;
  parallelism: number;
}

/** A parsed PHC string: `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`. */
export interface ParsedArgon2 extends Argon2Params {
  salt: Buffer;
  hash: Buffer;
}

type Argon2Fn = (
  algorithm: string,
  parameters: { message: string | Buffer; nonce: Buffer; parallelism: number; tagLength: number; memory: number; passes: number; secret?: Buffer },
  callback: (err: Error | null, result: Buffer) => void,
) => void;

const nativeArgon2 = (nodeCrypto as unknown as { argon2?: Argon2Fn }).argon2;

/**
 * Largest argon2 memory cost (KiB) rampart hashes with or verifies: 256 MiB, four times
 * argon2-cffi's 64 MiB default and 13 times OWASP's 19 MiB. A stored hash asking for more
 * (a corrupted or hostile row, m=4194304 is 4 GiB) is ERR_RAMPART_PASSWORD_HASH before any
 * memory is allocated: one login must never allocate gigabytes.
 */
export const MAX_ARGON2_MEMORY_KIB = 256 * 1024;
// Bounds for the other parameters read from stored hashes: generous enough for every real
// configuration, small enough that a corrupted row cannot pin the CPU.
const MAX_PASSES = 64;
const MAX_PARALLELISM = 64;

/** The raw-hash function of `@node-rs/argon2`, the fallback on Node < 24.7. */
type NodeRsHashRaw = (
  password: Buffer,
  options: { memoryCost: number; timeCost: number; parallelism: number; outputLen: number; salt: Buffer; secret?: Buffer; algorithm: number; version: number },
) => Promise<Buffer>;

let fallback: Promise<NodeRsHashRaw | undefined> | undefined;

function loadFallback(): Promise<NodeRsHashRaw | undefined> {
  // A variable specifier keeps bundlers and the type checker from requiring the optional package.
  const specifier = '@node-rs/argon2';
  fallback ??= import(specifier).then(
    (m: { hashRaw?: NodeRsHashRaw }) => m.hashRaw,
    () => undefined,
  );
  return fallback;
}

// @node-rs/argon2's enums: Algorithm.Argon2d = 0, Argon2i = 1, Argon2id = 2; Version.V0x13 = 1.
const NODE_RS_ALGORITHM: Record<Argon2Variant, number> = { argon2d: 0, argon2i: 1, argon2id: 2 };

/**
 * Compute a raw argon2 tag: node:crypto on Node >= 24.7 (no native module), else
 * `@node-rs/argon2` when it is installed, else ERR_RAMPART_ARGON2_UNAVAILABLE.
 */
export async function argon2Raw(params: Argon2Params, password: Buffer, salt: Buffer, tagLength: number, secret?: Buffer): Promise<Buffer> {
  const hasSecret = secret !== undefined && secret.length > 0;
  if (nativeArgon2 === undefined) {
    const hashRaw = await loadFallback();
    if (hashRaw === undefined) {
      throw new RampartError(
        'ERR_RAMPART_ARGON2_UNAVAILABLE',
        'crypto.argon2 is not available in this Node.js: run Node >= 24.7 (no native module needed), or install @node-rs/argon2.',
      );
    }
    return hashRaw(password, {
      memoryCost: params.memory,
      timeCost: params.passes,
      parallelism: params.parallelism,
      outputLen: tagLength,
      salt,
      algorithm: NODE_RS_ALGORITHM[params.variant],
      version: 1,
      ...(hasSecret ? { secret } : {}),
    });
  }
  return new Promise((resolve, reject) => {
    const parameters: Parameters<Argon2Fn>[1] = {
      message: password,
      nonce: salt,
      parallelism: params.parallelism,
      tagLength,
      memory: params.memory,
      passes: params.passes,
    };
    if (hasSecret) parameters.secret = secret;
    nativeArgon2(params.variant, parameters, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Standard base64 without padding, as the PHC string format uses. */
export function b64(buf: Buffer): string {
  const text = buf.toString('base64');
  let end = text.length;
  while (end > 0 && text[end - 1] === '=') end--;
  return text.slice(0, end);
}

const B64 = /^[A-Za-z0-9+/]+$/;

function fromB64(text: string): Buffer | undefined {
  if (!B64.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

/** Encode a PHC string (version 19, the only version Node implements). */
export function encodePhc(params: Argon2Params, salt: Buffer, hash: Buffer): string {
  return `$${params.variant}$v=19$m=${params.memory},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Parse an argon2 PHC string strictly. Throws ERR_RAMPART_PASSWORD_HASH for anything
 * that is not version 19 with parameters in range (a corrupted row must not hang a login).
 */
export function parsePhc(text: string): ParsedArgon2 {
  const parts = text.split('$');
  // ['', variant, 'v=19', 'm=..,t=..,p=..', salt, hash]
  const bad = (why: string): RampartError => new RampartError('ERR_RAMPART_PASSWORD_HASH', `Not a usable argon2 PHC hash: ${why}.`);
  if (parts.length !== 6 || parts[0] !== '') throw bad('expected $variant$v=19$m=,t=,p=$salt$hash');
  const variant = parts[1];
  if (variant !== 'argon2id' && variant !== 'argon2i' && variant !== 'argon2d') throw bad('unknown variant');
  if (parts[2] !== 'v=19') throw bad('only version 19 (0x13) is supported');
  const m = /^m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})$/.exec(parts[3]!);
  if (m === null) throw bad('parameters must be m=<KiB>,t=<passes>,p=<lanes> (no keyid/data)');
  const memory = Number(m[1]);
  const passes = Number(m[2]);
  const parallelism = Number(m[3]);
  if (parallelism < 1 || parallelism > MAX_PARALLELISM) throw bad('p out of range');
  if (passes < 1 || passes > MAX_PASSES) throw bad('t out of range');
  if (memory < 8 * parallelism || memory > MAX_ARGON2_MEMORY_KIB) throw bad(`m out of range (8×p to ${MAX_ARGON2_MEMORY_KIB} KiB)`);
  const salt = fromB64(parts[4]!);
  const hash = fromB64(parts[5]!);
  if (salt === undefined || salt.length < 8 || salt.length > 64) throw bad('salt must be 8–64 bytes of base64');
  if (hash === undefined || hash.length < 4 || hash.length > 128) throw bad('hash must be 4–128 bytes of base64');
  return { variant, memory, passes, parallelism, salt, hash };
}
