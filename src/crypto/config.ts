import { createHmac } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { constantTimeEqual, isWellFormedText, kind, toBytes } from './bytes.ts';
import { checkKeys } from './options.ts';
import { Secret, checkSecret } from './secret.ts';

/** One environment variable of a {@link loadConfig} schema. */
export type EnvField =
  | { type: 'string'; required?: boolean; default?: string; minLength?: number; maxLength?: number; pattern?: RegExp; description?: string }
  | { type: 'int'; required?: boolean; default?: number; min?: number; max?: number; description?: string }
  | { type: 'bool'; required?: boolean; default?: boolean /** true: must be false when NODE_ENV=production. */; debug?: boolean; description?: string }
  | { type: 'url'; required?: boolean; default?: string; protocols?: readonly string[]; description?: string }
  | { type: 'list'; required?: boolean; default?: readonly string[]; separator?: string; description?: string }
  | {
      type: 'enum';
      required?: boolean;
      default?: string;
      values: readonly string[] /** values refused in production (e.g. 'debug'). */;
      forbiddenInProduction?: readonly string[];
      description?: string;
    }
  | {
      type: 'secret';
      required?: boolean /** Name of a variable with older secrets (comma separated) that still verify. */;
      fallbacks?: string;
      minLength?: number;
      description?: string;
    };

/** A schema: variable name → field. */
export type EnvSchema = Record<string, EnvField>;

/**
 * A secret with rotation: `current` signs, `current` and every fallback verify (Django's
 * `SECRET_KEY` + `SECRET_KEY_FALLBACKS`). Move the old key into the fallbacks when
 * rotating, drop it once everything it signed has expired.
 */
export interface RotatingSecret {
  readonly current: Secret;
  readonly fallbacks: readonly Secret[];
  /** current first, then the fallbacks. */
  readonly all: readonly Secret[];
  /** HMAC-SHA256 of `data` under the current secret, base64url. */
  sign(data: string | Uint8Array): string;
  /** True when `signature` matches `data` under the current secret or any fallback (constant time per key). */
  verify(data: string | Uint8Array, signature: string): boolean;
}

/** The type {@link loadConfig} gives one field of the schema. */
export type EnvValue<F> = F extends { type: 'secret'; fallbacks: string }
  ? RotatingSecret
  : F extends { type: 'secret' }
    ? Secret
    : F extends { type: 'int' }
      ? number
      : F extends { type: 'bool' }
        ? boolean
        : F extends { type: 'list' }
          ? string[]
          : F extends { type: 'enum'; values: ReadonlyArray<infer V> }
            ? V
            : string;

/** `true` when a field may be absent (not required and no default). */
export type EnvOptional<F> = F extends { required: false } ? (F extends { default: unknown } ? false : true) : false;

/** The typed, frozen result of {@link loadConfig}. */
export type EnvConfig<S extends EnvSchema> = {
  readonly [K in keyof S]: EnvOptional<S[K]> extends true ? EnvValue<S[K]> | undefined : EnvValue<S[K]>;
};

/** One problem found by {@link loadConfig}. */
export interface EnvProblem {
  variable: string;
  code: 'MISSING' | 'TYPE' | 'RANGE' | 'WEAK_SECRET' | 'DEBUG_IN_PRODUCTION' | 'NOT_ALLOWED_IN_PRODUCTION';
  message: string;
  fix: string;
}

