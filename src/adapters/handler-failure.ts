import { RampartError } from '../errors.ts';
import { problem } from '../core/problem.ts';
import type { Reply } from '../core/types.ts';

const HIDDEN_CAUSE = 'The server could not complete the request.';

/**
 * What rampart answers for an application handler that threw (node, fetch and Hono adapters,
 * where no framework answers it): a RampartError that carries an HTTP status gets that status
 * and its headers (409 ERR_RAMPART_SESSION_ENDED, 503 + Retry-After for a session store
 * outage), as Express and Fastify answer it; anything else a 500. A 5xx says nothing about
 * its cause (a store's message may name hosts); a 4xx's message is written for the client.
 */
export function handlerFailureReply(error?: unknown): Reply {
  if (error instanceof RampartError && error.status !== undefined && error.status >= 400 && error.status < 600) {
    const headers = error.headers === undefined ? undefined : { ...error.headers };
    return problem(error.status, error.status >= 500 ? HIDDEN_CAUSE : error.message, { headers, code: error.code });
  }
  return problem(500, HIDDEN_CAUSE);
}
