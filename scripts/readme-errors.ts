/**
 * Regenerates the error-code table in README.md from src/errors.ts (the one catalogue).
 * `node scripts/readme-errors.ts` rewrites it; `--check` exits 1 when it is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCodeEntry } from '../src/errors.ts';

const START = '<!-- errors:start -->';
const END = '<!-- errors:end -->';

export function errorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, entry]: [string, ErrorCodeEntry]) => `| \`${code}\` | ${entry.status ?? '–'} | ${entry.description.replaceAll('|', '\\|')} |`,
  );
  return [START, '| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows, END].join('\n');
}

export function withErrorTable(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a === -1 || b === -1) throw new Error('README.md lacks the errors:start/errors:end markers');
  return readme.slice(0, a) + errorTable() + readme.slice(b + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const next = withErrorTable(readme);
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md error table is out of date: run node scripts/readme-errors.ts');
      process.exit(1);
    }
  } else writeFileSync(path, next);
}
