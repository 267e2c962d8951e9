import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { lazyPeer, PEERS } from '../../core/optional.ts';
import { RampartError } from '../../errors.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';
import { base32Decode, base32Encode } from './base32.ts';

const loadQrcode = lazyPeer(PEERS.totpQr, () => import('qrcode'));

/** HMAC algorithms of RFC 6238. */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** Code parameters shared by generate, verify and uri. They must match what the authenticator app was given. */
export interface TotpParams {
  /** 6 (default) or 8 digits. */
  digits?: 6 | 8;
  /** Default 'SHA1' (what every authenticator app supports). */
  algorithm?: TotpAlgorithm;
  /** Time step in seconds. Default 30. */
  period?: number;
}

/** Options of {@link totp}.verify. */
export interface TotpVerifyOptions extends TotpParams {
  /** Steps accepted before and after the current one (clock drift). Default 1. */
  window?: number;
  /** The step matched at the previous successful login: that step and older ones are refused (replay guard). */
  lastStep?: number;
  /** Unix time in seconds to verify at. Default now. */
  time?: number;
}

const PARAM_NAMES = ['digits', 'algorithm', 'period'];
const MIN_SECRET_BYTES = 16;

interface Resolved {
  digits: 6 | 8;
  algorithm: TotpAlgorithm;
  period: number;
}

function params(options: Record<string, unknown>, fn: string): Resolved {
  const digits = options.digits === undefined ? 6 : options.digits;
  if (digits !== 6 && digits !== 8) throw configError(`${fn}.digits must be 6 or 8.`);
  const algorithm = options.algorithm === undefined ? 'SHA1' : options.algorithm;
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512') throw configError(`${fn}.algorithm must be 'SHA1', 'SHA256' or 'SHA512'.`);
  const period = options.period === undefined ? 30 : numberOption(options.period, `${fn}.period`, 1, 3600);
  return { digits, algorithm, period };
}

function secretBytes(secret: unknown): Buffer {
  const bytes = typeof secret === 'string' ? base32Decode(secret) : secret instanceof Uint8Array ? Buffer.from(secret) : undefined;
  if (bytes === undefined) throw new RampartError('ERR_RAMPART_TOTP_SECRET', 'The TOTP secret must be a base32 string (or bytes).');
  if (bytes.length < MIN_SECRET_BYTES)
    throw new RampartError('ERR_RAMPART_TOTP_SECRET', `The TOTP secret must be at least ${MIN_SECRET_BYTES * 8} bits (RFC 4226 §4).`);
  return bytes;
}

/** RFC 4226 HOTP value for one counter. */
export function hotp(secret: string | Uint8Array, counter: number, options: TotpParams = {}): string {
  const p = params(optionsObject(options, 'hotp'), 'hotp');
  return hotpRaw(secretBytes(secret), counter, p);
}

function hotpRaw(key: Buffer, counter: number, p: Resolved): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(p.algorithm.toLowerCase(), key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** p.digits).padStart(p.digits, '0');
}

function step(time: number, period: number): number {
  return Math.floor(time / period);
}

function nowSeconds(): number {
  return Date.now() / 1000;
}

