/**
 * The runtime's error types. `EvaluationError` is a run-time error inside a condition
 * (LANGUAGE.md §5 "Errors while evaluating"); `PolicyDenied` is what a wrapped tool throws
 * when the guard did not let the call run.
 */

import type { Decision, ToolRequest } from "./types.js";

/** A run-time error inside a condition: the rule errs (an erring allow does not apply; deny/review do). */
export class EvaluationError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EvaluationError";
  }
}

/**
 * Thrown by a function wrapped with `Guard.wrap` / `Guard.wrapTools` when the decision does not
 * let the call run: a deny, or a review that no reviewer approved (`pending` is then true).
 */
export class PolicyDenied extends Error {
  /** The decision, exactly as audited. */
  readonly decision: Decision;
  /** The request that was decided. */
  readonly request: ToolRequest;
  /** True when the decision is `review` (no reviewer was configured): the call awaits a human. */
  readonly pending: boolean;

  constructor(decision: Decision, request: ToolRequest) {
    super(deniedMessage(decision, request));
    this.name = "PolicyDenied";
    this.decision = decision;
    this.request = request;
    this.pending = decision.effect === "review";
  }
}

function deniedMessage(decision: Decision, request: ToolRequest): string {
  const what = decision.effect === "review" ? "needs review for" : "denied";
  const why = decision.reasons.length > 0 ? decision.reasons.join("; ") : decision.rules.join(", ");
  const policy = decision.policy === "" ? "the policy" : `policy \`${decision.policy}\``;
  return `${policy} ${what} \`${String(request.tool)}\`${why === "" ? "" : `: ${why}`}`;
}
