import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindView } from '../core/registry.ts';
import type { Reply } from '../core/types.ts';
import type { ShieldCore } from '../stack/shield.ts';
import { failureReply } from '../stack/run.ts';
import { NodeExchange } from './node-exchange.ts';

/** A request the stack let through: at once (`pending` undefined), or after a middleware that went async. */
export interface NodeStart {
  readonly exchange: NodeExchange;
  readonly pending: Promise<Reply | undefined> | undefined;
}

/**
 * Run the stack for one node:http request (the node and Express adapters share this):
 * undefined when rampart answered it (a reply, or a 500 for a middleware that threw),
 * otherwise where the request stands. Synchronous stacks cost no closure and no promise.
 */
export function startNodeRequest(shield: ShieldCore, req: IncomingMessage, res: ServerResponse, adapter: 'node' | 'express' = 'node'): NodeStart | undefined {
  const exchange = new NodeExchange(shield.context, req, res);
  exchange.adapter = adapter;
  bindView(exchange, req, res);
  let decision: Reply | undefined | Promise<Reply | undefined>;
  try {
    decision = shield.run(exchange, exchange);
  } catch (error) {
    exchange.answer(failureReply(error));
    return undefined;
  }
  if (decision !== undefined && typeof (decision as Promise<unknown>).then !== 'function') {
    exchange.answer(decision as Reply);
    return undefined;
  }
  return { exchange, pending: decision as Promise<Reply | undefined> | undefined };
}
