import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindView } from '../core/registry.ts';
import { RampartError } from '../errors.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch, failureReply } from '../stack/run.ts';
import type { Reply } from '../core/types.ts';
import { NodeExchange } from './node-exchange.ts';

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
  const context = shield.context;
  const run = shield.run;
  return function rampartNode(req: IncomingMessage, res: ServerResponse): unknown {
    const exchange = new NodeExchange(context, req, res);
    bindView(exchange, req, res);
    // dispatch() inlined for the common synchronous case: no closures per request.
    let decision: Reply | undefined | Promise<Reply | undefined>;
    try {
      decision = run(exchange, exchange);
    } catch (error) {
      exchange.answer(failureReply(error));
      return undefined;
    }
    if (decision === undefined) {
      exchange.handOver();
      return handler(req, res);
    }
    if (typeof (decision as Promise<unknown>).then !== 'function') {
      exchange.answer(decision as Reply);
      return undefined;
    }
    return dispatch(
      () => decision,
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
