import { problem } from '../core/problem.ts';
import { viewOf } from '../core/registry.ts';
import { checkKeys, numberOption } from '../core/options.ts';
import type { Middleware, RequestView } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { parseForm, readParsedBody } from './body.ts';

/**
 * The Standard Schema v1 interface (https://standardschema.dev), implemented by zod
 * (>= 3.24), valibot (>= 1.0), arktype (>= 2.0) and others. Declared here so rampart
 * needs none of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** What a Standard Schema's `validate` returns: the value, or the issues. */
export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

/** One problem a Standard Schema reports. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The output type of a Standard Schema. */
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

/** One field error: a dotted path (`items[2].name`, '' for the value itself) and the schema's message. */
export interface FieldError {
  path: string;
  message: string;
}

/** Thrown by {@link parseInput}: the value did not match; `errors` lists each field. */
export class ValidationError extends RampartError {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(
      'ERR_RAMPART_VALIDATION',
      `Input is invalid: ${errors
        .slice(0, 3)
        .map((e) => `${e.path || '(value)'}: ${e.message}`)
        .join('; ')}${errors.length > 3 ? '; …' : ''}`,
    );
    this.name = 'ValidationError';
    this.errors = errors;
  }
}

const MAX_ERRORS = 50;

function assertSchema(schema: unknown, name: string): asserts schema is StandardSchemaV1 {
  const std = (schema as { '~standard'?: { version?: unknown; validate?: unknown } } | null | undefined)?.['~standard'];
  if (std === undefined || std === null || std.version !== 1 || typeof std.validate !== 'function') {
    throw new RampartError(
      'ERR_RAMPART_SCHEMA',
      `${name} is not a Standard Schema (no '~standard' v1 interface); pass a zod (>= 3.24), valibot (>= 1) or arktype (>= 2) schema.`,
    );
  }
}

