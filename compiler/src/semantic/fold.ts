/**
 * Compile-time evaluation of expressions that read no request: const values, the records of
 * `test` blocks, and what the analyses fold. The evaluation is the reference interpreter's
 * (`interpret/evaluate-expr.ts`, `ConstantEvaluator`): names are consts or lambda parameters,
 * nothing else has a value, so a constant means at compile time exactly what it means when a
 * guard decides.
 *
 * Contract: never throws; an expression that reads a root, an unknown name, or fails (an
 * unparsable url, a type mismatch) yields `{ ok: false }` with the failing node's span and the
 * interpreter's message (without the expression quoted). A missing value (a field the record
 * lacks) and a `url(...)` or `path(...)` value are not constant values. Depth needs no bound here: the parser nests expressions at most 512
 * levels deep.
 *
 * Folding every subexpression of a tree (what the analyses do) stays linear: the common
 * failure — the evaluation starts at a name without a value (`args.x ...`) — is found by
 * walking down the first-evaluated chain, without evaluating or throwing; and `createFolder`
 * remembers each expression's answer and the value of every subexpression evaluated outside a
 * lambda, so nothing is folded twice. The values `createFolder` returns are shared between
 * calls and must not be mutated.
 */
import { ConstantEvaluator, noCompileTimeValue } from "../interpret/evaluate-expr.js";
import { isOpaque } from "../interpret/values.js";
import type * as ast from "../syntax/ast.js";
import type { Value } from "./model.js";

export type FoldResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly message: string; readonly span: ast.Span };

/** The value of a const by name; undefined when it has none (unknown, cyclic or failed). */
export type ConstLookup = (name: string) => Value | undefined;

/** Evaluates `expr` at compile time. */
export function foldExpr(expr: ast.Expr, consts: ConstLookup): FoldResult {
  return foldWith(new ConstantEvaluator(consts, false), consts, expr);
}

/**
 * A memoizing `foldExpr` for expressions of one document under one `consts` (which must
 * answer the same for a name on every call): the same results, each expression's answer
 * computed once and the values of subexpressions reused.
 */
export function createFolder(consts: ConstLookup): (expr: ast.Expr) => FoldResult {
  const evaluator = new ConstantEvaluator(consts, true);
  const results = new Map<ast.Expr, FoldResult>();
  return (expr) => {
    let r = results.get(expr);
    if (r === undefined) {
      r = foldWith(evaluator, consts, expr);
      results.set(expr, r);
    }
    return r;
  };
}

function foldWith(evaluator: ConstantEvaluator, consts: ConstLookup, expr: ast.Expr): FoldResult {
  const early = firstFailure(expr, consts);
  if (early !== null) return early;
  const r = evaluator.evaluate(expr);
  if (!r.ok) return { ok: false, message: r.message, span: (r.node ?? expr).span };
  // a missing value (a field a record does not have) is no value
  if (r.value === undefined) return { ok: false, message: "the value is missing", span: expr.span };
  if (isOpaque(r.value)) return { ok: false, message: "a `url(...)` or `path(...)` value is not a constant value", span: expr.span };
  return { ok: true, value: r.value as Value };
}

/**
 * The failure an evaluation of `expr` (from the top, no lambda parameters in scope) starts with
 * when the first leaf it evaluates is a name without a compile-time value — by far the most
 * common failure (`args.x ...`) — found without evaluating anything; null when the evaluation
 * may go otherwise (then the evaluator decides). Every step down follows what the interpreter
 * evaluates first, so the answer is exactly its failure.
 */
function firstFailure(expr: ast.Expr, consts: ConstLookup): FoldResult | null {
  let e = expr;
  for (;;) {
    switch (e.kind) {
      case "NameRef":
        return consts(e.name) === undefined ? { ok: false, message: noCompileTimeValue(e.name), span: e.span } : null;
      case "MemberExpr":
      case "HasExpr":
        e = e.object;
        break;
      case "UnaryExpr":
        e = e.operand;
        break;
      case "BinaryExpr":
        // `x == null` and `null == x` evaluate only the side that is not the literal
        if ((e.op === "==" || e.op === "!=") && (e.left.kind === "NullLiteral" || e.right.kind === "NullLiteral")) return null;
        e = e.left;
        break;
      case "CallExpr": {
        const callee = e.callee;
        if (callee.kind === "MemberExpr") e = callee.object;
        else if (callee.kind === "NameRef" && (callee.name === "url" || callee.name === "path") && e.args.length === 1) e = e.args[0];
        else return null;
        break;
      }
      case "ListLiteral":
        if (e.elements.length === 0) return null;
        e = e.elements[0];
        break;
      case "RecordLiteral":
        if (e.entries.length === 0) return null;
        e = e.entries[0].value;
        break;
      default:
        return null;
    }
  }
}
