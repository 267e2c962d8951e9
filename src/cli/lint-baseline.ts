/**
 * Baselines for `rampart lint`: a JSON file of known findings to leave out, so a project
 * can adopt the linter and fail only on new findings. A finding is identified by its rule,
 * its file (relative to the baseline's directory) and the trimmed text of its line, not by
 * its line number, so code moving up or down keeps it matched. Identical lines are counted.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { UsageError } from './args.ts';
import type { Finding } from './findings.ts';

/** One entry of a baseline file. */
export interface BaselineEntry {
  id: string;
  file: string;
  fingerprint: string;
}

interface BaselineFile {
  version: 1;
  tool: 'rampart lint';
  findings: BaselineEntry[];
}

/** The fingerprint of a finding: sha-256 of rule id, file and the trimmed source line, 16 hex digits. */
export function fingerprint(id: string, file: string, lineText: string): string {
  return createHash('sha256')
    .update(`${id}\0${file}\0${lineText.trim().replace(/\s+/g, ' ')}`)
    .digest('hex')
    .slice(0, 16);
}

/** `file` (absolute) relative to the baseline's directory, with forward slashes. */
export function baselinePath(baseline: string, file: string): string {
  return relative(dirname(resolve(baseline)), file)
    .split(sep)
    .join('/');
}

/** Read a baseline file into a multiset of `id file fingerprint` keys. */
export function readBaseline(path: string): Map<string, number> {
  let parsed: BaselineFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as BaselineFile;
  } catch (err) {
    throw new UsageError(`rampart lint: cannot read --baseline ${path}: ${(err as Error).message} (create one with --write-baseline ${path}).`);
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.findings))
    throw new UsageError(`rampart lint: --baseline ${path} is not a rampart lint baseline (expected { version: 1, findings: [...] }).`);
  const counts = new Map<string, number>();
  for (const e of parsed.findings) {
    if (typeof e?.id !== 'string' || typeof e.file !== 'string' || typeof e.fingerprint !== 'string') continue;
    const key = `${e.id} ${e.file} ${e.fingerprint}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Write `entries` as a baseline file (sorted, so the file diffs well). */
export function writeBaseline(path: string, entries: readonly BaselineEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.file.localeCompare(b.file) || a.id.localeCompare(b.id) || a.fingerprint.localeCompare(b.fingerprint));
  const body: BaselineFile = { version: 1, tool: 'rampart lint', findings: sorted };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
}

/** Split findings into those the baseline knows (each entry used once) and new ones. */
export function partition(
  findings: readonly Finding[],
  keys: ReadonlyMap<Finding, string>,
  baseline: Map<string, number>,
): { fresh: Finding[]; known: number } {
  const left = new Map(baseline);
  const fresh: Finding[] = [];
  let known = 0;
  for (const f of findings) {
    const key = keys.get(f);
    const n = key === undefined ? 0 : (left.get(key) ?? 0);
    if (key !== undefined && n > 0) {
      left.set(key, n - 1);
      known++;
    } else fresh.push(f);
  }
  return { fresh, known };
}
