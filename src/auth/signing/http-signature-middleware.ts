import { createHash } from 'node:crypto';
import { RampartError } from '../../errors.ts';
import { numberOption, optionsObject, renamedOption } from '../../core/options.ts';
import { problem } from '../../core/problem.ts';
import type { Middleware, RequestView } from '../../core/types.ts';
import { localOf, unauthorized } from '../shared/http.ts';
import { checkVerifyOptions, verifyChecked, type VerifyHttpMessageOptions } from './http-signatures.ts';
import { memoryNonceStore } from '../../stores/nonces.ts';
import { consumedBodyReply } from './consumed.ts';

/** Options of {@link requireHttpSignature}. */
export interface RequireHttpSignatureOptions extends VerifyHttpMessageOptions {
  /** Largest body read to check `Content-Digest`, in bytes. Default 1 MiB (larger → 413). */
  bodyLimit?: number;
  /** @deprecated Old name of `bodyLimit` (same value and unit); still accepted. */
  maxBodyBytes?: number;
}

/** Compute an RFC 9530 `Content-Digest` header value (sha-256) for a body. */
export function contentDigest(body: string | Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/**
 * Middleware that requires an RFC 9421 HTTP Message Signature from one of `keys`, with the
 * defaults of {@link verifyHttpMessage}: the signature covers `@method`, the target URI and,
 * when the request has a body, `content-digest`, whose value is checked against the raw body
 * (read without consuming it); a signed request is accepted once (a memory store of this
 * middleware unless `nonceStore` is given). Sets `req.locals.httpSignature`
 * ({@link httpSignatureOf}). Failures → 401 + INVALID_TOKEN; a failing nonce store → 503.
 */
export function requireHttpSignature(options: RequireHttpSignatureOptions): Middleware {
  const o = optionsObject(options, 'requireHttpSignature');
  // Bad keys and options fail here, at construction; relaxations are announced here.
  const checked = checkVerifyOptions(o, 'requireHttpSignature', () => memoryNonceStore(), ['bodyLimit', 'maxBodyBytes']);
  const bodyLimit = renamedOption(o, 'bodyLimit', 'maxBodyBytes', 'requireHttpSignature');
  const maxBody = bodyLimit === undefined ? 1 << 20 : numberOption(bodyLimit, 'requireHttpSignature.bodyLimit', 0, 1 << 30);
  return Object.freeze<Middleware>({
    name: 'requireHttpSignature',
    async handle(req: RequestView) {
      try {
        const input = req.header('signature-input');
        const signature = req.header('signature');
        if (input === undefined || signature === undefined)
          throw new RampartError('ERR_RAMPART_SIGNATURE_MISSING', 'Signature and Signature-Input are required.');
        const headers: Record<string, string> = { 'signature-input': input, signature };
        // Only the covered fields are needed; RequestView looks headers up by name.
        for (const name of [...input.matchAll(/"([a-z0-9!#$%&'*+.^_`|~-]+)"/g)].map((m) => m[1]!).concat('content-digest')) {
          const value = req.header(name);
          if (value !== undefined) headers[name] = value;
        }
        const body = await req.readBody(maxBody);
        const url = `${req.secure ? 'https' : 'http'}://${req.host}${req.path}${req.query === '' ? '' : `?${req.query}`}`;
        const result = await verifyChecked(checked, { method: req.method, url, headers, body });
        req.locals.httpSignature = result;
        if (req.locals.user === undefined) req.locals.user = { id: result.keyId };
        return undefined;
      } catch (error) {
        if (!(error instanceof RampartError)) throw error;
        if (error.code === 'ERR_RAMPART_BODY_TOO_LARGE') return problem(413, 'The body is larger than the signature check allows.');
        if (error.code === 'ERR_RAMPART_NONCE_STORE')
          return problem(503, 'Signed requests cannot be checked for replays right now.', { headers: { 'retry-after': '5' } });
        if (error.code === 'ERR_RAMPART_CONFIG' || error.code === 'ERR_RAMPART_UNKNOWN_OPTION') throw error;
        const consumed = consumedBodyReply('requireHttpSignature', error);
        if (consumed !== undefined) return consumed;
        req.emit('INVALID_TOKEN', `http signature: ${error.code}`);
        return unauthorized('The HTTP message signature is missing or invalid.', 'Signature', error.code);
      }
    },
  });
}

/** The verified signature ({ keyId }) of a request that passed {@link requireHttpSignature}. */
export function httpSignatureOf(req: unknown): { keyId: string } | undefined {
  return localOf<{ keyId: string }>(req, 'httpSignature');
}
