/**
 * Rules of a request and how they combine (LANGUAGE.md §5 "Combining", "Errors while
 * evaluating"; §12 "Evaluation", "Agents").
 *
 * - The rules of an agent are the top-level rules, its own block and the blocks of every
 *   ancestor, each once, in source order; an agent without a block gets the top-level
 *   rules only.
 * - A rule applies when its selector covers the tool, `when` holds (absent = true) and
 *   `unless` does not hold (absent = false; evaluated only when `when` held).
 * - A condition that errs: the rule is listed in `errors`; an erroring `allow` does not
 *   apply, an erroring `deny` or `review` applies (fail closed).
 * - Combination: any deny → deny; else any review → review; else any allow → allow; else
 *   the default effect with rules `["default"]` and no reasons.
 * - `rules`: every applicable rule of the winning effect, source order (ids are unique, so
 *   already de-duplicated); `reasons`: their `because` texts in the same order, one per
 *   rule that has one; `annotations`: theirs merged in that order (a later rule's value
 *   for a key wins). Every rule of the agent that covers the tool is evaluated, so
 *   `errors` lists every erroring rule whatever the outcome.
 */
import type { RuleError, Verdict } from "@agentpolicy/runtime";
import { rulesForAgent, type PolicyModel, type RuleModel } from "../semantic/model.js";
import { evaluateCondition, type EvalEnv } from "./evaluate-expr.js";

/** Rules of one agent that cover one tool, source order; memoized per agent and tool. */
export class RuleIndex {
  /** Keyed by declared agent id, or null for every undeclared agent (top-level rules only). */
  private readonly byAgent = new Map<string | null, Map<string, RuleModel[]>>();

  constructor(private readonly model: PolicyModel) {}

  /** Every rule of the agent (top level, own block, ancestors), source order; top level only for an undeclared agent. */
  rulesOf(agent: string): RuleModel[] {
    return rulesForAgent(this.model, agent);
  }

  rulesFor(agent: string, tool: string): readonly RuleModel[] {
    const key = this.model.agents.has(agent) ? agent : null;
    let byTool = this.byAgent.get(key);
    if (byTool === undefined) {
      byTool = new Map();
      this.byAgent.set(key, byTool);
    }
    let rules = byTool.get(tool);
    if (rules === undefined) {
      rules = this.rulesOf(agent).filter((r) => r.tools.includes(tool));
      byTool.set(tool, rules);
    }
    return rules;
  }
}

type Applicability = { readonly applies: boolean; readonly error: string | null };

/** Whether one rule applies (and the error its conditions raised, if any). */
export function ruleApplies(rule: RuleModel, env: EvalEnv): Applicability {
  const failClosed = rule.effect !== "allow";
  if (rule.when !== null) {
    const w = evaluateCondition(rule.when, env);
    if (!w.ok) return { applies: failClosed, error: w.message };
    if (!w.value) return { applies: false, error: null };
  }
  if (rule.unless !== null) {
    const u = evaluateCondition(rule.unless, env);
    if (!u.ok) return { applies: failClosed, error: u.message };
    if (u.value) return { applies: false, error: null };
  }
  return { applies: true, error: null };
}

/** The verdict of the rules for an admitted request. */
export function decideRules(model: PolicyModel, rules: readonly RuleModel[], env: EvalEnv, tool: string): Verdict {
  const applicable: Record<"allow" | "deny" | "review", RuleModel[]> = { allow: [], deny: [], review: [] };
  const errors: RuleError[] = [];
  for (const rule of rules) {
    const a = ruleApplies(rule, env);
    if (a.error !== null) errors.push({ rule: rule.id, message: a.error });
    if (a.applies) applicable[rule.effect].push(rule);
  }
  const effect = applicable.deny.length > 0 ? "deny" : applicable.review.length > 0 ? "review" : applicable.allow.length > 0 ? "allow" : null;
  if (effect === null) {
    return { effect: model.defaultEffect, rules: ["default"], reasons: [], errors, tool, annotations: {} };
  }
  const winners: RuleModel[] = [];
  for (const r of applicable[effect]) if (!winners.some((w) => w.id === r.id)) winners.push(r);
  const ids = winners.map((r) => r.id);
  const reasons = winners.flatMap((r) => (r.because === null ? [] : [r.because]));
  const annotations = new Map<string, string>();
  for (const r of winners) for (const [k, v] of Object.entries(r.annotations)) annotations.set(k, v);
  return { effect, rules: ids, reasons, errors, tool, annotations: Object.fromEntries(annotations) };
}