/** TOTP (RFC 6238) for two-factor authentication. */
export const totp = Object.freeze({
  /** A new random secret as base32 (160 bits by default, as RFC 4226 recommends). */
  generateSecret(bytes = 20): string {
    numberOption(bytes, 'totp.generateSecret bytes', MIN_SECRET_BYTES, 128);
    return base32Encode(randomBytes(bytes));
  },

  /** The `otpauth://totp/…` URI that authenticator apps import (show it as a QR code). `issuer` and `account` must not contain `:` (`ERR_RAMPART_CONFIG`): apps split the label there. */
  uri(options: { secret: string; account: string; issuer: string } & TotpParams): string {
    const o = optionsObject(options, 'totp.uri');
    checkKeys(o, ['secret', 'account', 'issuer', ...PARAM_NAMES], 'totp.uri');
    const p = params(o, 'totp.uri');
    secretBytes(o.secret);
    for (const name of ['account', 'issuer']) {
      if (typeof o[name] !== 'string' || (o[name] as string).length === 0) throw configError(`totp.uri: ${name} must be a non-empty string.`);
      // The label is `issuer:account`; apps split it at the colon (Key URI format forbids one in either part).
      if ((o[name] as string).includes(':')) {
        throw configError(
          `totp.uri: ${name} ${JSON.stringify((o[name] as string).slice(0, 60))} contains a colon, which authenticator apps read as the issuer/account separator; remove or replace it (e.g. with a space or '-').`,
        );
      }
    }
    const issuer = o.issuer as string;
    const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(o.account as string)}`;
    const query = new URLSearchParams({
      secret: (o.secret as string).replace(/[\s=]/g, '').toUpperCase(),
      issuer,
      algorithm: p.algorithm,
      digits: String(p.digits),
      period: String(p.period),
    });
    return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
  },

  /** The code for `time` (default now). */
  generate(secret: string | Uint8Array, options: TotpParams & { time?: number } = {}): string {
    const o = optionsObject(options, 'totp.generate');
    checkKeys(o, [...PARAM_NAMES, 'time'], 'totp.generate');
    const p = params(o, 'totp.generate');
    const time = o.time === undefined ? nowSeconds() : numberOption(o.time, 'totp.generate.time', 0, 2 ** 40, false);
    return hotpRaw(secretBytes(secret), step(time, p.period), p);
  },

  /**
   * Check a code. Returns the matched time step (store it as the user's `lastStep`), or
   * null when the code is wrong, malformed, or was already used (step ≤ lastStep).
   */
  verify(code: string, secret: string | Uint8Array, options: TotpVerifyOptions = {}): number | null {
    const o = optionsObject(options, 'totp.verify');
    checkKeys(o, [...PARAM_NAMES, 'window', 'lastStep', 'time'], 'totp.verify');
    const p = params(o, 'totp.verify');
    const window = o.window === undefined ? 1 : numberOption(o.window, 'totp.verify.window', 0, 10);
    const lastStep = o.lastStep === undefined || o.lastStep === null ? -1 : numberOption(o.lastStep, 'totp.verify.lastStep', -1, 2 ** 40);
    const time = o.time === undefined ? nowSeconds() : numberOption(o.time, 'totp.verify.time', 0, 2 ** 40, false);
    const key = secretBytes(secret);
    if (typeof code !== 'string') return null;
    const given = code.replace(/\s/g, '');
    if (given.length !== p.digits || !/^\d+$/.test(given)) return null;
    const givenBytes = Buffer.from(given);
    const current = step(time, p.period);
    let matched: number | null = null;
    // Check every step in the window (no early exit) so timing does not reveal which one matched.
    for (let s = current - window; s <= current + window; s++) {
      if (s < 0) continue;
      if (timingSafeEqual(Buffer.from(hotpRaw(key, s, p)), givenBytes) && s > lastStep && matched === null) matched = s;
    }
    return matched;
  },

  /**
   * An SVG QR code of `text` (normally the otpauth URI). Needs the optional peer `qrcode`
   * (`npm install qrcode`); without it, rejects with ERR_RAMPART_MISSING_DEPENDENCY.
   */
  async qrSvg(text: string): Promise<string> {
    if (typeof text !== 'string' || text.length === 0 || text.length > 2048)
      throw configError('totp.qrSvg needs a non-empty string of at most 2048 characters.');
    const { default: QRCode } = await loadQrcode();
    return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  },
});

/** Recovery codes: shown once to the user, stored only as hashes, each usable once. */
export const recoveryCodes = Object.freeze({
  /**
   * Generate `count` codes of 80 bits each (`xxxx-xxxx-xxxx-xxxx`, base32 without
   * look-alikes' ambiguity: case-insensitive). Store `hashes`; show `codes` once.
   */
  generate(count = 10): { codes: string[]; hashes: string[] } {
    numberOption(count, 'recoveryCodes.generate count', 1, 100);
    const codes: string[] = [];
    for (let i = 0; i < count; i++) codes.push(base32Encode(randomBytes(10)).toLowerCase().match(/.{4}/g)!.join('-'));
    return { codes, hashes: codes.map(hashRecoveryCode) };
  },

  /**
   * Use a code: returns the remaining hashes (store them) when it matches one, or null.
   * A used code is removed, so it cannot be used twice.
   */
  consume(code: string, hashes: readonly string[]): string[] | null {
    if (typeof code !== 'string' || !Array.isArray(hashes)) return null;
    const normal = code.replace(/[\s-]/g, '').toLowerCase();
    if (!/^[a-z2-7]{16}$/.test(normal)) return null;
    const given = Buffer.from(hashRecoveryCode(normal), 'utf8');
    let index = -1;
    hashes.forEach((h, i) => {
      const stored = Buffer.from(String(h), 'utf8');
      if (stored.length === given.length && timingSafeEqual(stored, given) && index === -1) index = i;
    });
    return index === -1 ? null : hashes.filter((_, i) => i !== index);
  },
});

function hashRecoveryCode(code: string): string {
  // 80 random bits make a fast hash safe against offline guessing.
  return `sha256:${createHash('sha256').update(code.replace(/[\s-]/g, '').toLowerCase()).digest('base64url')}`;
}
