/**
 * W_SHADOWED (LANGUAGE.md §9, §12 "Analyses"): an `allow` whose every selected tool is
 * covered by an unconditional `deny` or `review` that applies to the same agent (its own
 * block, an ancestor's, or top level), or a `review` whose every tool is covered by an
 * unconditional `deny`. Such a rule can never win, since deny beats review beats allow.
 *
 * - A rule is unconditional when it has no `when` (or one that folds to `true`) and no
 *   `unless` (or one that folds to `false`).
 * - A top-level rule applies to every agent, undeclared ones included, so only top-level
 *   rules can cover it; a rule in agent A is covered by top-level rules and the rules of A
 *   and of A's ancestors (they apply to A and to everything that extends A).
 * - Reported at the shadowed rule (from its effect to its last selector), with one related
 *   span per covering rule, at the same part of that rule.
 */
import { createDiagnostic, type Diagnostic, type RelatedInformation } from "../diagnostics/diagnostic.js";
import { Messages } from "../diagnostics/messages.js";
import { createFolder, type FoldResult } from "../semantic/fold.js";
import type { PolicyModel, RuleModel, Value } from "../semantic/model.js";
import type * as ast from "../syntax/ast.js";

/** `fold` folds expressions of this model (see reachability.ts). */
export function findShadowedRules(
  model: PolicyModel,
  fold: (expr: ast.Expr) => FoldResult = createFolder((name: string): Value | undefined => model.consts.get(name)?.value),
): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Only unconditional denies and reviews can cover anything: usually a handful.
  const covering = model.rules.filter((r) => r.effect !== "allow" && r.tools.length > 0 && isUnconditional(r, fold));
  if (covering.length === 0) return out;
  for (const rule of model.rules) {
    if (rule.effect === "deny" || rule.tools.length === 0) continue;
    const scope = coveringScope(model, rule);
    const candidates = covering.filter((c) => c !== rule && beats(c.effect, rule.effect) && scope(c.agent));
    if (candidates.length === 0) continue;
    const used: RuleModel[] = [];
    let covered = true;
    for (const tool of rule.tools) {
      // prefer a deny (it is the stronger reason), then source order
      const c = candidates.find((x) => x.effect === "deny" && x.tools.includes(tool)) ?? candidates.find((x) => x.tools.includes(tool));
      if (!c) {
        covered = false;
        break;
      }
      if (!used.includes(c)) used.push(c);
    }
    if (!covered) continue;
    used.sort((a, b) => a.order - b.order);
    const related: RelatedInformation[] = used.map((c) => ({
      file: model.file,
      span: headSpan(c.decl),
      message: `\`${c.id}\` (${c.effect}${c.agent === null ? ", top level" : c.agent === rule.agent ? "" : `, from agent \`${c.agent}\``}) covers ${coverage(c, rule)} without a condition`,
    }));
    const why =
      used.length === 1
        ? `the unconditional ${used[0].effect} \`${used[0].id}\` covers every tool it selects`
        : `unconditional rules (${used.map((c) => `\`${c.id}\``).join(", ")}) cover every tool it selects`;
    out.push(createDiagnostic(Messages.Shadowed, model.file, headSpan(rule.decl), [rule.effect, why], { related }));
  }
  return out;
}

/** Whether a rule of effect `a` wins over one of effect `b`. */
function beats(a: ast.Effect, b: ast.Effect): boolean {
  const rank = { allow: 0, review: 1, deny: 2 } as const;
  return rank[a] > rank[b];
}

/** Which declaring agents (null = top level) a covering rule may come from. */
function coveringScope(model: PolicyModel, rule: RuleModel): (agent: string | null) => boolean {
  if (rule.agent === null) return (a) => a === null;
  const chain = new Set([rule.agent, ...(model.agents.get(rule.agent)?.ancestors ?? [])]);
  return (a) => a === null || chain.has(a);
}

function isUnconditional(rule: RuleModel, fold: (expr: ast.Expr) => FoldResult): boolean {
  const folds = (e: ast.Expr, want: boolean) => {
    const r = fold(e);
    return r.ok && r.value === want;
  };
  return (rule.when === null || folds(rule.when, true)) && (rule.unless === null || folds(rule.unless, false));
}

function coverage(c: RuleModel, rule: RuleModel): string {
  const shared = rule.tools.filter((t) => c.tools.includes(t));
  if (shared.length === rule.tools.length && shared.length > 3) return "every tool of this rule";
  return shared.map((t) => `\`${t}\``).join(", ");
}

/** From the effect keyword to the end of the last selector (the rule's head, one line). */
export function headSpan(decl: ast.Rule): ast.Span {
  const start = decl.effectSpan?.start ?? decl.span.start;
  const last = decl.selectors?.[decl.selectors.length - 1];
  const end = last ? last.span.end : (decl.effectSpan?.end ?? decl.span.end);
  return { start, end: Math.max(start, end) };
}
