/**
 * Cheap import: loading any public entry point (main and every subpath) loads none of the
 * optional peers — they are imported on first use by the feature that needs them. Each
 * entry is imported in a fresh child process that traces module resolution with
 * `module.registerHooks`. (Timings live in bench/import.ts, not here.)
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | { default: string }>;
  dependencies?: Record<string, string>;
};

/** Every optional peer rampart may load on first use. */
const OPTIONAL = [
  '@electric-sql/pglite',
  'postgres',
  'ioredis',
  'sanitize-html',
  'libphonenumber-js',
  '@zxcvbn-ts/core',
  '@zxcvbn-ts/language-common',
  'qrcode',
  'bcryptjs',
  'busboy',
  'jose',
  'file-type',
  'http-message-signatures',
  'ibantools',
];

const TRACE = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
    if (m) seen.add(m[1]);
    return result;
  },
});
await import(process.argv[1]);
process.stdout.write(JSON.stringify([...seen].sort()));
`;

/** The packages (under node_modules) that importing `entry` resolves, in a fresh process. */
function packagesLoadedBy(entry: URL): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', TRACE, entry.href], { cwd: fileURLToPath(root), encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as string[];
}

/** Source entry of each package.json export (`./dist/log/index.js` → `src/log/index.ts`). */
const entries = Object.entries(pkg.exports)
  .filter((e): e is [string, { default: string }] => typeof e[1] === 'object')
  .map(([subpath, target]) => [subpath, new URL(target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'), root)] as const);

test('importing the main entry loads no optional peer (only its one small dependency at most)', () => {
  const loaded = packagesLoadedBy(new URL('src/index.ts', root));
  assert.deepEqual(
    loaded.filter((p) => OPTIONAL.includes(p)),
    [],
  );
  assert.deepEqual(
    loaded.filter((p) => p !== 'ipaddr.js'),
    [],
    `main entry loads ${loaded.join(', ')}`,
  );
});

const loadedBySubpath = new Map<string, string[]>();
function optionalLoadedBy(subpath: string, entry: URL): string[] {
  let loaded = loadedBySubpath.get(subpath);
  if (loaded === undefined) {
    loaded = packagesLoadedBy(entry);
    loadedBySubpath.set(subpath, loaded);
  }
  return loaded.filter((p) => OPTIONAL.includes(p));
}

test('no public subpath loads any optional peer at import', () => {
  assert.ok(entries.length >= 10);
  for (const [subpath, entry] of entries) {
    assert.deepEqual(optionalLoadedBy(subpath, entry), [], `${subpath} loads optional peers at import`);
  }
});

test('the optional peers are optional peerDependencies, not dependencies', () => {
  const full = pkg as unknown as {
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    devDependencies?: Record<string, string>;
  };
  for (const name of OPTIONAL) {
    assert.equal(pkg.dependencies?.[name], undefined, `${name} is not a dependency`);
    assert.ok(full.peerDependencies?.[name], `${name} is a peerDependency`);
    assert.equal(full.peerDependenciesMeta?.[name]?.optional, true, `${name} is an optional peer`);
    assert.ok(full.devDependencies?.[name], `${name} stays a devDependency (tests use it)`);
  }
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), ['ipaddr.js']);
});
