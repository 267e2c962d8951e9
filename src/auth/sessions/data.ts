import { RampartError } from '../../errors.ts';

const MAX_DEPTH = 32;

/** A JSON value as sessions store it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function bad(message: string): RampartError {
  return new RampartError('ERR_RAMPART_SESSION_DATA', `Session data must be plain JSON: ${message}.`);
}

/**
 * Check that a value is plain JSON (null, booleans, finite numbers, strings, arrays and
 * plain objects without `__proto__` keys), without cycles and not too deep. Returns a
 * deep copy, so later changes to the caller's object cannot reach the session.
 */
export function jsonCopy(value: unknown, depth = 0, seen = new Set<object>()): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad('numbers must be finite');
    return value;
  }
  if (typeof value !== 'object') throw bad(`${typeof value} values are not allowed`);
  if (depth >= MAX_DEPTH) throw bad(`nesting deeper than ${MAX_DEPTH}`);
  if (seen.has(value)) throw bad('cycles are not allowed');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => jsonCopy(v, depth + 1, seen));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw bad('only plain objects and arrays (no Date, Map, class instances)');
    const out: { [key: string]: JsonValue } = {};
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') throw bad('symbol keys are not allowed');
      if (key === '__proto__') throw bad('__proto__ keys are not allowed');
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      if (descriptor.get !== undefined || descriptor.set !== undefined) throw bad('accessors are not allowed');
      if (!descriptor.enumerable) continue;
      out[key] = jsonCopy(descriptor.value, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Parse stored JSON, dropping any `__proto__` key a tampered store row might contain. */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value));
}
