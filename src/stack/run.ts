import { RampartError } from '../errors.ts';
import { problem } from '../core/problem.ts';
import type { Decision, Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';

/**
 * Run middleware in order until one answers. Stays synchronous while every middleware
 * is; switches to a promise only at the first async decision.
 */
export function runChain(chain: readonly Middleware[], start: number, req: RequestView, res: ResponseControl): Reply | undefined | Promise<Reply | undefined> {
  for (let i = start; i < chain.length; i++) {
    const decision = chain[i]!.handle(req, res);
    if (decision === undefined) continue;
    if (typeof (decision as Promise<Decision>).then === 'function') {
      return (decision as Promise<Decision>).then((resolved) =>
        resolved === undefined || resolved === null ? runChain(chain, i + 1, req, res) : (resolved as Reply),
      );
    }
    return decision as Reply;
  }
  return undefined;
}

/**
 * The reply for a middleware that threw: fail closed. A RampartError with an HTTP
 * status keeps it (413 for an oversized body); anything else is a 500 whose body says
 * nothing about the cause.
 */
export function failureReply(error: unknown): Reply {
  if (error instanceof RampartError && error.status !== undefined && error.status >= 400 && error.status < 600) {
    return problem(error.status, error.message);
  }
  return problem(500, 'The request could not be checked.');
}

/**
 * Run the stack for one exchange and hand the outcome to the adapter: `proceed()` when
 * every middleware let the request through, `answer(reply)` when one answered (or threw:
 * fail closed). Synchronous until a middleware is async.
 */
export function dispatch<T>(
  run: (req: RequestView, res: ResponseControl) => Reply | undefined | Promise<Reply | undefined>,
  exchange: RequestView & ResponseControl,
  proceed: () => T,
  answer: (reply: Reply) => T,
): T | Promise<T> {
  let decision: Reply | undefined | Promise<Reply | undefined>;
  try {
    decision = run(exchange, exchange);
  } catch (error) {
    return answer(failureReply(error));
  }
  if (decision === undefined) return proceed();
  if (typeof (decision as Promise<unknown>).then === 'function') {
    return (decision as Promise<Reply | undefined>).then(
      (reply) => (reply === undefined ? proceed() : answer(reply)),
      (error: unknown) => answer(failureReply(error)),
    );
  }
  return answer(decision as Reply);
}
