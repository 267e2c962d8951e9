import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { uploads, uploadsOf, parseMultipart } from './uploads.ts';
import { isRampartError } from '../errors.ts';

// Real file headers: the magic numbers file-type recognises.
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'), Buffer.alloc(64)]);
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(64)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const HTML = Buffer.from('<html><script>alert(1)</script></html>');

function form(parts: Array<[string, Buffer | string, string?, string?]>): FormData {
  const fd = new FormData();
  for (const [field, data, filename, type] of parts) {
    if (typeof data === 'string' && filename === undefined) fd.append(field, data);
    else fd.append(field, new Blob([typeof data === 'string' ? data : new Uint8Array(data)], { type: type ?? '' }), filename);
  }
  return fd;
}

const summary = (req: { native: unknown }) => {
  const u = uploadsOf(req.native);
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      u === undefined
        ? null
        : { fields: u.fields, files: u.files.map((f) => ({ field: f.field, filename: f.filename, mime: f.mime, ext: f.ext, size: f.size, active: f.active })) },
    ),
  };
};

test('uploads: accepts allowed files by magic bytes, sanitises names, enforces limits (all adapters)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([uploads({ maxFiles: 2, maxFileSize: 1024, maxFields: 2, maxFieldSize: 32 })]),
    async (app) => {
      const post = (fd: FormData) => fetch(app.url + '/upload', { method: 'POST', body: fd });
      const ok = await post(
        form([
          ['title', 'holiday'],
          ['photo', PNG, '../../etc/avatar.png', 'image/png'],
          ['doc', PDF, 'cv.pdf', 'application/pdf'],
        ]),
      );
      assert.equal(ok.status, 200);
      const body = (await ok.json()) as { fields: Record<string, string>; files: Array<{ filename: string; mime: string; size: number }> };
      assert.deepEqual(body.fields, { title: 'holiday' });
      assert.deepEqual(
        body.files.map((f) => [f.filename, f.mime, f.size]),
        [
          ['avatar.png', 'image/png', PNG.length],
          ['cv.pdf', 'application/pdf', PDF.length],
        ],
      );

      const tooMany = await post(
        form([
          ['a', PNG, 'a.png', 'image/png'],
          ['b', PNG, 'b.png', 'image/png'],
          ['c', PNG, 'c.png', 'image/png'],
        ]),
      );
      assert.equal(tooMany.status, 413);
      assert.equal(tooMany.headers.get('content-type'), 'application/problem+json');
      const tooBig = await post(form([['a', Buffer.concat([PNG, Buffer.alloc(2000)]), 'a.png', 'image/png']]));
      assert.equal(tooBig.status, 413);
      const bigField = await post(form([['note', 'x'.repeat(100)]]));
      assert.equal(bigField.status, 413);
      const manyFields = await post(
        form([
          ['a', '1'],
          ['b', '2'],
          ['c', '3'],
        ]),
      );
      assert.equal(manyFields.status, 413);

      const disguised = await post(form([['photo', HTML, 'photo.png', 'image/png']]));
      assert.equal(disguised.status, 415, 'HTML renamed to .png is refused');
      const svg = await post(form([['photo', SVG, 'logo.svg', 'image/svg+xml']]));
      assert.equal(svg.status, 415, 'SVG is active content');
      const wrongExt = await post(form([['photo', PNG, 'photo.jpg', 'image/jpeg']]));
      assert.equal(wrongExt.status, 415, 'a PNG declared as JPEG is refused');
      const wrongDeclared = await post(form([['photo', JPEG, 'photo.jpg', 'application/octet-stream']]));
      assert.equal(wrongDeclared.status, 415);
      const phpPolyglot = await post(form([['photo', PNG, 'shell.php', 'image/png']]));
      assert.equal(phpPolyglot.status, 415, 'extension must match the content');

      const broken = await fetch(app.url + '/upload', { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'garbage' });
      assert.equal(broken.status, 400);
      const plain = await fetch(app.url + '/upload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(plain.status, 200, 'non-multipart requests pass through');
    },
    summary,
  );
});

