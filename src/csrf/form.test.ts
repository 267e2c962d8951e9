import test from 'node:test';
import assert from 'node:assert/strict';
import { formKind, multipartField, urlencodedField } from './form.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

test('formKind: media type matched case-insensitively, parameters allowed, boundary required for multipart', () => {
  assert.deepEqual(formKind('application/x-www-form-urlencoded'), { kind: 'urlencoded' });
  assert.deepEqual(formKind('Application/X-WWW-Form-Urlencoded ; charset=UTF-8'), { kind: 'urlencoded' });
  assert.deepEqual(formKind('multipart/form-data; boundary=----abc'), { kind: 'multipart', boundary: '----abc' });
  assert.deepEqual(formKind('MULTIPART/FORM-DATA; charset=utf-8; BOUNDARY="a b;c"'), { kind: 'multipart', boundary: 'a b;c' });
  assert.equal(formKind('multipart/form-data'), undefined);
  assert.equal(formKind(`multipart/form-data; boundary=${'x'.repeat(71)}`), undefined);
  assert.equal(formKind('application/json'), undefined);
  assert.equal(formKind('text/plain'), undefined);
  assert.equal(formKind('application/x-www-form-urlencodedx'), undefined);
  assert.equal(formKind(undefined), undefined);
});

test('urlencodedField: first occurrence, + and percent decoding, malformed encodings ignored', () => {
  assert.equal(urlencodedField(bytes('a=1&_csrf_token=abc.def&_csrf_token=zzz'), '_csrf_token'), 'abc.def');
  assert.equal(urlencodedField(bytes('_csrf%5Ftoken=a%2Db+c'), '_csrf_token'), 'a-b c');
  assert.equal(urlencodedField(bytes('_csrf_token'), '_csrf_token'), '');
  assert.equal(urlencodedField(bytes('x=1&&y=2'), '_csrf_token'), undefined);
  assert.equal(urlencodedField(bytes(''), '_csrf_token'), undefined);
  assert.equal(urlencodedField(bytes('_csrf_token=%E0%A4%A'), '_csrf_token'), undefined);
  assert.equal(urlencodedField(bytes('prefix_csrf_token=1'), '_csrf_token'), undefined);
});

function multipart(boundary: string, parts: Array<{ headers: string; value: string }>, preamble = ''): Uint8Array {
  let out = preamble;
  for (const p of parts) out += `--${boundary}\r\n${p.headers}\r\n\r\n${p.value}\r\n`;
  return bytes(`${out}--${boundary}--\r\n`);
}

test('multipartField: finds the field among other parts, skips files, tolerates a preamble', () => {
  const b = '----WebKitFormBoundaryx7';
  const body = multipart(
    b,
    [
      { headers: 'Content-Disposition: form-data; name="title"', value: 'hello\r\nworld' },
      { headers: 'Content-Disposition: form-data; name="_csrf_token"; filename="t.txt"\r\nContent-Type: text/plain', value: 'from-a-file' },
      { headers: 'content-disposition: FORM-DATA; name=_csrf_token', value: 'the-token' },
    ],
    'preamble text\r\n',
  );
  assert.equal(multipartField(body, b, '_csrf_token'), 'the-token');
  assert.equal(multipartField(body, b, 'title'), 'hello\r\nworld');
  assert.equal(multipartField(body, b, 'missing'), undefined);
});

test('multipartField: a field that only exists as a file, or a malformed body, yields nothing', () => {
  const b = 'XyZ';
  const fileOnly = multipart(b, [{ headers: 'Content-Disposition: form-data; name="_csrf_token"; filename=""', value: 'v' }]);
  assert.equal(multipartField(fileOnly, b, '_csrf_token'), undefined);
  assert.equal(multipartField(bytes('no delimiter at all'), b, '_csrf_token'), undefined);
  // Unterminated part: the value never ends with a delimiter.
  assert.equal(multipartField(bytes(`--${b}\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\nabc`), b, '_csrf_token'), undefined);
  // A boundary string that only appears inside the value is not a delimiter.
  const tricky = multipart(b, [{ headers: 'Content-Disposition: form-data; name="_csrf_token"', value: `a--${b}b` }]);
  assert.equal(multipartField(tricky, b, '_csrf_token'), `a--${b}b`);
  // Oversized part headers are refused.
  const huge = multipart(b, [{ headers: `Content-Disposition: form-data; name="_csrf_token"\r\nX: ${'y'.repeat(9000)}`, value: 'v' }]);
  assert.equal(multipartField(huge, b, '_csrf_token'), undefined);
});

test('multipartField: reads what a real FormData serialises', async () => {
  const fd = new FormData();
  fd.append('note', 'x'.repeat(100));
  fd.append('upload', new Blob(['file body']), 'a.bin');
  fd.append('_csrf_token', 'tok.en');
  const request = new Request('http://localhost/', { method: 'POST', body: fd });
  const kind = formKind(request.headers.get('content-type') ?? undefined);
  assert.equal(kind?.kind, 'multipart');
  const body = new Uint8Array(await request.arrayBuffer());
  assert.equal(multipartField(body, (kind as { boundary: string }).boundary, '_csrf_token'), 'tok.en');
});
