import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isRampartError } from '../errors.ts';
import { checkPeer, importPeer, installLine, isPeerMissing, lazyPeer, PEERS, requirePeer } from './optional.ts';

const ghost = { feature: 'ghostFeature()', packages: ['rampart-ghost-peer-x', 'rampart-ghost-peer-y'] };

/** A temporary package `broken-peer` that is installed but imports a missing dependency. */
function brokenPeer(t: test.TestContext): { dir: string; esm: string; cjs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-optional-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pkg = join(dir, 'node_modules', 'broken-peer');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'broken-peer', version: '1.0.0', main: 'index.cjs', exports: { import: './index.mjs', require: './index.cjs' } }),
  );
  writeFileSync(join(pkg, 'index.mjs'), "import 'its-own-missing-dep';\nexport default 1;\n");
  writeFileSync(join(pkg, 'index.cjs'), "require('its-own-missing-dep');\nmodule.exports = 1;\n");
  writeFileSync(join(dir, 'entry.mjs'), "export default await import('broken-peer');\n");
  return { dir, esm: join(dir, 'entry.mjs'), cjs: join(dir, 'index.cjs') };
}

function assertMissing(error: unknown, pkg: string, line: string): true {
  assert.ok(isRampartError(error, 'ERR_RAMPART_MISSING_DEPENDENCY'), String(error));
  assert.match(error.message, new RegExp(`"${pkg}"`));
  assert.ok(error.message.includes(line), error.message);
  assert.ok(error.message.includes('ghostFeature()'), error.message);
  return true;
}

test('checkPeer: a package that does not resolve fails at construction with the install line', () => {
  assert.throws(
    () => checkPeer(ghost),
    (e) => assertMissing(e, 'rampart-ghost-peer-x', 'npm install rampart-ghost-peer-x rampart-ghost-peer-y'),
  );
  for (const peer of Object.values(PEERS)) assert.doesNotThrow(() => checkPeer(peer), peer.feature);
});

test('importPeer: "module not found" for the peer itself becomes ERR_RAMPART_MISSING_DEPENDENCY', async () => {
  await assert.rejects(
    importPeer(ghost, () => import('rampart-ghost-peer-y' as string)),
    (e) => assertMissing(e, 'rampart-ghost-peer-y', installLine(ghost)),
  );
  const mod = await importPeer(PEERS.totpQr, () => import('qrcode'));
  assert.equal(typeof mod.default.toString, 'function');
});

test('importPeer / requirePeer: a missing dependency OF an installed peer is not reported as the peer missing', async (t) => {
  const { dir, esm } = brokenPeer(t);
  const peer = { feature: 'broken()', packages: ['broken-peer'] };
  await assert.rejects(
    importPeer(peer, () => import(pathToFileURL(esm).href)),
    (e: NodeJS.ErrnoException) => e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes('its-own-missing-dep'),
  );
  let cjsError: unknown;
  try {
    createRequire(join(dir, 'x.cjs'))('broken-peer');
  } catch (error) {
    cjsError = error;
  }
  assert.equal((cjsError as NodeJS.ErrnoException).code, 'MODULE_NOT_FOUND');
  assert.equal(isPeerMissing(cjsError, 'broken-peer'), false);
  assert.equal(isPeerMissing(cjsError, 'its-own-missing-dep'), true);
  assert.equal(isPeerMissing(new Error("Cannot find module 'broken-peer'"), 'broken-peer'), false, 'needs the not-found code');
});

test('requirePeer: sync load of a CommonJS peer, and the error for a missing one', () => {
  assert.throws(
    () => requirePeer(ghost, 'rampart-ghost-peer-x'),
    (e) => assertMissing(e, 'rampart-ghost-peer-x', installLine(ghost)),
  );
  const sanitize = requirePeer<typeof import('sanitize-html')>(PEERS.sanitizeHtml, 'sanitize-html');
  assert.equal(typeof sanitize, 'function');
  assert.equal(requirePeer(PEERS.sanitizeHtml, 'sanitize-html'), sanitize, 'cached');
});

test('lazyPeer: loads once, and a failure is not cached', async () => {
  let calls = 0;
  const load = lazyPeer(ghost, async () => {
    calls++;
    if (calls === 1) return import('rampart-ghost-peer-x' as string);
    return { ok: true };
  });
  await assert.rejects(load(), (e) => isRampartError(e, 'ERR_RAMPART_MISSING_DEPENDENCY'));
  assert.deepEqual(await load(), { ok: true });
  assert.deepEqual(await load(), { ok: true });
  assert.equal(calls, 2);
});
