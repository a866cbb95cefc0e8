/**
 * E_ENUM (LANGUAGE.md §6, §9): comparing a value whose type is an enum (a union of
 * literals, from a schema `enum`/`const` or a `context` literal union) with a literal it
 * can never take — through `==`, `!=`, `in` and `.contains`. Reported at the literal,
 * with the enum's values, the closest value as "did you mean", and where the enum is
 * declared.
 */
import { Messages } from "../../diagnostics/messages.js";
import type { LiteralValue, Type } from "../../manifest/types.js";
import type * as ast from "../../syntax/ast.js";
import type { CheckContext } from "../check-context.js";
import { closest } from "../suggest.js";
import { enumValues, removeNull } from "../type-ops.js";
import type { RelatedInformation } from "../../diagnostics/diagnostic.js";

/** Where an enum-typed operand comes from, for the message and the related location. */
export interface EnumSide {
  readonly expr: ast.Expr;
  readonly type: Type;
  readonly related: readonly RelatedInformation[];
  /** How the message names the value; the source text of `expr` when absent. */
  readonly name?: string;
}

const MAX_LISTED = 12;

/** The enum values of a type, or null when it is not an enum. */
export function enumOf(t: Type): LiteralValue[] | null {
  return enumValues(removeNull(t));
}

/**
 * Reports E_ENUM when `value` (the literal written at `at`) is not among the enum's
 * values. Values of another kind (a number against a string enum) are E_TYPE, reported
 * elsewhere: they are skipped here. Returns true when something was reported.
 */
export function checkEnumValue(cx: CheckContext, side: EnumSide, value: LiteralValue, at: ast.Span): boolean {
  const values = enumOf(side.type);
  if (!values || value === null) return false;
  if (values.some((v) => v === value)) return false;
  if (!values.some((v) => typeof v === typeof value)) return false;
  const listed = values.slice(0, MAX_LISTED).map((v) => JSON.stringify(v));
  if (values.length > MAX_LISTED) listed.push("...");
  let suggestion: string | undefined;
  if (typeof value === "string") {
    const s = closest(
      value,
      values.filter((v): v is string => typeof v === "string"),
    );
    if (s !== undefined) suggestion = JSON.stringify(s);
  }
  cx.report(Messages.Enum, at, [side.name ?? cx.source(side.expr.span), JSON.stringify(value), listed.join(", ")], cx.didYouMean(suggestion, at, suggestion, side.related));
  return true;
}
