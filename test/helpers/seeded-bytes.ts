import { createHash } from 'node:crypto';

/**
 * `length` bytes that look random but are the same on every run (SHAKE256 of `seed`), for
 * tests that judge random-looking values: a heuristic with a tiny miss rate must not make
 * a test flaky, and a miss must reproduce.
 */
export function seededBytes(seed: string, length: number): Buffer {
  return createHash('shake256', { outputLength: length }).update(seed).digest();
}
