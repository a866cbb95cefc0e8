/**
 * Limits (LANGUAGE.md §7, §12 "Limits"): `calls`, `tokens` and `repeats` take a positive
 * integer, `cost` a positive amount of money; every kind but `repeats` has a window;
 * `tokens` and `cost` may be keyed only by the agent (default) or `session.id`; a `by`
 * key is a scalar. Violations are E_TYPE at the offending part.
 */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import type { CheckContext } from "../check-context.js";

/** The limit's maximum in its unit (micro-dollars for cost), or null when invalid (reported). */
export function checkLimitAmount(cx: CheckContext, limit: ast.Limit): number | null {
  const a = limit.amount;
  if (!a) return null;
  if (limit.limitKind === "cost") {
    if (a.kind !== "MoneyLiteral") {
      cx.report(Messages.Type, a.span, ["a `cost` limit takes an amount of money such as `$25`"]);
      return null;
    }
    if (!Number.isSafeInteger(a.micros) || a.micros <= 0) {
      cx.report(Messages.Type, a.span, ["a `cost` limit must be a positive amount of money"]);
      return null;
    }
    return a.micros;
  }
  if (a.kind !== "NumberLiteral") {
    cx.report(Messages.Type, a.span, [`a \`${limit.limitKind}\` limit takes a whole number, not money`]);
    return null;
  }
  if (!Number.isSafeInteger(a.value) || a.value <= 0) {
    cx.report(Messages.Type, a.span, [`a \`${limit.limitKind}\` limit must be a positive whole number`]);
    return null;
  }
  return a.value;
}

/** The window in ms or "session"; null for `repeats`. Reports a missing or misplaced window. */
export function checkLimitWindow(cx: CheckContext, limit: ast.Limit): number | "session" | null {
  const w = limit.window;
  if (limit.limitKind === "repeats") {
    if (w) cx.report(Messages.Type, w.span, ["a `repeats` limit has no window"]);
    return null;
  }
  if (!w) return null;
  if (w.ms === "session") return "session";
  if (typeof w.ms !== "number" || !Number.isSafeInteger(w.ms) || w.ms <= 0) {
    cx.report(Messages.Type, w.span, ["a window must be a positive whole number of seconds, minutes, hours or days"]);
    return null;
  }
  return w.ms;
}

/**
 * Whether the limit's `by` must be checked as an expression: false (after reporting when
 * it is not `session.id`) for `tokens` and `cost`, and for `repeats`.
 */
export function checkLimitKeyForm(cx: CheckContext, limit: ast.Limit): boolean {
  const by = limit.by;
  if (!by) return false;
  if (limit.limitKind === "repeats") {
    cx.report(Messages.Type, by.span, ["a `repeats` limit counts per agent and session; it takes no `by`"]);
    return false;
  }
  if (limit.limitKind === "tokens" || limit.limitKind === "cost") {
    if (isSessionId(by)) return false;
    cx.report(Messages.Type, by.span, [`a \`${limit.limitKind}\` limit can be keyed only by the agent (the default) or \`session.id\``]);
    return false;
  }
  return true;
}

export function isSessionId(e: ast.Expr): boolean {
  return e.kind === "MemberExpr" && e.object.kind === "NameRef" && e.object.name === "session" && e.property.name === "id";
}
