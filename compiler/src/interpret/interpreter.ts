/**
 * The reference interpreter: the executable meaning of a checked policy
 * (`agentpolicy eval --engine interpreter`) and the oracle of every differential test of
 * the compiled guards, which must agree with it decision for decision.
 *
 * `evaluate` follows LANGUAGE.md §12 "Request order": invalid_request → unknown_tool →
 * invalid_arguments → invalid_context (request.ts) → rules (rules.ts) → default; limits
 * are the runtime's, from `limitsFor` / `chargesFor` (limits.ts).
 *
 * INVARIANT: `evaluate`, `chargesFor`, `labelsFor`, `redact` and `toolsFor` never throw,
 * whatever value they are given; `limitsFor` throws only `LimitKeyError` (or an Error on a
 * verdict that cannot come from `evaluate`). An unexpected exception inside `evaluate` is
 * a deny with rules `["internal_error"]`, reason `INTERNAL_ERROR_REASON` and the error
 * listed under the rule id `internal_error`.
 */
import {
  INTERNAL_ERROR_RULE,
  type LimitCheck,
  type PolicyProgram,
  type SessionView,
  type ToolRequest,
  type Usage,
  type UsageCharge,
  type Verdict,
} from "@agentpolicy/runtime";
import type { PolicyModel } from "../semantic/model.js";
import { EvalMemo, type EvalEnv } from "./evaluate-expr.js";
import { limitChecks, usageCharges } from "./limits.js";
import { redactArgs } from "./redact.js";
import { admitRequest, resolveTool } from "./request.js";
import { RuleIndex, decideRules } from "./rules.js";

export const INTERNAL_ERROR_REASON = "the policy could not be evaluated";

export function createInterpreter(model: PolicyModel): PolicyProgram {
  const memo = new EvalMemo();
  const index = new RuleIndex(model);
  const toolsForCache = new Map<string | null, readonly string[]>();

  function evaluate(request: ToolRequest, session?: SessionView): Verdict {
    try {
      const admission = admitRequest(model, request, session);
      if (!admission.ok) return admission.verdict;
      const r = admission.request;
      const env: EvalEnv = {
        model,
        request: { args: r.args, ctx: r.ctx, tool: r.tool },
        agent: r.agent,
        sessionId: r.sessionId,
        session: r.session,
        memo,
      };
      return decideRules(model, index.rulesFor(r.agent, r.tool.qualified), env, r.tool.qualified);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return {
        effect: "deny",
        rules: [INTERNAL_ERROR_RULE],
        reasons: [INTERNAL_ERROR_REASON],
        errors: [{ rule: INTERNAL_ERROR_RULE, message }],
        tool: null,
        annotations: {},
      };
    }
  }

  function limitsFor(request: ToolRequest, verdict: Verdict): readonly LimitCheck[] {
    return limitChecks(model, memo, request, verdict);
  }

  function chargesFor(usage: Usage): readonly UsageCharge[] {
    try {
      return usageCharges(model, memo, usage);
    } catch {
      return [];
    }
  }

  /** Labels declared on the tool (a qualified name, or a bare name unique across manifests), declaration order. */
  function labelsFor(tool: string): readonly string[] {
    if (typeof tool !== "string") return [];
    const info = resolveTool(model, tool);
    if (info === null) return [];
    return [...model.labels.values()].filter((l) => l.tools.includes(info.qualified)).map((l) => l.name);
  }

  function redact(tool: string, args: unknown): unknown {
    try {
      return redactArgs(typeof tool === "string" ? resolveTool(model, tool) : null, args);
    } catch {
      return "[redacted]";
    }
  }

  /**
   * The tools an agent could ever be allowed to call (MCP `tools/list`), in declaration
   * order: the tools covered by some `allow` or `review` rule of the agent (every tool when
   * the default is allow), minus the tools covered by an unconditional `deny` (one with
   * neither `when` nor `unless`). Limits are not considered.
   */
  function toolsFor(agent: string): readonly string[] {
    if (typeof agent !== "string") return [];
    const key = model.agents.has(agent) ? agent : null;
    const cached = toolsForCache.get(key);
    if (cached !== undefined) return cached;
    const rules = index.rulesOf(agent);
    const denied = new Set(rules.filter((r) => r.effect === "deny" && r.when === null && r.unless === null).flatMap((r) => r.tools));
    const reachable = new Set(model.defaultEffect === "allow" ? [...model.tools.keys()] : rules.filter((r) => r.effect !== "deny").flatMap((r) => r.tools));
    const tools = [...model.tools.keys()].filter((t) => reachable.has(t) && !denied.has(t));
    toolsForCache.set(key, tools);
    return tools;
  }

  return {
    policy: { name: model.name, version: model.version, hash: model.hash, source: model.file },
    evaluate,
    limitsFor,
    chargesFor,
    labelsFor,
    redact,
    toolsFor,
  };
}
