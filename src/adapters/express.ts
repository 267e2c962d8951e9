import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkKeys, optionsObject } from '../core/options.ts';
import { bindView } from '../core/registry.ts';
import { isRejection, readRejection, RejectionError } from '../core/rejection.ts';
import { prefersHtml } from '../core/accept.ts';
import type { Reply } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch } from '../stack/run.ts';
import { NodeExchange } from './node-exchange.ts';
import { startNodeRequest } from './node-run.ts';

/** A Connect/Express middleware function. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Options of the Express adapter. */
export interface ExpressAdapterOptions {
  /**
   * Who answers a rejection (403 CSRF, 429, 400 host, 413, …): `'respond'` (default) —
   * rampart (HTML page, problem+json or the stack's onReject); `'next'` — the app's error
   * handler, through `next(err)` with a {@link RejectionError} (`status`, `code`, `headers`).
   * rampart's security headers are on the response either way.
   */
  rejections?: 'respond' | 'next';
}

/** Hand a rejection to Express's error handling; other replies (redirects, preflights) are sent. */
function handOn(exchange: NodeExchange, reply: Reply, next: (error?: unknown) => void): void {
  if (!isRejection(reply)) {
    exchange.answer(reply);
    return;
  }
  const error = new RejectionError(readRejection(reply, prefersHtml(exchange.header('accept'))));
  exchange.commit();
  for (const name in error.headers) exchange.res.setHeader(name, error.headers[name]!);
  next(error);
}

/**
 * A Connect/Express middleware running the stack. Mount it first so its headers cover
 * every response and CSRF/body checks run before body parsers.
 *
 * @example
 * app.use(shield.express());
 * app.use(shield.express({ rejections: 'next' })); // the app's error handler renders rejections
 */
export function expressAdapter(shield: ShieldCore, options: ExpressAdapterOptions = {}): ExpressMiddleware {
  checkKeys(optionsObject(options, 'shield.express()'), ['rejections'], 'shield.express()');
  const rejections = options.rejections ?? 'respond';
  if (rejections !== 'respond' && rejections !== 'next') {
    throw new RampartError('ERR_RAMPART_CONFIG', `shield.express(): rejections must be 'respond' or 'next' (got ${JSON.stringify(rejections)}).`);
  }
  if (rejections === 'next') {
    const context = shield.context;
    const decide = shield.decide;
    return function rampartExpressNext(req, res, next): void {
      const exchange = new NodeExchange(context, req, res);
      bindView(exchange, req, res);
      void dispatch(
        decide,
        exchange,
        () => exchange.commitThen(next),
        (reply) => handOn(exchange, reply, next),
      );
    };
  }
  return function rampartExpress(req, res, next): void {
    const start = startNodeRequest(shield, req, res, 'express');
    if (start === undefined) return;
    const { exchange, pending } = start;
    if (pending === undefined) {
      exchange.commit();
      next();
      return;
    }
    void dispatch(
      () => pending,
      exchange,
      () => exchange.commitThen(next),
      (reply) => exchange.answer(reply),
    );
  };
}

/** `rampart/express`: the Express middleware of a shield (same as `shield.express()`). */
export function express(shield: ShieldCore, options?: ExpressAdapterOptions): ExpressMiddleware {
  return expressAdapter(shield, options);
}
