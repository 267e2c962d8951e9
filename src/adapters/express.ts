import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindView } from '../core/registry.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch } from '../stack/run.ts';
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
    void dispatch(
      run,
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
