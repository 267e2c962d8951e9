import { builtin } from './builtin.ts';

let version: string | undefined;

/**
 * rampart's version, read on first use from the nearest rampart package.json above this
 * file. The lookup climbs a few levels because the same code runs from src/<dir>/ (source),
 * dist/<dir>/ (an entry) and dist/chunks/ (code shared by several entries). '0' when absent.
 */
export function rampartVersion(): string {
  if (version !== undefined) return version;
  const { readFileSync } = builtin<typeof import('node:fs')>('node:fs');
  version = '0';
  for (const up of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rampart') {
        version = pkg.version ?? '0';
        break;
      }
    } catch {
      // not there: look one level up
    }
  }
  return version;
}

/**
 * A file of the package next to the module that asks, wherever the build put that module:
 * `candidates` are tried in order (relative to `from`) and the first that exists wins.
 */
export function packageFile(from: string, candidates: readonly string[]): URL {
  const { existsSync } = builtin<typeof import('node:fs')>('node:fs');
  for (const candidate of candidates) {
    const url = new URL(candidate, from);
    if (existsSync(url)) return url;
  }
  return new URL(candidates[0]!, from);
}
