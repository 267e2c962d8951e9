import type { IncomingMessage, ServerResponse } from 'node:http';
import { RampartError } from '../errors.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { dispatch } from '../stack/run.ts';
import type { NodeExchange } from './node-exchange.ts';
import { startNodeRequest } from './node-run.ts';

/** A node:http request handler. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Call the handler. When it throws or rejects, rampart answers 500 (with its headers) unless
 * the response was already finished, then rethrows: node:http has no 500 of its own (the
 * request would hang) and the error still reaches node's own reporting
 * (uncaughtException / unhandledRejection), as without rampart.
 */
function callHandler(handler: NodeHandler, req: IncomingMessage, res: ServerResponse, exchange: NodeExchange): unknown {
  let result: unknown;
  try {
    result = handler(req, res);
  } catch (error) {
    exchange.answerHandlerFailure(error);
    throw error;
  }
  if (result !== undefined && result !== null && typeof (result as Promise<unknown>).then === 'function') {
    return (result as Promise<unknown>).then(undefined, (error: unknown) => {
      exchange.answerHandlerFailure(error);
      throw error;
    });
  }
  return result;
}

/**
 * Wrap a node:http handler with a rampart stack. A handler that throws gets rampart's 500
 * (security headers on it; a RampartError with an HTTP status gets that status and its
 * headers) and its error is rethrown to node.
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
      return callHandler(handler, req, res, exchange);
    }
    return dispatch(
      () => pending,
      exchange,
      () => {
        exchange.handOver();
        return callHandler(handler, req, res, exchange);
      },
      (reply) => exchange.answer(reply),
    );
  };
}

/** `rampart/node`: wrap a node:http handler with a shield (same as `shield.node(handler)`). */
export function node(shield: ShieldCore, handler: NodeHandler): NodeHandler {
  return nodeAdapter(shield, handler);
}

export { upgrade, type UpgradeListener, type UpgradeOptions } from './node-upgrade.ts';