test('uploads: SVG only when explicitly allowed, flagged active; re-encode hook output is re-sniffed', async () => {
  const svgForm = new Response(form([['logo', SVG, 'logo.svg', 'image/svg+xml']]));
  const contentType = svgForm.headers.get('content-type')!;
  const bytes = new Uint8Array(await svgForm.arrayBuffer());
  await assert.rejects(parseMultipart(bytes, contentType, { allowedTypes: ['image/png'] }), (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_TYPE'));
  const allowed = await parseMultipart(Readable.from([bytes]), contentType, { allowSvg: true, allowedTypes: ['image/png'] });
  assert.equal(allowed.files[0]!.mime, 'image/svg+xml');
  assert.equal(allowed.files[0]!.active, true);
  assert.throws(
    () => parseMultipart(bytes, contentType, { allowedTypes: ['image/svg+xml'] }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );

  const jpegForm = new Response(form([['photo', JPEG, 'me.jpeg', 'image/jpeg']]));
  const jpegType = jpegForm.headers.get('content-type')!;
  const jpegBytes = new Uint8Array(await jpegForm.arrayBuffer());
  let seen = 0;
  const out = await parseMultipart(jpegBytes, jpegType, {
    reencode: (f) => {
      seen = f.size;
      return new Uint8Array(Buffer.concat([JPEG, Buffer.alloc(10)]));
    },
  });
  assert.equal(seen, JPEG.length);
  assert.equal(out.files[0]!.size, JPEG.length + 10);
  await assert.rejects(parseMultipart(jpegBytes, jpegType, { reencode: () => new Uint8Array(HTML) }), (e: unknown) =>
    isRampartError(e, 'ERR_RAMPART_UPLOAD_TYPE'),
  );
});

test('uploads: text files only when allowed and not markup; options are validated', async () => {
  const txt = new Response(form([['notes', 'hello, world\n', 'notes.txt', 'text/plain']]));
  const ct = txt.headers.get('content-type')!;
  const bytes = new Uint8Array(await txt.arrayBuffer());
  await assert.rejects(parseMultipart(bytes, ct), (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_TYPE'));
  const ok = await parseMultipart(bytes, ct, { allowedTypes: ['text/plain'] });
  assert.equal(ok.files[0]!.mime, 'text/plain');
  const html = new Response(form([['notes', '<script>alert(1)</script>', 'notes.txt', 'text/plain']]));
  await assert.rejects(
    parseMultipart(new Uint8Array(await html.arrayBuffer()), html.headers.get('content-type')!, { allowedTypes: ['text/plain'] }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_TYPE'),
  );
  assert.throws(
    () => uploads({ maxFile: 1 } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => uploads({ maxFiles: -1 }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  await assert.rejects(parseMultipart(bytes, 'text/plain'), (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_MALFORMED'));
});

test('uploads: total size cap, unexpected file fields, empty file inputs', async () => {
  const big = new Response(
    form([
      ['a', PNG, 'a.png', 'image/png'],
      ['b', PNG, 'b.png', 'image/png'],
    ]),
  );
  const ct = big.headers.get('content-type')!;
  const bytes = new Uint8Array(await big.arrayBuffer());
  await assert.rejects(parseMultipart(bytes, ct, { maxFiles: 2, maxTotalSize: PNG.length + 10 }), (e: unknown) =>
    isRampartError(e, 'ERR_RAMPART_UPLOAD_LIMIT'),
  );
  await assert.rejects(parseMultipart(bytes, ct, { maxFiles: 2, fileFields: ['a'] }), (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_MALFORMED'));
  const ok = await parseMultipart(Readable.from([bytes.subarray(0, 50), bytes.subarray(50)]), ct, { maxFiles: 2, fileFields: ['a', 'b'] });
  assert.equal(ok.files.length, 2);
  const empty = new Response(
    form([
      ['a', Buffer.alloc(0), '', 'application/octet-stream'],
      ['note', 'hi'],
    ]),
  );
  const none = await parseMultipart(new Uint8Array(await empty.arrayBuffer()), empty.headers.get('content-type')!);
  assert.deepEqual(none.files, []);
  assert.deepEqual({ ...none.fields }, { note: 'hi' });
  assert.equal(Object.getPrototypeOf(none.fields), null, 'fields cannot be polluted through __proto__');
  const truncated = bytes.subarray(0, bytes.length - 20);
  await assert.rejects(parseMultipart(truncated, ct, { maxFiles: 2 }), (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_MALFORMED'));
});

test('fuzz: parseMultipart rejects garbage and truncations only with upload error codes', async () => {
  const fc = (await import('fast-check')).default;
  const good = new Response(
    form([
      ['a', PNG, 'a.png', 'image/png'],
      ['note', 'hello'],
    ]),
  );
  const ct = good.headers.get('content-type')!;
  const bytes = new Uint8Array(await good.arrayBuffer());
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 0, max: bytes.length }).map((n) => bytes.subarray(0, n)),
        fc.tuple(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
          const c = bytes.slice();
          c[i] = b;
          return c;
        }),
      ),
      async (body) => {
        try {
          await parseMultipart(body, ct, { maxFiles: 1 });
        } catch (e) {
          assert.ok(isRampartError(e) && e.code.startsWith('ERR_RAMPART_UPLOAD_'), String(e));
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('uploads: SVG sniffing reads comments and the XML declaration linearly (crafted comment chains are classified, not a stall)', async () => {
  const parse = async (content: string, type = 'text/plain', name = 'notes.txt') => {
    const res = new Response(form([['f', content, name, type]]));
    return parseMultipart(new Uint8Array(await res.arrayBuffer()), res.headers.get('content-type')!, { allowSvg: true, allowedTypes: ['text/plain'] });
  };
  // SVG behind a declaration, comments and whitespace is still SVG.
  for (const svg of [
    '<?xml version="1.0"?>\n<!-- a --> <!-- b -->\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    '<!--x-->'.repeat(300) + '<svg>',
    '<!doctype  svg><svg/>',
    '\uFEFF  <SVG >',
  ]) {
    assert.equal((await parse(svg, 'image/svg+xml', 'a.svg')).files[0]!.mime, 'image/svg+xml', svg.slice(0, 40));
  }
  // A chain of comment openers that never reaches <svg> (exponential for the old pattern: 2^n) is plain text.
  const chain = '<!--' + '---><!--'.repeat(400);
  assert.equal((await parse(chain)).files[0]!.mime, 'text/plain');
  // A comment longer than 1,000 characters ends the prologue, as before: not SVG, and markup is no text file either.
  await assert.rejects(parse(`<!--${'x'.repeat(1_200)}--><svg>`), (e: unknown) => isRampartError(e, 'ERR_RAMPART_UPLOAD_TYPE'));
});
