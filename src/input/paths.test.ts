import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, symlink, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { safeJoin, safeJoinReal, safeFilename } from './paths.ts';
import { isRampartError } from '../errors.ts';

const ROOT = '/srv/files';

test('safeJoin joins ordinary relative paths inside the root', () => {
  assert.equal(safeJoin(ROOT, 'a/b.png'), '/srv/files/a/b.png');
  assert.equal(safeJoin(ROOT, './a//b.png'), '/srv/files/a/b.png');
  assert.equal(safeJoin(ROOT, 'r%C3%A9sum%C3%A9.pdf'), '/srv/files/résumé.pdf');
  assert.equal(safeJoin(ROOT, '.hidden'), '/srv/files/.hidden');
  assert.equal(safeJoin(ROOT, ''), '/srv/files');
});

test('safeJoin refuses traversal in every spelling', () => {
  const attacks = [
    '..',
    '../etc/passwd',
    'a/../../etc/passwd',
    'a/../b',
    '/etc/passwd',
    '\\..\\windows\\win.ini',
    '..\\..\\boot.ini',
    'C:\\boot.ini',
    'c:/boot.ini',
    '%2e%2e/etc',
    '%2e%2e%2fetc',
    '..%2fetc',
    '..%5c..%5cetc',
    '%252e%252e%252fetc',
    '%25252e%25252e/x',
    '%%32%65%%32%65/x',
    '..%c0%af../etc',
    '%c0%ae%c0%ae/etc',
    'a%00.png',
    'a\0.png',
    'a\n.png',
    '\uff0e\uff0e/etc',
    '..\u2215etc',
    '.../x',
    '.. /x',
    'a./b',
    'file.txt:stream',
    '//server/share',
    '%2fetc/passwd',
    '%252fetc',
  ];
  for (const attack of attacks) {
    assert.throws(
      () => safeJoin(ROOT, attack),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_PATH_TRAVERSAL'),
      attack,
    );
  }
  assert.throws(
    () => safeJoin(ROOT, 42 as unknown as string),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_PATH_TRAVERSAL'),
  );
  assert.throws(
    () => safeJoin('', 'a'),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('safeJoin refuses every traversal payload of the public corpus', async () => {
  const { readFile } = await import('node:fs/promises');
  const lines = (await readFile(new URL('./fixtures/traversal.txt', import.meta.url), 'utf8')).split('\n').filter(Boolean);
  let refused = 0;
  for (const line of lines) {
    try {
      const joined = safeJoin(ROOT, line);
      assert.ok(joined.startsWith(ROOT + '/') || joined === ROOT, line);
    } catch (e) {
      assert.ok(isRampartError(e, 'ERR_RAMPART_PATH_TRAVERSAL'));
      refused++;
    }
  }
  // The few accepted lines are harmless names inside the root (".htaccess", "%2e%68…" = ".htaccess").
  assert.ok(refused >= lines.length - 6, `${refused}/${lines.length}`);
});

test('fuzz: safeJoin never escapes the root and never throws anything but its code', () => {
  const piece = fc.constantFrom('..', '.', '/', '\\', '%2e', '%2f', '%5c', '%25', '%c0%af', '\0', 'a', 'b.txt', '~', ':', ' ', '\uff0e');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(piece, { maxLength: 20 }).map((a) => a.join('')),
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'grapheme', maxLength: 100 }),
      ),
      (input) => {
        try {
          const out = safeJoin(ROOT, input);
          assert.ok(out === ROOT || out.startsWith(ROOT + '/'), JSON.stringify(input));
        } catch (e) {
          assert.ok(isRampartError(e, 'ERR_RAMPART_PATH_TRAVERSAL'), String(e));
        }
      },
    ),
    { numRuns: 5000 },
  );
});

test('safeJoinReal refuses symlinks that lead out of the root, accepts links inside', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rampart-safejoin-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'x');
  await writeFile(path.join(root, 'sub', 'ok.txt'), 'x');
  await symlink(outside, path.join(root, 'escape'));
  await symlink(path.join(root, 'sub'), path.join(root, 'inner'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'file-link'));

  assert.equal(await safeJoinReal(root, 'sub/ok.txt'), path.join(root, 'sub', 'ok.txt'));
  assert.equal(await safeJoinReal(root, 'inner/ok.txt'), path.join(root, 'sub', 'ok.txt'));
  assert.equal(await safeJoinReal(root, 'sub/new/file.txt'), path.join(root, 'sub', 'new', 'file.txt'));
  for (const p of ['escape/secret.txt', 'escape', 'file-link', 'escape/not-yet.txt']) {
    await assert.rejects(safeJoinReal(root, p), (e: unknown) => isRampartError(e, 'ERR_RAMPART_PATH_TRAVERSAL'), p);
  }
});

