/**
 * Names and values held apart: a sensitive name in one array element or object field, its
 * value in the next element or in a value field (`rawHeaders`, header tuples, argv,
 * `{ name: 'password', value: … }`). Shared by `redact()` and the log's detail writer.
 */
import { isSensitiveKey } from '../core/secret-keys.ts';

// Fields that hold a name, and the fields that hold its value, in `{ name, value }` pairs.
const NAME_FIELDS = ['name', 'key', 'k', 'field', 'header', 'param', 'parameter'];
const VALUE_FIELDS = new Set(['value', 'v', 'val']);
// Longest array element or name field judged as a key name.
const MAX_NAME = 64;

/** True for a string that is a sensitive key name (`'password'`, `'X-Api-Key'`, `'--token'`). */
function isSecretName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME && isSensitiveKey(value);
}

/**
 * True when element `i` of an array is the value of a sensitive name before it: after a
 * command-line flag (`['--password', x]`), or in name/value pairs (an even-length array such
 * as `rawHeaders` or a header tuple `['X-Api-Key', k]`). Not when the element is an object, a
 * flag or itself a sensitive name: `['password', 'token']` is a list of names.
 */
export function isNamedByPrevious(array: readonly unknown[], i: number): boolean {
  if (i === 0) return false;
  const name = array[i - 1];
  const item = array[i];
  if (!isSecretName(name) || (item !== null && typeof item === 'object')) return false;
  if (typeof item === 'string' && (item.startsWith('-') || isSecretName(item))) return false;
  return name.startsWith('-') || (i % 2 === 1 && array.length % 2 === 0);
}

/**
 * True when an object holds a sensitive name in a name field (name, key, k, field, header,
 * param, parameter), so its value fields (value, v, val) are secret: `{ k: 'api_key', v: … }`.
 */
export function namesSecret(object: object): boolean {
  for (const field of NAME_FIELDS) if (Object.hasOwn(object, field) && isSecretName((object as Record<string, unknown>)[field])) return true;
  return false;
}

/** True for the fields that hold the value in a `{ name, value }` pair. */
export function isValueField(key: string): boolean {
  return VALUE_FIELDS.has(key);
}
