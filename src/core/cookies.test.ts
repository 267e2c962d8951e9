import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeCookie, parseCookies } from './cookies.ts';
import { RampartError } from '../errors.ts';

function attrs(header: string): string[] {
  return header.split('; ').slice(1);
}

test('serializeCookie: Secure, HttpOnly, SameSite=Lax and Path=/ by default', () => {
  const header = serializeCookie('sid', 'abc');
  assert.ok(header.startsWith('sid=abc; '));
  assert.deepEqual(new Set(attrs(header)), new Set(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']));
});

test('serializeCookie: each default can be relaxed explicitly', () => {
  const header = serializeCookie('pref', 'dark', { secure: false, httpOnly: false, sameSite: 'Strict', path: '/app' });
  assert.deepEqual(attrs(header), ['Path=/app', 'SameSite=Strict']);
});

test('serializeCookie: SameSite=None requires Secure', () => {
  assert.throws(() => serializeCookie('x', '1', { sameSite: 'None', secure: false }), { name: 'RampartError', code: 'ERR_RAMPART_COOKIE' });
  assert.match(serializeCookie('x', '1', { sameSite: 'None' }), /; Secure/);
});

test('serializeCookie: __Host- prefix needs Secure, Path=/ and no Domain', () => {
  assert.equal(serializeCookie('__Host-sid', 'v'), '__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax');
  for (const bad of [{ secure: false }, { path: '/app' }, { domain: 'example.com' }]) {
    assert.throws(
      () => serializeCookie('__Host-sid', 'v', bad),
      (error: unknown) => {
        assert.ok(error instanceof RampartError);
        assert.equal(error.code, 'ERR_RAMPART_COOKIE');
        assert.match(error.message, /__Host-/);
        return true;
      },
    );
  }
});

test('serializeCookie: __Secure- prefix needs Secure (case-insensitive prefix)', () => {
  assert.throws(() => serializeCookie('__Secure-id', 'v', { secure: false }), { code: 'ERR_RAMPART_COOKIE' });
  assert.throws(() => serializeCookie('__secure-id', 'v', { secure: false }), { code: 'ERR_RAMPART_COOKIE' });
  assert.throws(() => serializeCookie('__HOST-id', 'v', { path: '/x' }), { code: 'ERR_RAMPART_COOKIE' });
  assert.match(serializeCookie('__Secure-id', 'v', { domain: 'example.com', path: '/x' }), /Secure/);
});

test('serializeCookie: invalid names, values and attributes are RampartErrors, not TypeErrors', () => {
  const cases: Array<() => string> = [
    () => serializeCookie('bad name', 'v'),
    () => serializeCookie('n', 'a;b'),
    () => serializeCookie('n', 'v', { path: '/a;Domain=evil.example' }),
    () => serializeCookie('n', 'v', { domain: 'x\r\nSet-Cookie: y' }),
    () => serializeCookie('n', 'v', { maxAge: Number.NaN }),
    () => serializeCookie('n', 'v', { expires: new Date(Number.NaN) }),
    () => serializeCookie('n', 'v', { sameSite: 'relaxed' as 'Lax' }),
  ];
  for (const attempt of cases) {
    assert.throws(attempt, (error: unknown) => {
      assert.ok(error instanceof RampartError, `expected a RampartError, got ${String(error)}`);
      assert.equal(error.code, 'ERR_RAMPART_COOKIE');
      return true;
    });
  }
});

test('serializeCookie: Max-Age, Expires, Domain and Partitioned are written', () => {
  const when = new Date(Date.UTC(2030, 0, 1));
  const header = serializeCookie('n', 'v', { maxAge: 60.9, expires: when, domain: 'example.com', partitioned: true });
  assert.deepEqual(
    new Set(attrs(header)),
    new Set(['Path=/', 'Domain=example.com', 'Max-Age=60', `Expires=${when.toUTCString()}`, 'HttpOnly', 'Secure', 'SameSite=Lax', 'Partitioned']),
  );
  assert.equal(parseCookies('n=v').get('n'), 'v');
});

test('serializeCookie: SameSite is case-insensitive and written canonically', () => {
  assert.match(serializeCookie('n', 'v', { sameSite: 'strict' as 'Strict' }), /; SameSite=Strict$/);
});
