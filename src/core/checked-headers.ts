/**
 * Response header pairs rampart validated at construction (checkHeader: a token name and a
 * value without control characters, as strict as node's own check). An adapter may write
 * such a pair without validating it again per request. Filled only at construction, so
 * bounded by the configuration.
 */
const checked = new Map<string, Set<string>>();

/** Remember a pair checkHeader accepted. */
export function markCheckedHeader(name: string, value: string): void {
  let values = checked.get(name);
  if (values === undefined) {
    values = new Set();
    checked.set(name, values);
  }
  values.add(value);
}

/** True when checkHeader accepted exactly this name (same case) and value. */
export function isCheckedHeader(name: string, value: unknown): boolean {
  return typeof value === 'string' && checked.get(name)?.has(value) === true;
}