function pathOf(path: StandardIssue['path']): string {
  if (path === undefined) return '';
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function fieldErrors(issues: ReadonlyArray<StandardIssue>): FieldError[] {
  return issues.slice(0, MAX_ERRORS).map((issue) => ({ path: pathOf(issue.path), message: String(issue.message).slice(0, 200) }));
}

/**
 * Validate a value with any Standard Schema; resolves to the schema's output (with its
 * transforms and defaults applied) or throws {@link ValidationError}.
 *
 * @example
 * const user = await parseInput(z.object({ email: z.string().email() }), json);
 */
export async function parseInput<S extends StandardSchemaV1>(schema: S, value: unknown): Promise<InferOutput<S>> {
  assertSchema(schema, 'parseInput(schema)');
  const result = await schema['~standard'].validate(value);
  if (result.issues !== undefined) throw new ValidationError(fieldErrors(result.issues));
  return result.value as InferOutput<S>;
}

/** Schemas for the parts of a request {@link validate} checks. */
export interface RequestSchemas {
  /** JSON or urlencoded body. */
  body?: StandardSchemaV1;
  /** Query string as an object (`?a=1&a=2&b=x` → `{ a: ['1','2'], b: 'x' }`). */
  query?: StandardSchemaV1;
  /** Request headers by lower-case name. */
  headers?: StandardSchemaV1;
  /** Largest body read, in bytes. Default 1,048,576. */
  bodyLimit?: number;
}

/** What {@link validate} stores for the handler: each validated part's schema output. */
export interface ValidatedInput {
  body?: unknown;
  query?: unknown;
  headers?: unknown;
}

const PART_KEYS = ['body', 'query', 'headers', 'bodyLimit'];

/**
 * Middleware validating the request with Standard Schemas (zod, valibot, arktype, …)
 * on every adapter. A bare schema validates the body; `{ body, query, headers }` picks
 * parts. Invalid input is answered with 400 problem+json listing `errors: [{ path,
 * message }]`; a body that is not JSON/urlencoded when a body schema is set gets 415, an
 * oversized one 413. Validated values (schema output) are available to the handler via
 * {@link validatedInput}(req). The request object is never mutated, so Express 5's
 * getter-only `req.query` is fine.
 *
 * @example
 * app.use(stack([validate(z.object({ email: z.string().email() }))]).express());
 * app.post('/signup', (req, res) => res.json(validatedInput(req)?.body));
 */
export function validate(schemaOrParts: StandardSchemaV1 | RequestSchemas): Middleware {
  const parts: RequestSchemas =
    schemaOrParts !== null && typeof schemaOrParts === 'object' && '~standard' in schemaOrParts ? { body: schemaOrParts } : (schemaOrParts as RequestSchemas);
  if (parts === null || typeof parts !== 'object') {
    throw new RampartError('ERR_RAMPART_SCHEMA', 'validate() takes a Standard Schema or { body?, query?, headers? } of schemas.');
  }
  checkKeys(parts, PART_KEYS, 'validate');
  if (parts.body !== undefined) assertSchema(parts.body, 'validate: body');
  if (parts.query !== undefined) assertSchema(parts.query, 'validate: query');
  if (parts.headers !== undefined) assertSchema(parts.headers, 'validate: headers');
  if (parts.body === undefined && parts.query === undefined && parts.headers === undefined) {
    throw new RampartError('ERR_RAMPART_SCHEMA', 'validate(): give at least one of body, query or headers.');
  }
  const bodyLimit = parts.bodyLimit === undefined ? 1_048_576 : numberOption(parts.bodyLimit, 'validate.bodyLimit', 1, 1 << 30);
  const { body, query, headers } = parts;

  return Object.freeze<Middleware>({
    name: 'validate',
    async handle(req) {
      const output: ValidatedInput = {};
      const errors: FieldError[] = [];
      const check = async (schema: StandardSchemaV1, value: unknown, prefix: string): Promise<unknown> => {
        const result = await schema['~standard'].validate(value);
        if (result.issues !== undefined) {
          for (const e of fieldErrors(result.issues)) errors.push({ path: e.path === '' ? prefix : `${prefix}.${e.path}`, message: e.message });
          return undefined;
        }
        return result.value;
      };
      if (query !== undefined) output.query = await check(query, parseForm(req.query), 'query');
      if (headers !== undefined) output.headers = await check(headers, headerObject(req), 'headers');
      if (body !== undefined) {
        const parsed = await readParsedBody(req, bodyLimit);
        switch (parsed.kind) {
          case 'too-large':
            return problem(413, `The request body is larger than ${bodyLimit} bytes.`);
          case 'invalid':
            return problem(400, `Invalid request body: ${parsed.reason}.`, { extra: { errors: [{ path: 'body', message: parsed.reason }] } });
          case 'other':
            return problem(415, 'Send the body as application/json or application/x-www-form-urlencoded.');
          default:
            output.body = await check(body, parsed.kind === 'none' ? undefined : parsed.value, 'body');
        }
      }
      if (errors.length > 0) {
        return problem(400, 'The request input is invalid.', { title: 'Invalid input', extra: { errors: errors.slice(0, MAX_ERRORS) } });
      }
      const previous = req.locals.input as ValidatedInput | undefined;
      req.locals.input = { ...previous, ...output };
      return undefined;
    },
  });
}

function headerObject(req: RequestView): Record<string, string> {
  // node/Express/Fastify: `.headers` object; fetch Request: Headers; Hono context: c.req.raw.headers.
  const raw = req.raw as { headers?: unknown; req?: { raw?: { headers?: unknown } } } | undefined;
  const out: Record<string, string> = Object.create(null);
  const source = raw?.headers ?? raw?.req?.raw?.headers;
  if (source instanceof Headers) {
    source.forEach((v, k) => {
      out[k] = v;
    });
  } else if (source !== null && typeof source === 'object') {
    for (const k of Object.keys(source)) {
      const v = req.header(k.toLowerCase());
      if (v !== undefined) out[k.toLowerCase()] = v;
    }
  }
  return out;
}

/**
 * The values {@link validate} accepted for this request (schema outputs), from the
 * request object any adapter hands the app (node/Express `req`, Fastify `request`,
 * Hono `c`, fetch `Request`). Undefined when no validate() ran.
 */
export function validatedInput<T extends ValidatedInput = ValidatedInput>(req: unknown): T | undefined {
  return viewOf(req)?.locals.input as T | undefined;
}
