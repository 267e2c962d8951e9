import { RampartError } from '../errors.ts';

/**
 * Reject option names that are not recognised, suggesting the closest valid one, so a
 * typo (`maxRequest`, `allowCredential`) is a construction error instead of being ignored.
 */
export function checkKeys(options: object, allowed: readonly string[], section: string): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const pointer = seedAlias(key, allowed, (options as Record<string, unknown>)[key]);
    if (pointer !== undefined) {
      throw new RampartError(
        'ERR_RAMPART_UNKNOWN_OPTION',
        `${section}: unknown option ${JSON.stringify(key)}; ${pointer} Valid options: ${allowed.join(', ')}.`,
      );
    }
    const suggestion = closest(key, allowed);
    throw new RampartError(
      'ERR_RAMPART_UNKNOWN_OPTION',
      `${section}: unknown option ${JSON.stringify(key)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''} Valid options: ${allowed.join(', ')}.`,
    );
  }
}

/** Accept `undefined` (→ default), `true` (→ {}), `false` (→ false) or a plain object for a section. */
export function section<T extends object>(value: T | boolean | undefined, name: string, defaultEnabled: boolean): T | false {
  if (value === undefined) return defaultEnabled ? ({} as T) : false;
  if (value === false) return false;
  if (value === true) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `${name} must be an options object, true or false (got ${describeValue(value)}).`);
  }
  return value;
}

/** Throw ERR_RAMPART_CONFIG unless `value` is a plain object (or undefined). */
export function optionsObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `${name} options must be an object (got ${describeValue(value)}).`);
  }
  return value as Record<string, unknown>;
}

export function configError(message: string): RampartError {
  return new RampartError('ERR_RAMPART_CONFIG', message);
}

const announcedRenames = new Set<string>();

/**
 * Read an option that was renamed (README "Glossary"): the new name, else the deprecated old
 * one, announced once per process with a DeprecationWarning. Giving both is a construction
 * error (they could disagree).
 */
export function renamedOption(options: Record<string, unknown>, name: string, oldName: string, where: string): unknown {
  const old = options[oldName];
  if (old === undefined) return options[name];
  if (options[name] !== undefined) throw configError(`${where}: ${oldName} is the old name of ${name}; give only ${name}.`);
  const key = `${where}.${oldName}`;
  if (!announcedRenames.has(key)) {
    announcedRenames.add(key);
    const warn = (globalThis as { process?: { emitWarning?: (message: string, options: object) => void } }).process?.emitWarning;
    warn?.(`${key} is deprecated: rename it to ${name} (same value and unit).`, { type: 'DeprecationWarning', code: 'RAMPART_RENAMED_OPTION' });
  }
  return old;
}

/** A finite number within [min, max] or a config error naming the option. */
export function numberOption(value: unknown, name: string, min: number, max: number, integer = true): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw configError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${describeValue(value)}).`);
  }
  return value;
}

export function boolOption(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw configError(`${name} must be true or false (got ${describeValue(value)}).`);
  return value;
}

export function stringList(value: unknown, name: string): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw configError(`${name} must be a string or a list of strings (got ${describeValue(value)}).`);
  }
  return [...value];
}

/** A short, safe rendering of an option value for error messages ("an object", a string cut at 40 characters). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * Spellings from the seed projects and other libraries (Python keyword arguments,
 * express-rate-limit, helmet), normalised to lower case without `_`/`-`, mapped to where
 * that setting lives in rampart: candidate dotted paths, the first whose head is an
 * option of the section being checked wins (so `hstsMaxAge` points to `hsts.maxAge` in
 * `headers` and to `headers.hsts.maxAge` in `rampart()`), plus an optional note.
 */
const SEED_ALIASES: Record<string, { paths: readonly string[]; note?: string }> = {
  hstsmaxage: { paths: ['hsts.maxAge', 'headers.hsts.maxAge'], note: 'seconds' },
  keyfunc: { paths: ['key', 'rateLimit.key'], note: 'a function (req) => string' },
  keyfn: { paths: ['key', 'rateLimit.key'] },
  keygenerator: { paths: ['key', 'rateLimit.key'] },
  max: { paths: ['maxRequests', 'rateLimit.maxRequests'] },
  limit: { paths: ['maxRequests', 'rateLimit.maxRequests'] },
  maxrequests: { paths: ['maxRequests', 'rateLimit.maxRequests'] },
  windowms: { paths: ['window', 'rateLimit.window'], note: 'in seconds, not milliseconds: windowMs 60000 is window 60' },
  corsorigins: { paths: ['origins', 'cors.origins'] },
  allowedorigins: { paths: ['origins', 'cors.origins'] },
  alloworigins: { paths: ['origins', 'cors.origins'] },
  xframeoptions: { paths: ['frameOptions', 'headers.frameOptions'] },
  contentsecuritypolicy: { paths: ['csp', 'headers.csp'] },
  csppolicy: { paths: ['csp', 'headers.csp'] },
  referrerpolicy: { paths: ['referrerPolicy', 'headers.referrerPolicy'] },
  permissionspolicy: { paths: ['permissionsPolicy', 'headers.permissionsPolicy'] },
  secretkey: { paths: ['secret'] },
};

function seedAlias(key: string, allowed: readonly string[], value: unknown): string | undefined {
  const alias = SEED_ALIASES[key.toLowerCase().replace(/[_-]/g, '')];
  if (alias === undefined) return undefined;
  const path = alias.paths.find((p) => allowed.includes(p.split('.')[0]!));
  if (path === undefined) return undefined;
  const note = alias.note === undefined ? '' : ` (${alias.note})`;
  const parts = path.split('.');
  if (parts.length === 1) return `did you mean ${JSON.stringify(path)}${note}?`;
  const shown =
    typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value === 'string' && value.length <= 40 ? JSON.stringify(value) : '…';
  let nested = `${parts[parts.length - 1]}: ${shown}`;
  for (let i = parts.length - 2; i >= 0; i--) nested = `${parts[i]}: { ${nested} }`;
  return `write it as ${nested}${note}.`;
}

function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const candidate of allowed) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validate a header name/value pair at construction: no CR/LF/NUL injection, token names. */
export function checkHeader(name: string, value: string, option: string): void {
  if (!HEADER_NAME.test(name)) {
    throw new RampartError('ERR_RAMPART_HEADER_VALUE', `${option}: ${JSON.stringify(name)} is not a valid header name.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\0]/.test(value) || /[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new RampartError('ERR_RAMPART_HEADER_VALUE', `${option}: the value for ${name} contains CR, LF, NUL or other control characters; remove them.`);
  }
}
