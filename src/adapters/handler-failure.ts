import { problem } from '../core/problem.ts';
import type { Reply } from '../core/types.ts';

/**
 * The 500 rampart answers for an application handler that threw (node and fetch adapters,
 * where no framework answers it): like a failed middleware's, it says nothing about the cause.
 */
export function handlerFailureReply(): Reply {
  return problem(500, 'The server could not complete the request.');
}
