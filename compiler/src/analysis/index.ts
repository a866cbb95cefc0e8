/**
 * The analyses `check` runs on a model without errors (LANGUAGE.md §9, §12 "Analyses"):
 * W_SHADOWED (shadowing.ts), W_UNREACHABLE (reachability.ts), I_UNCOVERED (coverage.ts).
 *
 * Contract: never throws; diagnostics in source order. An analysis that fails unexpectedly
 * contributes nothing (they are warnings and information, never errors).
 */
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { createFolder } from "../semantic/fold.js";
import type { PolicyModel } from "../semantic/model.js";
import { findUncoveredTools } from "./coverage.js";
import { findUnreachableConditions } from "./reachability.js";
import { findShadowedRules } from "./shadowing.js";

export function analyze(model: PolicyModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  // One folder for both analyses that fold: each condition is folded once.
  const fold = createFolder((name) => model.consts.get(name)?.value);
  const runs: ((model: PolicyModel) => Diagnostic[])[] = [(m) => findShadowedRules(m, fold), (m) => findUnreachableConditions(m, fold), findUncoveredTools];
  for (const run of runs) {
    try {
      out.push(...run(model));
    } catch {
      // INVARIANT: analyses only warn; a failure here must not break `check`
    }
  }
  return sortDiagnostics(out);
}

export { findShadowedRules, findUnreachableConditions, findUncoveredTools };
