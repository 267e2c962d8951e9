import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch } from '../stack/run.ts';
import { startNodeRequest } from './node-run.ts';

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
  return function rampartExpress(req, res, next): void {
    const start = startNodeRequest(shield, req, res);
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
export function express(shield: ShieldCore): ExpressMiddleware {
  return expressAdapter(shield);
}
