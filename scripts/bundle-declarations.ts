/**
 * The declaration half of `npm run build`: tsc emits one .d.ts per source module (about 150 of
 * them), then rollup-plugin-dts bundles them into one file per public entry point plus shared
 * chunks in dist/types/, so a type declared once (RampartError, Secret, …) stays one type across
 * every subpath. Why bundle: each file of an install takes at least one 4 KB disk block, and
 * the 150 small files took 700 KB of disk for 370 KB of text (DESIGN §8, the headers-only
 * install measured with `du -sh`, as the issue measures helmet).
 */
import { readdirSync, renameSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

/** Replace the per-module .d.ts files under `outdir` by one bundle per entry of `types` (dist-relative paths). */
export async function bundleDeclarations(outdir: string, types: readonly string[]): Promise<void> {
  const input: Record<string, string> = {};
  for (const file of types) input[file.replace(/\.d\.ts$/, '')] = join(outdir, file);
  const staging = join(outdir, '.types-staging');
  const build = await rollup({
    input,
    plugins: [dts()],
    // Packages stay imports (ipaddr.js, jose, node: builtins, the frameworks' types).
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    onwarn: (warning) => {
      throw new Error(`declaration bundle: ${warning.message}`);
    },
  });
  await build.write({ dir: staging, format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'types/[name]-[hash].d.ts' });
  await build.close();
  removeDeclarations(outdir, staging);
  for (const file of listFiles(staging)) {
    const target = join(outdir, relative(staging, file));
    mkdirSync(dirname(target), { recursive: true });
    renameSync(file, target);
  }
  rmSync(staging, { recursive: true, force: true });
  removeEmptyDirectories(outdir);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function removeDeclarations(dir: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === keep) continue;
    if (statSync(path).isDirectory()) removeDeclarations(path, keep);
    else if (path.endsWith('.d.ts')) rmSync(path);
  }
}

function removeEmptyDirectories(dir: string): boolean {
  let empty = true;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory() && removeEmptyDirectories(path)) rmSync(path, { recursive: true });
    else empty = false;
  }
  return empty;
}
