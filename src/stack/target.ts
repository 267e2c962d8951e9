import { problem } from '../core/problem.ts';
import type { Middleware, RequestView } from '../core/types.ts';

/**
 * The stack's first check after the security headers: a target that routers can read in
 * more than one way (an encoded `/` or `\` inside a segment, NUL, `..`, invalid UTF-8, an
 * absolute-form or HTTP/2 authority that disagrees with Host) is answered 400
 * problem+json with an INVALID_REQUEST_TARGET event, so no path-scoped decision (and no
 * application) ever acts on an ambiguous request. The raw path stays in the event.
 */
export const canonicalTarget: Middleware = Object.freeze({
  name: 'canonicalTarget',
  handle(req: RequestView) {
    const error = req.targetError;
    if (error === undefined) return undefined;
    req.emit('INVALID_REQUEST_TARGET', error);
    return problem(400, `The request target is ambiguous: ${error}.`);
  },
});

/**
 * The chain the stack runs: `chain` with {@link canonicalTarget} after the leading
 * securityHeaders (so its 400 carries them) and monitor (so the monitor counts that 400).
 */
export function withTargetCheck(chain: readonly Middleware[]): readonly Middleware[] {
  let at = 0;
  while (at < chain.length && (chain[at]!.name === 'securityHeaders' || chain[at]!.name === 'monitor')) at++;
  return Object.freeze([...chain.slice(0, at), canonicalTarget, ...chain.slice(at)]);
}
