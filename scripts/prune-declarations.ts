/**
 * Keep only the declaration files a consumer's type checker can reach: those of the public
 * entry points (package.json `exports[…].types`) and everything they import. tsc emits one
 * .d.ts per source module, and about a third of them (the CLI, adapter internals, scanners)
 * describe code no public type mentions; they cost ~120 KB of every install (DESIGN §8:
 * a headers-only consumer installs ≤ 2 MB).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Delete the unreachable .d.ts files under `outdir`; returns how many bytes went. */
export function pruneDeclarations(outdir: string, packageJson: string): number {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, string | { types?: string }> };
  const queue: string[] = [];
  for (const target of Object.values(pkg.exports)) {
    if (typeof target === 'object' && target.types !== undefined) queue.push(join(outdir, target.types.replace(/^\.\/dist\//, '')));
  }
  const reachable = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (reachable.has(file) || !existsSync(file)) continue;
    reachable.add(file);
    const text = readFileSync(file, 'utf8');
    // `from './x.js'`, `import('./x.js')`, `/// <reference path="./x.d.ts" />`
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|<reference\s+path\s*=\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = join(dirname(file), m[1]!);
      queue.push(spec.endsWith('.d.ts') ? spec : `${spec.replace(/\.(?:ts|js|mts|mjs)$/, '')}.d.ts`);
    }
  }
  let removed = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.d.ts') && !reachable.has(path)) {
        removed += statSync(path).size;
        rmSync(path);
      }
    }
  };
  walk(outdir);
  return removed;
}
