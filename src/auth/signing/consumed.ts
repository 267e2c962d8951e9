import { isConsumedBody } from '../../core/consumed-body.ts';
import { warnConfig } from '../../core/events.ts';
import { problem } from '../../core/problem.ts';
import type { Reply } from '../../core/types.ts';

/**
 * A body parser ran first (express.json() mounted before rampart): the raw bytes a
 * signature covers are gone. That is a server misconfiguration, not a bad signature: say
 * how to fix it for this adapter (once, on the console and as CONFIG_WARNING) and answer
 * 500 so the sender retries once it is fixed. Undefined for any other error.
 */
export function consumedBodyReply(middleware: string, error: unknown): Reply | undefined {
  if (!isConsumedBody(error)) return undefined;
  warnConfig(`${middleware} cannot check the signature: ${(error as Error).message}`);
  return problem(500, 'The request body was consumed by a body parser before its signature could be checked (server misconfiguration).');
}
