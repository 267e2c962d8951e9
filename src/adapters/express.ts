import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindView } from '../core/registry.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch, failureReply } from '../stack/run.ts';
import type { Reply } from '../core/types.ts';
import { NodeExchange } from './node-exchange.ts';

/** A Connect/Express middleware function. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * A Connect/Express middleware running the stack. Mount it first so its headers cover
 * every response and CSRF/body checks run before body parsers.
 *
 * @example
 * app.use(shield.express());
 */
export function expressAdapter(shield: ShieldCore): ExpressMiddleware {
  const context = shield.context;
  const run = shield.run;
  return function rampartExpress(req, res, next): void {
    const exchange = new NodeExchange(context, req, res);
    bindView(exchange, req, res);
    // dispatch() inlined for the common synchronous case: no closures per request.
    let decision: Reply | undefined | Promise<Reply | undefined>;
    try {
      decision = run(exchange, exchange);
    } catch (error) {
      exchange.answer(failureReply(error));
      return;
    }
    if (decision === undefined) {
      exchange.commit();
      next();
      return;
    }
    if (typeof (decision as Promise<unknown>).then !== 'function') {
      exchange.answer(decision as Reply);
      return;
    }
    void dispatch(
      () => decision,
      exchange,
      () => exchange.commitThen(next),
      (reply) => exchange.answer(reply),
    );
  };
}

/** `rampart/express`: the Express middleware of a shield (same as `shield.express()`). */
export function express(shield: ShieldCore): ExpressMiddleware {
  return expressAdapter(shield);
}
