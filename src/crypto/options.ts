import { RampartError } from '../errors.ts';
import { kind } from './bytes.ts';

// crypto/ is a pure library (DESIGN §2): it carries its own two-line option checks
// instead of importing core/.

/** Throw ERR_RAMPART_UNKNOWN_OPTION for a key outside `allowed`. */
export function checkKeys(options: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new RampartError('ERR_RAMPART_UNKNOWN_OPTION', `${where}: unknown option ${JSON.stringify(key)}. Valid options: ${allowed.join(', ')}.`);
    }
  }
}

/** The options object itself, `{}` for undefined, or ERR_RAMPART_CONFIG. */
export function optionsObject(value: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `${where} options must be an object (got ${kind(value)}).`);
  }
  checkKeys(value, allowed, where);
  return value as Record<string, unknown>;
}

/** An integer within [min, max] (or the default when undefined), else ERR_RAMPART_CONFIG. */
export function intOption(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RampartError('ERR_RAMPART_CONFIG', `${name} must be an integer from ${min} to ${max} (got ${typeof value === 'number' ? value : kind(value)}).`);
  }
  return value;
}
