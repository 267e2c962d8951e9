import type { RequestView } from './types.ts';

/**
 * One client request can go through a shield more than once: an app that sends a new
 * Request through itself (Hono's methodOverride, a handler re-dispatching `/legacy/x` to
 * `/x` with `app.fetch`). Every pass is judged in full, for the method and path that run;
 * what counts the client request (the rate limiter) reads here which earlier passes it has
 * counted already, so one request costs one token per policy.
 */
const earlier = new WeakMap<RequestView, RequestView>();
/** False until an adapter links a pass: the common case costs no WeakMap lookup. */
let anyLinked = false;

/** Record that `later` is a later pass of the client request `before` already went through. */
export function linkPass(later: RequestView, before: RequestView): void {
  if (later === before) return;
  anyLinked = true;
  earlier.set(later, before);
}

/** The earlier passes of the client request of `req`, the latest first; undefined when `req` is its first. */
export function earlierPasses(req: RequestView): RequestView[] | undefined {
  if (!anyLinked) return undefined;
  let view = earlier.get(req);
  if (view === undefined) return undefined;
  const passes: RequestView[] = [];
  // Bounded: a chain of passes is as long as the app's nesting of re-dispatches.
  while (view !== undefined && passes.length < 32) {
    passes.push(view);
    view = earlier.get(view);
  }
  return passes;
}