/** The error {@link loadConfig} throws: a RampartError (ERR_RAMPART_ENV) carrying every problem. */
export class EnvConfigError extends RampartError {
  readonly problems: readonly EnvProblem[];
  constructor(problems: EnvProblem[]) {
    const lines = problems.map((p) => `  - ${p.variable}: ${p.message} Fix: ${p.fix}`);
    super('ERR_RAMPART_ENV', `Invalid environment configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'EnvConfigError';
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Variables to read, default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Apply production rules, default `env.NODE_ENV === 'production'`. */
  production?: boolean;
  /** Where non-production warnings (weak secrets) go, default `process.emitWarning`. */
  warn?: (message: string) => void;
}

const FIELD_KEYS: Record<EnvField['type'], readonly string[]> = {
  string: ['type', 'required', 'default', 'minLength', 'maxLength', 'pattern', 'description'],
  int: ['type', 'required', 'default', 'min', 'max', 'description'],
  bool: ['type', 'required', 'default', 'debug', 'description'],
  url: ['type', 'required', 'default', 'protocols', 'description'],
  list: ['type', 'required', 'default', 'separator', 'description'],
  enum: ['type', 'required', 'default', 'values', 'forbiddenInProduction', 'description'],
  secret: ['type', 'required', 'fallbacks', 'minLength', 'description'],
};
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * Read and validate environment variables against a schema; every problem (missing,
 * wrong type, out of range, weak or placeholder secret, debug flag in production) is
 * collected and thrown at once as one {@link EnvConfigError} whose message says how to fix
 * each. Secrets come back as {@link Secret} (never printed); a secret with `fallbacks`
 * comes back as a {@link RotatingSecret}. Schema mistakes throw ERR_RAMPART_CONFIG.
 *
 * In production (`NODE_ENV=production`) secrets must pass `checkSecret` (≥ 32 characters,
 * no placeholder, enough entropy) and `debug: true` flags must be off; elsewhere weak
 * secrets only warn.
 *
 * @example
 * const config = loadConfig({
 *   PORT: { type: 'int', default: 3000, min: 1, max: 65535 },
 *   DATABASE_URL: { type: 'url', protocols: ['postgres:', 'postgresql:'] },
 *   SECRET_KEY: { type: 'secret', fallbacks: 'SECRET_KEY_FALLBACKS' },
 *   DEBUG: { type: 'bool', default: false, debug: true },
 * });
 * config.SECRET_KEY.sign('payload');
 */
export function loadConfig<const S extends EnvSchema>(schema: S, options?: LoadConfigOptions): EnvConfig<S> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `loadConfig schema must be an object of variable name → field (got ${kind(schema)}).`);
  }
  if (options !== undefined) checkKeys(options, ['env', 'production', 'warn'], 'loadConfig');
  for (const [name, field] of Object.entries(schema)) checkField(name, field);
  const env = options?.env ?? process.env;
  const production = options?.production ?? env.NODE_ENV === 'production';
  const warn = options?.warn ?? ((message: string) => process.emitWarning(message, { code: 'RAMPART_WEAK_SECRET' }));

  const problems: EnvProblem[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const raw = env[name];
    const value = raw === undefined || raw.trim() === '' ? undefined : raw;
    if (value === undefined) {
      if ('default' in field && field.default !== undefined) {
        result[name] = Array.isArray(field.default) ? [...field.default] : field.default;
        if (field.type === 'bool' && field.debug === true && field.default === true && production) {
          problems.push(debugProblem(name));
        }
      } else if (field.required === false) {
        result[name] = undefined;
      } else {
        problems.push({
          variable: name,
          code: 'MISSING',
          message: 'is required but not set.',
          fix:
            field.type === 'secret'
              ? `set ${name} to a random value, e.g. \`openssl rand -base64 48\`.`
              : `set ${name}${field.description ? ` (${field.description})` : ''}.`,
        });
      }
      continue;
    }
    const parsed = parse(name, field, value, env, production, warn, problems);
    if (parsed !== undefined) result[name] = parsed;
  }
  if (problems.length > 0) throw new EnvConfigError(problems);
  return Object.freeze(result) as EnvConfig<S>;
}

function parse(
  name: string,
  field: EnvField,
  value: string,
  env: Record<string, string | undefined>,
  production: boolean,
  warn: (message: string) => void,
  problems: EnvProblem[],
): unknown {
  const show = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  const problem = (code: EnvProblem['code'], message: string, fix: string): undefined => {
    problems.push({ variable: name, code, message, fix });
    return undefined;
  };
  switch (field.type) {
    case 'string': {
      if (field.minLength !== undefined && value.length < field.minLength)
        return problem('RANGE', `has ${value.length} characters, fewer than ${field.minLength}.`, `use at least ${field.minLength} characters.`);
      if (field.maxLength !== undefined && value.length > field.maxLength)
        return problem('RANGE', `has ${value.length} characters, more than ${field.maxLength}.`, `use at most ${field.maxLength} characters.`);
      if (field.pattern !== undefined && !new RegExp(field.pattern.source, field.pattern.flags.replace(/[gy]/g, '')).test(value)) {
        return problem('TYPE', `${show} does not match ${String(field.pattern)}.`, `give a value matching ${String(field.pattern)}.`);
      }
      return value;
    }
    case 'int': {
      if (!/^[+-]?\d{1,16}$/.test(value.trim()))
        return problem('TYPE', `${show} is not an integer.`, `give a whole number such as ${field.default ?? field.min ?? 0}.`);
      const n = Number(value.trim());
      if (!Number.isSafeInteger(n)) return problem('RANGE', `${show} is too large.`, 'give a smaller number.');
      if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) {
        return problem('RANGE', `${n} is outside ${field.min ?? '-∞'}…${field.max ?? '∞'}.`, `give a number from ${field.min ?? '-∞'} to ${field.max ?? '∞'}.`);
      }
      return n;
    }
    case 'bool': {
      const lower = value.trim().toLowerCase();
      const b = TRUE.has(lower) ? true : FALSE.has(lower) ? false : undefined;
      if (b === undefined) return problem('TYPE', `${show} is not a boolean.`, 'use true/false, 1/0, yes/no or on/off.');
      if (b && field.debug === true && production) {
        problems.push(debugProblem(name));
        return undefined;
      }
      return b;
    }
    case 'url': {
      let url: URL;
      try {
        url = new URL(value.trim());
      } catch {
        return problem('TYPE', `${show} is not an absolute URL.`, 'give an absolute URL such as https://example.com.');
      }
      if (field.protocols !== undefined && !field.protocols.includes(url.protocol)) {
        return problem('TYPE', `uses ${url.protocol}, not one of ${field.protocols.join(', ')}.`, `use a ${field.protocols.join(' or ')} URL.`);
      }
      return url.href;
    }
    case 'list':
      return value
        .split(field.separator ?? ',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    case 'enum': {
      const v = value.trim();
      if (!field.values.includes(v)) return problem('TYPE', `${show} is not one of ${field.values.join(', ')}.`, `use one of ${field.values.join(', ')}.`);
      if (production && field.forbiddenInProduction?.includes(v)) {
        return problem(
          'NOT_ALLOWED_IN_PRODUCTION',
          `${JSON.stringify(v)} is not allowed when NODE_ENV=production.`,
          `use one of ${field.values.filter((x) => !field.forbiddenInProduction?.includes(x)).join(', ')} in production.`,
        );
      }
      return v;
    }
    case 'secret': {
      const values = [value];
      const fallbackText = field.fallbacks === undefined ? undefined : env[field.fallbacks];
      const fallbacks =
        fallbackText === undefined
          ? []
          : fallbackText
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s.length > 0);
      values.push(...fallbacks);
      let weak = false;
      values.forEach((v, i) => {
        const where = i === 0 ? name : `${field.fallbacks} entry ${i}`;
        const found = checkSecret(v, { minLength: field.minLength ?? 32 });
        if (found.length === 0) return;
        const message = `${i === 0 ? '' : `${where}: `}${found.map((p) => p.message).join(' ')}`;
        if (production) {
          weak = true;
          problems.push({
            variable: i === 0 ? name : (field.fallbacks as string),
            code: 'WEAK_SECRET',
            message,
            fix: `replace it with a random value, e.g. \`openssl rand -base64 48\` (weak or placeholder secrets are refused when NODE_ENV=production).`,
          });
        } else {
          warn(`${name}: weak secret (allowed outside production only): ${message}`);
        }
      });
      if (weak) return undefined;
      const secrets = values.map((v) => new Secret(v));
      return field.fallbacks === undefined ? secrets[0] : rotatingSecret(secrets);
    }
  }
}

