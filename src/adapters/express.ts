import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindView } from '../core/registry.ts';
import type { Reply } from '../core/types.ts';
import type { Shield } from '../stack/index.ts';
import { failureReply } from '../stack/run.ts';
import { NodeExchange, sendNodeReply } from './node-exchange.ts';

/** A Connect/Express middleware function. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * A Connect/Express middleware running the stack. Mount it first so its headers cover
 * every response and CSRF/body checks run before body parsers.
 *
 * @example
 * app.use(shield.express());
 */
export function expressAdapter(shield: Shield): ExpressMiddleware {
  const context = shield.context;
  return function rampartExpress(req, res, next): void {
    const exchange = new NodeExchange(context, req, res);
    bindView(exchange, req, res);
    let decision;
    try {
      decision = shield.run(exchange, exchange);
    } catch (error) {
      sendNodeReply(res, failureReply(error));
      return;
    }
    if (decision === undefined) {
      next();
      return;
    }
    if (typeof (decision as Promise<unknown>).then === 'function') {
      (decision as Promise<Reply | undefined>).then(
        (reply) => (reply === undefined ? next() : sendNodeReply(res, reply)),
        (error: unknown) => sendNodeReply(res, failureReply(error)),
      );
      return;
    }
    sendNodeReply(res, decision as Reply);
  };
}

/** `rampart/express`: the Express middleware of a shield (same as `shield.express()`). */
export function express(shield: Shield): ExpressMiddleware {
  return expressAdapter(shield);
}
