import type { Plan } from './options.ts';

/** What an earlier pass of the same client request was counted against: its plan and key. */
export interface CountedPass {
  readonly plan: Plan;
  readonly key: string;
}

/**
 * The part of `plan` that earlier passes of this client request did not count yet (a
 * policy counts a request once per key), or undefined when they counted all of it.
 * A re-dispatch to a path with a rule of its own (or a method turned into DELETE) is
 * counted by that rule; the global policy, counted on the first pass, is not charged again.
 * The plan's `RateLimit-Policy` text stays whole: the client is under every policy of it.
 */
export function uncountedPlan(plan: Plan, key: string, passes: readonly (CountedPass | undefined)[]): Plan | undefined {
  const left = plan.policies.filter((p) => !passes.some((pass) => pass !== undefined && pass.key === key && pass.plan.policies.includes(p)));
  if (left.length === plan.policies.length) return plan;
  if (left.length === 0) return undefined;
  return { policies: left, policyHeader: plan.policyHeader, onStoreError: plan.onStoreError };
}
