/**
 * E_UNKNOWN_NAME for agents (LANGUAGE.md §12 "Agents"): an `extends`, `expect` or
 * `invariant` naming an agent that no `agent` block declares. Reported at the string,
 * with "did you mean"; a resolved string gets an agent resolution.
 */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import type { Binder } from "../binder.js";
import type { CheckContext } from "../check-context.js";
import { closest } from "../suggest.js";

/** Resolves one agent reference; false (after reporting) when no such agent is declared. */
export function resolveAgentReference(cx: CheckContext, binder: Binder, ref: ast.StringLiteral | null | undefined): boolean {
  if (!ref || typeof ref.value !== "string") return false;
  if (binder.agents.has(ref.value)) {
    binder.resolutions.set(ref, { kind: "agent", id: ref.value });
    return true;
  }
  const s = closest(ref.value, binder.agents.keys());
  const quoted = s === undefined ? undefined : JSON.stringify(s);
  cx.report(Messages.UnknownName, ref.span, ["agent", ref.value], cx.didYouMean(quoted, ref.span, quoted));
  return false;
}
