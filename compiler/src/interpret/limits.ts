/**
 * Which limit counters a call or a usage report touches (LANGUAGE.md §7, §12 "Limits").
 * Counting itself is the store's job; this file only names the counters, their keys and
 * what this call or report adds.
 *
 * - The limits of an agent: top-level limits, its own block and its ancestors', source order
 *   (an undeclared agent gets the top-level limits only).
 * - `calls` limits apply when their selectors cover the tool; `tokens`, `cost` and `repeats`
 *   limits apply to every call of the agent.
 * - Key: `limitKey({agent}, window, session)` by default, `limitKey({by: value}, ...)` with
 *   `by EXPR`; an erroring `by` (a missing value included) throws `LimitKeyError`.
 * - Amount: `calls` 1; `cost` the tool's declared cost in micro-dollars (0 without one);
 *   `tokens` 0; `repeats` 1 with `fingerprint = repeatFingerprint(tool, args)`, where `tool`
 *   is the qualified name and `args` is `{}` when the request has none.
 * - Usage: `tokens` and `cost` limits of `usage.agent`; tokens = inputTokens + outputTokens;
 *   cost = `usageCostMicros` below. A token count that is not a finite non-negative number
 *   counts as 0; charges of 0 are left out; a `by` key that errs leaves that charge out.
 */
import { LimitKeyError, limitKey, repeatFingerprint, type LimitCheck, type ToolRequest, type Usage, type UsageCharge, type Verdict } from "@agentpolicy/runtime";
import { limitsForAgent, type LimitModel, type PolicyModel } from "../semantic/model.js";
import { evaluateExpr, type EvalEnv, type EvalMemo } from "./evaluate-expr.js";
import { argsOf, contextOf, sessionIdOf } from "./request.js";
import { describe, isOpaque } from "./values.js";

/** The limit checks of a request whose verdict is allow or review (none for a deny). */
export function limitChecks(model: PolicyModel, memo: EvalMemo, request: ToolRequest, verdict: Verdict): LimitCheck[] {
  if (verdict.effect === "deny") return [];
  const tool = verdict.tool === null ? undefined : model.tools.get(verdict.tool);
  if (tool === undefined || typeof request.agent !== "string") {
    // INVARIANT: an allow or review verdict names a known tool of a well-formed request;
    // anything else is a caller bug, and throwing makes the guard deny.
    throw new Error("limits asked for a verdict without a known tool or a request without an agent");
  }
  const sessionId = sessionIdOf(request);
  const args = argsOf(request);
  const env: EvalEnv = {
    model,
    request: { args, ctx: contextOf(model, request), tool },
    agent: request.agent,
    sessionId,
    session: undefined,
    memo,
  };
  const checks: LimitCheck[] = [];
  for (const limit of limitsForAgent(model, request.agent)) {
    if (limit.kind === "calls" && !limit.tools.includes(tool.qualified)) continue;
    try {
      const key = keyOf(limit, env, sessionId);
      const base = { id: limit.id, kind: limit.kind, window: limit.window, max: limit.max, key };
      switch (limit.kind) {
        case "calls":
          checks.push({ ...base, amount: 1 });
          break;
        case "cost":
          checks.push({ ...base, amount: model.costs.get(tool.qualified) ?? 0 });
          break;
        case "tokens":
          checks.push({ ...base, amount: 0 });
          break;
        case "repeats":
          checks.push({ ...base, amount: 1, fingerprint: repeatFingerprint(tool.qualified, args) });
          break;
      }
    } catch (e) {
      if (e instanceof LimitKeyError) throw e;
      throw new LimitKeyError(limit.id, e instanceof Error ? e.message : String(e));
    }
  }
  return checks;
}

/** The counters a usage report charges. Never throws. */
export function usageCharges(model: PolicyModel, memo: EvalMemo, usage: Usage): UsageCharge[] {
  if (usage === null || typeof usage !== "object" || typeof usage.agent !== "string") return [];
  const sessionId = typeof usage.session === "string" ? usage.session : "";
  const env: EvalEnv = { model, request: null, agent: usage.agent, sessionId, session: undefined, memo };
  const charges: UsageCharge[] = [];
  for (const limit of limitsForAgent(model, usage.agent)) {
    if (limit.kind !== "tokens" && limit.kind !== "cost") continue;
    if (limit.window === null) continue;
    const amount = limit.kind === "tokens" ? tokenCount(usage.inputTokens) + tokenCount(usage.outputTokens) : usageCostMicros(model, usage);
    if (!(amount > 0) || !Number.isFinite(amount)) continue;
    let key: string;
    try {
      key = keyOf(limit, env, sessionId);
    } catch {
      continue;
    }
    charges.push({ id: limit.id, kind: limit.kind, key, window: limit.window, amount });
  }
  return charges;
}

/**
 * What a usage report costs, in integer micro-dollars: with a `price` for its model,
 * `ceil((inputTokens × input + outputTokens × output) / 1e6)` (prices are micro-dollars per
 * 1M tokens); else, with `costUsd`, `ceil(costUsd × 1e6)` computed on the product rounded to
 * 15 significant digits first (so `0.07` is 70000, not 70001 from binary noise); else 0.
 */
export function usageCostMicros(model: PolicyModel, usage: Usage): number {
  const price = typeof usage.model === "string" ? model.prices.get(usage.model) : undefined;
  if (price !== undefined) {
    return Math.ceil((tokenCount(usage.inputTokens) * price.input + tokenCount(usage.outputTokens) * price.output) / 1_000_000);
  }
  const usd = usage.costUsd;
  if (typeof usd === "number" && Number.isFinite(usd) && usd > 0) return Math.ceil(Number((usd * 1_000_000).toPrecision(15)));
  return 0;
}

function tokenCount(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}

/** The counter key of a limit; throws `LimitKeyError` when its `by` expression errs. */
function keyOf(limit: LimitModel, env: EvalEnv, sessionId: string): string {
  if (limit.by === null) return limitKey({ agent: env.agent }, limit.window, sessionId);
  const r = evaluateExpr(limit.by, env);
  if (!r.ok) throw new LimitKeyError(limit.id, r.message);
  if (r.value === undefined || isOpaque(r.value)) {
    throw new LimitKeyError(limit.id, `the \`by\` key of limit \`${limit.id}\` is ${describe(r.value)}`);
  }
  try {
    return limitKey({ by: r.value }, limit.window, sessionId);
  } catch (e) {
    throw new LimitKeyError(limit.id, e instanceof Error ? e.message : String(e));
  }
}
