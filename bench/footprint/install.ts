/**
 * Install-size helpers for bench/footprint.ts: pack rampart as `npm publish` would, install
 * a package list into a fresh consumer project, and measure its node_modules.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist, REPO } from './probe.ts';
import { npm } from '../../test/helpers/npm.ts';

/**
 * Build rampart into `dir/package` (never the shared ./dist), `npm pack` it into `dir`, and
 * return the tarball's path and its packed and unpacked sizes in bytes.
 */
export async function packRampart(dir: string): Promise<{ tarball: string; size: number; unpackedSize: number; files: number }> {
  const pkg = join(dir, 'package');
  mkdirSync(pkg, { recursive: true });
  buildDist(join(pkg, 'dist'));
  cpSync(join(REPO, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(REPO, 'README.md'), join(pkg, 'README.md'));
  const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', dir], pkg)) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: unknown[];
  }>;
  const p = packed[0]!;
  return { tarball: join(dir, p.filename), size: p.size, unpackedSize: p.unpackedSize, files: p.files.length };
}

/** The exact version of a package installed in this repository (so the npm cache has it). */
export function repoVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** What a consumer's `npm install` cost. */
export interface InstallSize {
  /** Bytes of every installed file (`du -sb node_modules`, as packagephobia counts). */
  bytes: number;
  /** Disk usage in bytes (`du -sk` × 1024): every file takes whole blocks, as `du -sh` shows it. */
  disk: number;
  /** Installed packages (every package.json at a package root under node_modules, nested ones included). */
  packages: number;
  /** 'offline' when the npm cache had everything, 'registry' when it fell back. */
  source: 'offline' | 'registry';
}

/**
 * Install `specs` (names with versions, or tarball paths) into a fresh consumer project at
 * `consumer`: `npm install --offline` from the npm cache first, the registry when the cache
 * lacks something. Peer dependencies are not installed (`--legacy-peer-deps`): the
 * framework a middleware plugs into is the application's own, and rampart's peers are all
 * optional. Install scripts do not run.
 */
export async function installInto(consumer: string, specs: readonly string[]): Promise<InstallSize> {
  mkdirSync(consumer, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const args = ['install', '--no-package-lock', '--legacy-peer-deps', '--ignore-scripts', ...specs];
  let source: InstallSize['source'] = 'offline';
  try {
    await npm([...args, '--offline'], consumer);
  } catch {
    source = 'registry';
    await npm(args, consumer);
  }
  const nm = join(consumer, 'node_modules');
  const bytes = Number(execFileSync('du', ['-sb', nm], { encoding: 'utf8' }).split('\t')[0]);
  const disk = Number(execFileSync('du', ['-sk', nm], { encoding: 'utf8' }).split('\t')[0]) * 1024;
  return { bytes, disk, packages: countPackages(nm), source };
}

/** Count the packages under a node_modules directory (scoped and nested ones included). */
export function countPackages(nodeModules: string): number {
  if (!existsSync(nodeModules)) return 0;
  let n = 0;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
    const dirs = entry.name.startsWith('@')
      ? readdirSync(join(nodeModules, entry.name)).map((s) => join(nodeModules, entry.name, s))
      : [join(nodeModules, entry.name)];
    for (const d of dirs) {
      if (!existsSync(join(d, 'package.json'))) continue;
      n += 1 + countPackages(join(d, 'node_modules'));
    }
  }
  return n;
}