test('safeFilename keeps a harmless base name', () => {
  assert.equal(safeFilename('../../etc/passwd'), 'passwd');
  assert.equal(safeFilename('C:\\Users\\me\\photo.jpg'), 'photo.jpg');
  assert.equal(safeFilename('..'), 'file');
  assert.equal(safeFilename('.htaccess'), 'htaccess');
  assert.equal(safeFilename('a\u0000b<script>.png'), 'a_b_script_.png');
  assert.equal(safeFilename('report\u202egnp.exe'), 'report_gnp.exe');
  assert.equal(safeFilename('CON.txt'), '_CON.txt');
  assert.equal(safeFilename('name. . '), 'name');
  assert.equal(safeFilename(undefined), 'file');
  const long = safeFilename('a'.repeat(500) + '.jpeg');
  assert.ok(Buffer.byteLength(long) <= 200 && long.endsWith('.jpeg'));
  const wide = safeFilename('é'.repeat(300) + '.png');
  assert.ok(Buffer.byteLength(wide) <= 200 && wide.endsWith('.png'));
});

test('safeJoinReal follows links whose target does not exist yet and refuses those that leave the root', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rampart-safejoin-dangling-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const realRoot = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  await mkdir(path.join(realRoot, 'sub'), { recursive: true });
  await mkdir(outside);
  // Dangling links: the target does not exist (yet), so realpath() fails on them.
  await symlink(path.join(outside, 'created-later.txt'), path.join(realRoot, 'dangling'));
  await symlink(path.join(outside, 'new-dir'), path.join(realRoot, 'dangling-dir'));
  await symlink('../outside/rel.txt', path.join(realRoot, 'dangling-rel'));
  await symlink('../../outside/rel-dir', path.join(realRoot, 'sub', 'dangling-rel-dir'));
  // Chains: in-root link → in-root link → outside (dangling), and in-root link → in-root dangling.
  await symlink(path.join(realRoot, 'dangling'), path.join(realRoot, 'chain-1'));
  await symlink('chain-1', path.join(realRoot, 'chain-2'));
  await symlink('sub/future.txt', path.join(realRoot, 'ok-chain-1'));
  await symlink('ok-chain-1', path.join(realRoot, 'ok-chain-2'));
  // Loops.
  await symlink('loop-b', path.join(realRoot, 'loop-a'));
  await symlink('loop-a', path.join(realRoot, 'loop-b'));
  await symlink('self', path.join(realRoot, 'self'));
  // A link to an existing directory outside, used with a child that does not exist yet.
  await symlink(outside, path.join(realRoot, 'escape'));
  // A target that climbs out of a missing directory back onto that link.
  await symlink('missing/../escape/x.txt', path.join(realRoot, 'climb'));
  // In-root dangling links (absolute and relative) and one that leaves and comes back.
  await symlink(path.join(realRoot, 'sub', 'later'), path.join(realRoot, 'in-abs'));
  await symlink('sub/later-rel', path.join(realRoot, 'in-rel'));
  await symlink('../root/sub/back.txt', path.join(realRoot, 'out-and-back'));
  // The root itself reached through a symlink.
  const linkedRoot = path.join(dir, 'root-link');
  await symlink(realRoot, linkedRoot);

  const refused = [
    'dangling',
    'dangling-dir',
    'dangling-dir/child.txt',
    'dangling-dir/a/b/c.txt',
    'dangling-rel',
    'sub/dangling-rel-dir',
    'sub/dangling-rel-dir/x.txt',
    'chain-1',
    'chain-2',
    'chain-2/x',
    'loop-a',
    'loop-b/x',
    'self',
    'escape/not-yet.txt',
    'escape/new-dir/deeper.txt',
    'climb',
  ];
  for (const root of [realRoot, linkedRoot]) {
    for (const p of refused) {
      await assert.rejects(safeJoinReal(root, p), (e: unknown) => isRampartError(e, 'ERR_RAMPART_PATH_TRAVERSAL'), `${root}: ${p}`);
    }
    assert.equal(await safeJoinReal(root, 'in-abs'), path.join(realRoot, 'sub', 'later'));
    assert.equal(await safeJoinReal(root, 'in-abs/child.txt'), path.join(realRoot, 'sub', 'later', 'child.txt'));
    assert.equal(await safeJoinReal(root, 'in-rel'), path.join(realRoot, 'sub', 'later-rel'));
    assert.equal(await safeJoinReal(root, 'ok-chain-2'), path.join(realRoot, 'sub', 'future.txt'));
    assert.equal(await safeJoinReal(root, 'out-and-back'), path.join(realRoot, 'sub', 'back.txt'));
    assert.equal(await safeJoinReal(root, 'sub/new/file.txt'), path.join(realRoot, 'sub', 'new', 'file.txt'));
    assert.equal(await safeJoinReal(root, ''), realRoot);
  }
  // What a refused path would have done: writing through it lands outside the root.
  await writeFile(path.join(realRoot, 'dangling'), 'x');
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual((await readdir(outside)).sort(), ['created-later.txt']);
});
