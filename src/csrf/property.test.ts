import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { csrf } from './index.ts';
import { TokenSigner, maskToken } from './token.ts';
import { formKind, multipartField, urlencodedField } from './form.ts';
import { canonicalPath } from './paths.ts';
import { stack } from '../stack/index.ts';

process.env.RAMPART_SILENT = '1';
const SECRET = 'k3J9vQ2mX8pL4tR7wZ1cF6hN0bD5gS2yE9uA3iO8qW4=';
const OTHER = 'Zq8Lm3Np7Rt2Vx6Bc1Df5Gh9Jk4Ws0Ey3Ua8Io2Pe6Q=';

const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
const signer = new TokenSigner([SECRET]);

/**
 * Reference unmasking, written independently of token.ts: a plain `{random}.{hmac}` token
 * as is; 171 base64url characters that decode to 128 bytes and re-encode identically →
 * second half XOR first half, re-encoded as `{random}.{hmac}`.
 */
function reference(value: string): string | undefined {
  if (value.length === 87) return value;
  if (!/^[A-Za-z0-9_-]{171}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length !== 128 || bytes.toString('base64url') !== value) return undefined;
  const token = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) token[i] = bytes[i]! ^ bytes[64 + i]!;
  return `${token.toString('base64url', 0, 32)}.${token.toString('base64url', 32)}`;
}

/** Candidate token values an attacker could send: well-shaped, mutated, foreign-signed, masked, junk. */
function tokenLike(valid: string): fc.Arbitrary<string> {
  const masked = maskToken(valid);
  return fc.oneof(
    fc.constant(maskToken(valid)),
    fc.constant(maskToken(new TokenSigner([OTHER]).issue(''))),
    fc.stringMatching(/^[A-Za-z0-9_-]{171}$/),
    fc.nat({ max: 170 }).chain((i) => fc.constantFrom(...'A_-z9B').map((c) => `${masked.slice(0, i)}${c}${masked.slice(i + 1)}`)),
    fc.tuple(b64url, b64url).map(([a, b]) => `${a}.${b}`),
    fc.constant(new TokenSigner([OTHER]).issue('')),
    fc.constant(new TokenSigner([SECRET]).issue('someone-else')),
    fc
      .nat({ max: 86 })
      .chain((i) =>
        fc
          .constantFrom(...'A_-z9')
          .map((c) => (valid[i] === c ? `${valid.slice(0, i)}B${valid.slice(i + 1)}` : `${valid.slice(0, i)}${c}${valid.slice(i + 1)}`)),
      ),
    fc.string({ maxLength: 120 }).filter((s) => /^[\x21-\x7e]*$/.test(s) && !s.includes(';') && !s.includes(',')),
    fc.constant(valid.toUpperCase()),
    fc.constant(`${valid} `.trim() + 'x'),
  );
}

test("property: random cookie/header/field combinations never pass unless header or field unmasks to a validly signed cookie's token", async () => {
  const shield = stack([csrf({ secret: SECRET })], { events: { emit() {} } });
  const server = http.createServer(shield.node((_req, res) => res.end('passed')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/submit`;
  const valid = signer.issue('');
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          cookie: fc.option(fc.oneof(tokenLike(valid), fc.constant(valid), fc.constant(maskToken(valid))), { nil: undefined }),
          header: fc.option(fc.oneof(tokenLike(valid), fc.constant(valid), fc.constant(maskToken(valid))), { nil: undefined }),
          field: fc.option(fc.oneof(tokenLike(valid), fc.constant(valid), fc.constant(maskToken(valid))), { nil: undefined }),
          method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
        }),
        async ({ cookie, header, field, method }) => {
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          if (cookie !== undefined) headers.cookie = `csrf_token=${cookie}`;
          if (header !== undefined) headers['x-csrf-token'] = header;
          const body = field === undefined ? 'a=1' : `a=1&_csrf_token=${encodeURIComponent(field)}`;
          const r = await fetch(url, { method, headers, body });
          await r.arrayBuffer();
          const cookieToken = cookie === undefined ? undefined : reference(cookie);
          const cookieValid = cookieToken !== undefined && signer.verify(cookieToken, '');
          // The header wins when present; the field is only read without a header.
          const submitted = header !== undefined ? header : field;
          const shouldPass = cookieValid && submitted !== undefined && submitted.length > 0 && reference(submitted) === cookieToken;
          assert.equal(r.status, shouldPass ? 200 : 403, JSON.stringify({ cookie, header, field }));
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('property: a random token never verifies; only the issued one does', () => {
  fc.assert(
    fc.property(fc.tuple(b64url, b64url), fc.string({ maxLength: 40 }), ([a, b], session) => {
      const issued = signer.issue(session);
      assert.equal(signer.verify(`${a}.${b}`, session), false);
      assert.equal(signer.verify(issued, session), true);
      assert.equal(signer.verify(issued, `${session}x`), false);
    }),
    { numRuns: 2000 },
  );
});

test('property: the form parsers and the path canonicaliser never throw on arbitrary input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.string({ minLength: 1, maxLength: 70 }), fc.string(), (body, boundary, field) => {
      urlencodedField(body, field);
      multipartField(body, boundary, field);
      formKind(new TextDecoder().decode(body));
      const p = canonicalPath(new TextDecoder().decode(body));
      if (p !== undefined) assert.equal(canonicalPath(p), p, 'canonical paths are stable');
    }),
    { numRuns: 3000 },
  );
});

test('property: a field value survives urlencoded and multipart encoding round trips', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 100 }), fc.string({ maxLength: 200 }), async (value, other) => {
      const form = new URLSearchParams([
        ['x', other],
        ['_csrf_token', value],
      ]);
      assert.equal(urlencodedField(new TextEncoder().encode(form.toString()), '_csrf_token'), value);
      const fd = new FormData();
      fd.append('x', other);
      fd.append('_csrf_token', value);
      const request = new Request('http://localhost/', { method: 'POST', body: fd });
      const kind = formKind(request.headers.get('content-type') ?? undefined) as { kind: 'multipart'; boundary: string };
      const got = multipartField(new Uint8Array(await request.arrayBuffer()), kind.boundary, '_csrf_token');
      // FormData normalises line breaks in values to CRLF (HTML spec).
      assert.equal(got, value.replace(/\r\n|\r|\n/g, '\r\n'));
    }),
    { numRuns: 300 },
  );
});
