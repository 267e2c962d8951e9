import { configError } from '../../core/options.ts';

const PERMISSION = /^(\*|[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*(:\*)?)$/;

/** Check a permission name at construction: `resource:action`, optionally ending in `:*`, or `*`. */
export function checkPermission(value: unknown, where: string): string {
  if (typeof value !== 'string' || !PERMISSION.test(value)) {
    throw configError(`${where}: ${JSON.stringify(value)} is not a permission; use names like 'post:edit', 'post:*' or '*'.`);
  }
  return value;
}

/** True when a granted permission (possibly a wildcard) covers the required one. */
export function covers(granted: string, required: string): boolean {
  if (granted === required || granted === '*') return true;
  if (granted.endsWith(':*')) return required.startsWith(granted.slice(0, -1)) && required.length > granted.length - 1;
  return false;
}

/** True when any of `granted` covers `required`. */
export function anyCovers(granted: Iterable<string>, required: string): boolean {
  for (const g of granted) if (covers(g, required)) return true;
  return false;
}
