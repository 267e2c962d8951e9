/**
 * Names and values held apart: a sensitive name in one array element or object field, its
 * value in the next element or in a value field (`rawHeaders`, header tuples, argv,
 * `{ name: 'password', value: … }`). Shared by `redact()` and the log's detail writer.
 */
import { isSensitiveKey } from '../core/secret-keys.ts';

// Fields that hold a name, and the fields that hold its value, in `{ name, value }` pairs.
const NAME_FIELDS = new Set(['name', 'key', 'k', 'field', 'header', 'param', 'parameter']);
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
  if (typeof name !== 'string' || (item !== null && typeof item === 'object')) return false;
  // Structure first (cheap): a flag, or the second of a pair.
  if (!name.startsWith('-') && (i % 2 === 0 || array.length % 2 !== 0)) return false;
  if (!isSecretName(name)) return false;
  return !(typeof item === 'string' && (item.startsWith('-') || isSecretName(item)));
}

/**
 * True when an object with these own `keys` holds a sensitive name in a name field (name, key,
 * k, field, header, param, parameter) and has a value field (value, v, val), which is then
 * secret: `{ k: 'api_key', v: … }`. One set lookup per key; a name is judged only then.
 */
export function namesSecret(object: object, keys: readonly string[]): boolean {
  // Most objects have no value field: found by the first letter before any set lookup.
  let value = false;
  for (const key of keys) if (key.charCodeAt(0) === 0x76 && VALUE_FIELDS.has(key)) value = true;
  if (!value) return false;
  for (const key of keys) if (NAME_FIELDS.has(key)) return isSecretName((object as Record<string, unknown>)[key]);
  return false;
}

/** True for the fields that hold the value in a `{ name, value }` pair. */
export function isValueField(key: string): boolean {
  return VALUE_FIELDS.has(key);
}
