import type { Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';
import type { ViewContext } from '../core/view.ts';

/**
 * What an adapter needs from a shield: the middleware chain, the per-stack view context
 * and the request phase. Every {@link Shield} (from `stack()` or `rampart()`) is one.
 *
 * It lives below both `src/stack/index.ts` (which composes a Shield with one method per
 * adapter) and `src/adapters/` (which run it), so neither imports the other's way back:
 * the stack imports the adapters, the adapters import only this contract.
 */
export interface ShieldCore {
  /** The middleware, outermost first. */
  readonly middleware: readonly Middleware[];
  /** Shared per-stack context (proxy policy, event sink) that adapters give each request view. */
  readonly context: ViewContext;
  /**
   * Run the request phase. Adapters call this; applications normally do not. It never
   * throws: a failing middleware becomes a 500 rejection, and rejections come back as the
   * client prefers them (HTML page, problem+json, or the stack's onReject answer).
   */
  run(req: RequestView, res: ResponseControl): Reply | undefined | Promise<Reply | undefined>;
  /**
   * Run the request phase with rejections left as rampart's problem+json replies (no page,
   * no onReject) and errors thrown: for adapters that hand rejections to the app
   * (Express `rejections: 'next'`).
   */
  decide(req: RequestView, res: ResponseControl): Reply | undefined | Promise<Reply | undefined>;
}