function debugProblem(name: string): EnvProblem {
  return {
    variable: name,
    code: 'DEBUG_IN_PRODUCTION',
    message: 'is a debug flag and is on while NODE_ENV=production.',
    fix: `unset ${name} or set it to false in production (debug output leaks stack traces and settings).`,
  };
}

function rotatingSecret(all: Secret[]): RotatingSecret {
  const [current, ...fallbacks] = all as [Secret, ...Secret[]];
  const mac = (secret: Secret, data: string | Uint8Array) => createHmac('sha256', secret.reveal()).update(toBytes(data)).digest('base64url');
  return Object.freeze({
    current,
    fallbacks: Object.freeze(fallbacks),
    all: Object.freeze([...all]),
    sign: (data: string | Uint8Array) => mac(current, data),
    verify(data: string | Uint8Array, signature: string): boolean {
      // Text UTF-8 cannot encode was never signed (sign() refuses it): not a match, not a throw.
      if (typeof signature !== 'string' || (typeof data === 'string' && !isWellFormedText(data))) return false;
      let ok = false;
      // Every key is tried (no early exit), so timing does not tell which key matched.
      for (const secret of all) ok = constantTimeEqual(mac(secret, data), signature) || ok;
      return ok;
    },
    toString: () => '[secret]',
    toJSON: () => '[secret]',
    [Symbol.for('nodejs.util.inspect.custom')]: () => '[secret]',
  });
}

function checkField(name: string, field: unknown): void {
  if (typeof field !== 'object' || field === null || Array.isArray(field)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `loadConfig schema ${name} must be a field object such as { type: 'string' } (got ${kind(field)}).`);
  }
  const type = (field as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in FIELD_KEYS)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `loadConfig schema ${name}: type must be one of ${Object.keys(FIELD_KEYS).join(', ')} (got ${kind(type)}).`);
  }
  checkKeys(field, FIELD_KEYS[type as EnvField['type']], `loadConfig schema ${name}`);
  const f = field as EnvField;
  if (f.type === 'enum' && (!Array.isArray(f.values) || f.values.length === 0 || f.values.some((v) => typeof v !== 'string'))) {
    throw new RampartError('ERR_RAMPART_CONFIG', `loadConfig schema ${name}: enum fields need values: a non-empty list of strings.`);
  }
  if (f.type === 'secret' && f.fallbacks !== undefined && (typeof f.fallbacks !== 'string' || f.fallbacks === name)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `loadConfig schema ${name}: fallbacks must name another variable, e.g. '${name}_FALLBACKS'.`);
  }
  if (f.type === 'string' && f.pattern !== undefined && !(f.pattern instanceof RegExp)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `loadConfig schema ${name}: pattern must be a RegExp.`);
  }
}
