/**
 * `cost` and `price` declarations (LANGUAGE.md §4, §12 "Limits"): what one call of each
 * tool costs, in micro-dollars — two `cost` declarations covering one tool are
 * E_DUPLICATE_ID at the later selector — and model prices per 1M tokens in micro-dollars
 * (duplicate models: duplicate-declarations.ts).
 */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import type { Binder } from "../binder.js";
import type { CheckContext } from "../check-context.js";

export function checkCosts(cx: CheckContext, binder: Binder, costs: readonly ast.CostDecl[]): Map<string, number> {
  const out = new Map<string, number>();
  const firstAt = new Map<string, ast.Span>();
  for (const c of costs) {
    const micros = moneyMicros(cx, c.amount, "a cost");
    for (const sel of c.selectors ?? []) {
      const r = binder.resolveSelector(sel);
      let reported = false;
      for (const t of r.tools) {
        const prior = firstAt.get(t.qualified);
        if (prior) {
          if (!reported)
            cx.report(Messages.DuplicateId, sel.span, ["cost for tool", t.qualified], { related: [cx.related(prior, "first declared here")] });
          reported = true;
          continue;
        }
        firstAt.set(t.qualified, sel.span);
        if (micros !== null) out.set(t.qualified, micros);
      }
    }
  }
  return out;
}

export function checkPrices(cx: CheckContext, prices: readonly ast.PriceDecl[]): Map<string, { input: number; output: number }> {
  const out = new Map<string, { input: number; output: number }>();
  for (const p of prices) {
    const name = p.model?.value;
    const input = moneyMicros(cx, p.input, "a price");
    const output = moneyMicros(cx, p.output, "a price");
    if (typeof name !== "string" || out.has(name) || input === null || output === null) continue;
    out.set(name, { input, output });
  }
  return out;
}

/** Integer micro-dollars of a money literal, or null (reported) when it is not one. */
export function moneyMicros(cx: CheckContext, m: ast.MoneyLiteral | ast.NumberLiteral | null | undefined, what: string): number | null {
  if (!m) return null;
  if (m.kind !== "MoneyLiteral") {
    cx.report(Messages.Type, m.span, [`${what} is an amount of money such as \`$0.05\``]);
    return null;
  }
  if (!Number.isSafeInteger(m.micros) || m.micros < 0) {
    cx.report(Messages.Type, m.span, [`${what} must be a non-negative amount with at most 6 decimals`]);
    return null;
  }
  return m.micros;
}
