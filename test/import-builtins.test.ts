/**
 * Cheap import (issue 13): importing the main entry loads none of the costly Node built-ins
 * (node:crypto alone is ~8 ms and ~3 MB, with node:stream behind it; zlib, worker_threads,
 * net, fs likewise). Features load them on first use (src/core/builtin.ts). Checked in a
 * fresh process on the sources (the bundle in dist/ adds no import of its own).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import test from 'node:test';

const COSTLY = ['crypto', 'stream', 'zlib', 'worker_threads', 'net', 'fs', 'http', 'https', 'tls'];

const PROBE = `
const before = new Set(process.moduleLoadList);
await import(process.argv[1]);
const loaded = JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)).map((m) => m.replace(/^NativeModule /, '')));
process.stdout.write(loaded); // after the list: a piped stdout loads node:net and node:stream itself
`;

function builtinsLoadedBy(entry: URL): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, entry.href], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as string[];
}

test('importing the main entry loads no costly Node built-in (they load on first use)', () => {
  const loaded = builtinsLoadedBy(new URL('../src/index.ts', import.meta.url));
  assert.deepEqual(
    loaded.filter((m) => COSTLY.includes(m)),
    [],
  );
});
