import { readFileSync } from 'node:fs';
import { detectAttack, type AttackType } from './detect.ts';

/** Attack corpora shipped as test fixtures, by the attack type they exercise. */
export const ATTACK_CORPORA: ReadonlyArray<{ file: string; type: AttackType }> = [
  { file: 'sqli.txt', type: 'sqli' },
  { file: 'xss.txt', type: 'xss' },
  { file: 'traversal.txt', type: 'path_traversal' },
  { file: 'cmdi.txt', type: 'cmd_injection' },
  { file: 'ssrf.txt', type: 'ssrf' },
];
/** Benign corpora (must not be flagged). */
export const BENIGN_CORPORA: readonly string[] = ['benign.txt', 'benign-prose.txt', 'benign-code.txt'];

/** One line per entry from `src/input/fixtures/<file>`. */
export function loadCorpus(file: string): string[] {
  return readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

/** Detection rate of one corpus: share of entries with `detected: true` (any type) and of the expected type. */
export function measure(lines: readonly string[], type?: AttackType): { total: number; detected: number; ofType: number; missed: string[]; flagged: string[] } {
  let detected = 0;
  let ofType = 0;
  const missed: string[] = [];
  const flagged: string[] = [];
  for (const line of lines) {
    const d = detectAttack(line);
    if (d.detected) {
      detected++;
      flagged.push(line);
      if (type !== undefined && d.attacks.some((a) => a.type === type)) ofType++;
    } else {
      missed.push(line);
    }
  }
  return { total: lines.length, detected, ofType, missed, flagged };
}
