import type { IncomingMessage, ServerResponse } from 'node:http';
import { RampartError } from '../errors.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch } from '../stack/run.ts';
import { startNodeRequest } from './node-run.ts';

/** A node:http request handler. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Wrap a node:http handler with a rampart stack.
 *
 * @example
 * http.createServer(shield.node((req, res) => res.end('ok'))).listen(3000);
 */
export function nodeAdapter(shield: ShieldCore, handler: NodeHandler): NodeHandler {
  if (typeof handler !== 'function') {
    throw new RampartError('ERR_RAMPART_ADAPTER', 'shield.node(handler) needs a (req, res) handler function.');
  }
  return function rampartNode(req: IncomingMessage, res: ServerResponse): unknown {
    const start = startNodeRequest(shield, req, res);
    if (start === undefined) return undefined;
    const { exchange, pending } = start;
    if (pending === undefined) {
      exchange.handOver();
      return handler(req, res);
    }
    return dispatch(
      () => pending,
      exchange,
      () => {
        exchange.handOver();
        return handler(req, res);
      },
      (reply) => exchange.answer(reply),
    );
  };
}

/** `rampart/node`: wrap a node:http handler with a shield (same as `shield.node(handler)`). */
export function node(shield: ShieldCore, handler: NodeHandler): NodeHandler {
  return nodeAdapter(shield, handler);
}
