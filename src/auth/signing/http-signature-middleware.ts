import { createHash, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../../errors.ts';
import { checkKeys, numberOption, optionsObject } from '../../core/options.ts';
import { problem } from '../../core/problem.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { localOf, unauthorized } from '../shared/http.ts';
import { compileKeys, verifyHttpMessage, type VerifyHttpMessageOptions } from './http-signatures.ts';

/** Options of {@link requireHttpSignature}. */
export interface RequireHttpSignatureOptions extends VerifyHttpMessageOptions {
  /** Largest body read to check `Content-Digest`, in bytes. Default 1 MiB (larger → 413). */
  maxBodyBytes?: number;
}

/** Compute an RFC 9530 `Content-Digest` header value (sha-256) for a body. */
export function contentDigest(body: string | Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/** Check every sha-256 / sha-512 member of a Content-Digest header against the body (at least one must be present). */
function digestMatches(header: string, body: Uint8Array): boolean {
  let checked = 0;
  for (const member of header.split(',')) {
    const m = /^\s*(sha-256|sha-512)=:([A-Za-z0-9+/]+={0,2}):\s*$/.exec(member);
    if (m === null) continue;
    const expected = createHash(m[1] === 'sha-256' ? 'sha256' : 'sha512').update(body).digest();
    const given = Buffer.from(m[2]!, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    checked++;
  }
  return checked > 0;
}

/**
 * Middleware that requires an RFC 9421 HTTP Message Signature from one of `keys`. When
 * the signature covers `content-digest`, the digest is checked against the raw body
 * (read without consuming it), so the signature really covers the body. Sets
 * `req.locals.httpSignature` ({@link httpSignatureOf}). Failures → 401 + INVALID_TOKEN.
 */
export function requireHttpSignature(options: RequireHttpSignatureOptions): Middleware {
  const o = optionsObject(options, 'requireHttpSignature');
  checkKeys(o, ['keys', 'maxAge', 'requiredComponents', 'maxBodyBytes'], 'requireHttpSignature');
  const maxBody = o.maxBodyBytes === undefined ? 1 << 20 : numberOption(o.maxBodyBytes, 'requireHttpSignature.maxBodyBytes', 0, 1 << 30);
  const verifyOptions: VerifyHttpMessageOptions = { keys: o.keys as VerifyHttpMessageOptions['keys'] };
  if (o.maxAge !== undefined) verifyOptions.maxAge = o.maxAge as number;
  if (o.requiredComponents !== undefined) verifyOptions.requiredComponents = o.requiredComponents as string[];
  compileKeys(verifyOptions.keys); // bad keys fail here, at construction
  if (verifyOptions.maxAge !== undefined) numberOption(verifyOptions.maxAge, 'requireHttpSignature.maxAge', 0, 86400 * 365);
  return {
    name: 'requireHttpSignature',
    async handle(req: RequestView) {
      try {
        const input = req.header('signature-input');
        const signature = req.header('signature');
        if (input === undefined || signature === undefined) throw new RampartError('ERR_RAMPART_SIGNATURE_MISSING', 'Signature and Signature-Input are required.', { status: 401 });
        const headers: Record<string, string> = { 'signature-input': input, signature };
        // Only the covered fields are needed; RequestView looks headers up by name.
        for (const match of input.matchAll(/"([a-z0-9!#$%&'*+.^_`|~-]+)"/g)) {
          const value = req.header(match[1]!);
          if (value !== undefined) headers[match[1]!] = value;
        }
        const covered = new Set([...input.matchAll(/"([^"]+)"/g)].map((m) => m[1]));
        if (covered.has('content-digest')) {
          const digest = req.header('content-digest');
          if (digest === undefined || !digestMatches(digest, await req.readBody(maxBody))) {
            throw new RampartError('ERR_RAMPART_SIGNATURE_INVALID', 'Content-Digest does not match the body.', { status: 401 });
          }
        }
        const url = `${req.secure ? 'https' : 'http'}://${req.host}${req.path}${req.query === '' ? '' : `?${req.query}`}`;
        const result = await verifyHttpMessage(verifyOptions, { method: req.method, url, headers });
        req.locals.httpSignature = result;
        if (req.locals.user === undefined) req.locals.user = { id: result.keyId };
        return undefined;
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        if (error.code === 'ERR_RAMPART_BODY_TOO_LARGE') return problem(413, 'The body is larger than the signature check allows.');
        if (error.code === 'ERR_RAMPART_CONFIG' || error.code === 'ERR_RAMPART_UNKNOWN_OPTION') throw error;
        req.emit('INVALID_TOKEN', `http signature: ${error.code}`);
        return unauthorized('The HTTP message signature is missing or invalid.', 'Signature', error.code);
      }
    },
  };
}

/** The verified signature ({ keyId }) of a request that passed {@link requireHttpSignature}. */
export function httpSignatureOf(req: unknown): { keyId: string } | undefined {
  return localOf<{ keyId: string }>(req, 'httpSignature');
}
