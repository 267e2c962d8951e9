import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindView } from '../core/registry.ts';
import type { Reply } from '../core/types.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { failureReply } from '../stack/run.ts';
import { RampartError } from '../errors.ts';
import { NodeExchange } from './node-exchange.ts';
import { replyRecordSeeder } from './fastify-record.ts';
import { RewrittenExchange, rewrittenUrl } from './fastify-rewrite.ts';

// Structural types: rampart does not depend on fastify's packages at runtime or in its .d.ts.
/** The part of a Fastify request rampart reads. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
}
/** The part of a Fastify reply rampart uses. */
export interface FastifyReplyLike {
  raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  getHeader(name: string): unknown;
  send(payload?: unknown): FastifyReplyLike;
}
/** The part of a Fastify instance rampart's plugin registers on. */
export interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void): unknown;
}

/** A Fastify plugin function (registered with `await app.register(plugin)`). */
export type FastifyPlugin = ((instance: FastifyInstanceLike, options: unknown, done: (error?: Error) => void) => void) & {
  [key: symbol]: unknown;
};

function sendFastifyReply(reply: FastifyReplyLike, answer: Reply): void {
  reply.code(answer.status);
  const headers = answer.headers;
  if (headers !== undefined) {
    const pairs = Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, string]>) : Object.entries(headers);
    for (const [name, value] of pairs) reply.header(name, value);
  }
  // A Buffer keeps Fastify from appending `; charset=utf-8` to the reply's content type.
  const body = answer.body;
  reply.send(body === undefined ? '' : typeof body === 'string' ? Buffer.from(body) : body);
}

/** rampart answers the request itself (a rejection, a preflight, a redirect): its headers first, then the reply. */
function answerWith(exchange: NodeExchange, reply: FastifyReplyLike, answer: Reply): void {
  exchange.commit();
  sendFastifyReply(reply, answer);
}

/**
 * A Fastify plugin running the stack in an `onRequest` hook, so it answers before body
 * parsing and covers 404s and errors. It skips encapsulation (like fastify-plugin): the
 * hook applies to the context it is registered in and its children. Works with `inject()`.
 *
 * @example
 * await app.register(shield.fastify());
 */
export function fastifyAdapter(shield: ShieldCore): FastifyPlugin {
  const context = shield.context;
  const run = shield.run;
  const seed = replyRecordSeeder();
  const plugin = function rampartFastify(instance: FastifyInstanceLike, _options: unknown, done: (error?: Error) => void): void {
    instance.addHook('onRequest', function rampartOnRequest(request, reply, next) {
      // rewriteUrl changed the URL the router runs: rules judge it as well as the sent one.
      const exchange =
        rewrittenUrl(request.raw) === undefined ? new NodeExchange(context, request.raw, reply.raw) : new RewrittenExchange(context, request.raw, reply.raw);
      exchange.useHeaderTarget(reply, seed);
      bindView(exchange, request, request.raw, reply, reply.raw);
      // The usual stack is synchronous: decided here with no closure and no promise.
      let decision: Reply | undefined | Promise<Reply | undefined>;
      try {
        decision = run(exchange, exchange);
      } catch (error) {
        decision = failureReply(error);
      }
      if (decision === undefined) {
        exchange.commit();
        next();
      } else if (typeof (decision as Promise<unknown>).then !== 'function') answerWith(exchange, reply, decision as Reply);
      else {
        (decision as Promise<Reply | undefined>).then(
          (answer) => {
            if (answer !== undefined) answerWith(exchange, reply, answer);
            else {
              exchange.commit();
              next();
            }
          },
          (error: unknown) => answerWith(exchange, reply, failureReply(error)),
        );
      }
    });
    done();
  } as FastifyPlugin;
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = 'rampart';
  return plugin;
}

/**
 * `shield.fastify`: called, it returns the plugin (`await app.register(shield.fastify())`);
 * handed to `register` uncalled (`await app.register(shield.fastify)`), Fastify calls it as a
 * plugin and it installs the same hook, so the slip never leaves the app unprotected.
 */
export type FastifyPluginFactory = {
  (): FastifyPlugin;
  (instance: FastifyInstanceLike, options: unknown, done: (error?: Error) => void): void;
} & { [key: symbol]: unknown };

function isFastifyInstance(value: unknown): value is FastifyInstanceLike {
  return typeof value === 'object' && value !== null && typeof (value as { addHook?: unknown }).addHook === 'function';
}

/**
 * The `fastify` method of a shield (see {@link FastifyPluginFactory}). `core` is read when the
 * method runs, so a shield object may define the method before it exists.
 */
export function fastifyPluginFactory(core: () => ShieldCore): FastifyPluginFactory {
  const factory = function rampartFastifyPlugin(instance?: unknown, options?: unknown, done?: unknown): FastifyPlugin | undefined {
    if (instance === undefined) return fastifyAdapter(core());
    if (!isFastifyInstance(instance) || typeof done !== 'function') {
      throw new RampartError(
        'ERR_RAMPART_CONFIG',
        'shield.fastify takes no options (configure the shield in rampart()/stack()); mount it with await app.register(shield.fastify()).',
      );
    }
    fastifyAdapter(core())(instance, options, done as (error?: Error) => void);
    return undefined;
  } as FastifyPluginFactory;
  // Registered uncalled, it must skip encapsulation too, or its hook would cover no route.
  factory[Symbol.for('skip-override')] = true;
  factory[Symbol.for('fastify.display-name')] = 'rampart';
  return factory;
}

/** `rampart/fastify`: the Fastify plugin of a shield (same as `shield.fastify()`). */
export function fastify(shield: ShieldCore): FastifyPlugin {
  // `app.register(fastify)` hands Fastify's instance in place of a shield: refuse it loudly.
  if (typeof shield !== 'object' || shield === null || typeof shield.run !== 'function' || shield.context === undefined) {
    const error = new RampartError(
      'ERR_RAMPART_CONFIG',
      "fastify() from 'rampart/fastify' takes a shield: await app.register(fastify(shield)), or await app.register(shield.fastify()).",
    );
    // Called by Fastify as a plugin: a rejected promise makes register()/ready() reject (a throw would be uncaught).
    if (isFastifyInstance(shield)) return Promise.reject(error) as never;
    throw error;
  }
  return fastifyAdapter(shield);
}
