/**
 * OpenAI Agents SDK (JS, `@openai/agents` 0.20) adapter.
 *
 * - `guardAgentTools(guard, tools)` — the full hook-up: gives every function tool a
 *   `needsApproval` that decides the call (a `review` becomes the SDK's human-approval
 *   interruption) and a tool input guardrail that enforces the decision (allow → `allow()`,
 *   deny → `rejectContent(reason)`: the model sees the reason, the tool never runs).
 * - `policyToolGuardrail(guard)` — the guardrail alone, for `tool({ inputGuardrails: [...] })`;
 *   without the approval hook a `review` is rejected unless the SDK shows the call approved.
 * - `recordRunUsage(guard, runContextOrResult, who)` — charges the tokens of `runContext.usage`
 *   not yet reported, for `tokens` and `cost` limits. With the `usage` option the tool hooks do it
 *   before every decision, so a run is stopped while it goes.
 *
 * One decision per tool call: `needsApproval` and the guardrail (which the SDK may run twice, before
 * and after a human approval) share it through a per-run cache keyed by call id. Do not enforce in
 * `agent_tool_start`: it fires for rejected calls too. When a human approves a `review` through the
 * SDK (`state.approve(...)`), the guardrail's run after the approval settles the review with it
 * (`DecideOptions.approval`): the limits are checked and consumed again, atomically (a rejection if
 * they ran out meanwhile), and the audit records the approval. Fail closed: any error while
 * deciding rejects the call.
 */

import { ToolGuardrailFunctionOutputFactory, defineToolInputGuardrail } from "@openai/agents";
import type { RunContext, Tool, ToolInputGuardrailData, ToolInputGuardrailDefinition } from "@openai/agents";
import type { CallIdentity, Guard, ReviewAnswer, UsageResult } from "../guard.js";
import { decideCall, messageOf, tokenCount } from "./common.js";
import type { CallVerdict, ToolNaming } from "./common.js";

/** One tool call as this adapter describes it to `identity`. */
export interface AgentsToolCall {
  /** The SDK's tool name (before `alias` / `toolName` mapping). */
  readonly toolName: string;
  readonly callId: string;
  readonly args: unknown;
}

/** Who a run's tokens are charged to. */
export interface UsageOwner {
  readonly agent: string;
  readonly session?: string;
}

export interface AgentsGuardOptions extends ToolNaming {
  /**
   * Agent, context and session of the calls: fixed, or per call from the run's context (the value
   * given to `run(agent, input, { context })`). Fields left undefined fall back to the guard's options.
   */
  readonly identity?: CallIdentity | ((call: AgentsToolCall, context: unknown) => CallIdentity | undefined);
  /**
   * Charge the run's token usage not yet reported to this agent (and session) before every decision,
   * so `tokens` and `cost` limits stop a run while it goes. Off when absent.
   */
  readonly usage?: UsageOwner | ((context: unknown) => UsageOwner | undefined);
  /** The guardrail's name in traces; default `"agentpolicy"`. */
  readonly name?: string;
}

interface CachedCall {
  readonly verdict: Promise<CallVerdict>;
  /** `needsApproval` answered true: the SDK holds the call until a human approves it. */
  approvalRequested: boolean;
  /** The review settled by the SDK's human approval, once the guardrail saw the approval. */
  settled?: Promise<CallVerdict>;
}

/** Who approved, as the audit records a review a human approved through the Agents SDK. */
export const AGENTS_SDK_APPROVER = "human (OpenAI Agents SDK approval)";

/** The decision state shared by one set of hooks. */
class AgentsPolicy {
  private readonly calls = new WeakMap<object, Map<string, CachedCall>>();

  constructor(
    private readonly guard: Guard,
    private readonly options: AgentsGuardOptions,
  ) {}

  /** The call's cached decision, or a new one (after charging unreported usage). */
  decision(runContext: unknown, call: AgentsToolCall): CachedCall {
    const scope = (runContext !== null && typeof runContext === "object" ? runContext : this) as object;
    let calls = this.calls.get(scope);
    if (calls === undefined) {
      calls = new Map();
      this.calls.set(scope, calls);
    }
    const id = `${call.toolName}\u0000${call.callId}`;
    let cached = call.callId === "" ? undefined : calls.get(id);
    if (cached === undefined) {
      cached = { verdict: this.decide(runContext, call), approvalRequested: false };
      if (call.callId !== "") calls.set(id, cached);
    }
    return cached;
  }

  /** The call decided again with the SDK's human approval, which settles its `review`. */
  settle(runContext: unknown, call: AgentsToolCall): Promise<CallVerdict> {
    return this.decideWith(runContext, call, { approved: true, by: AGENTS_SDK_APPROVER });
  }

  /** The call decided through the guard; with a human's `approval`, which settles a review. */
  private decideWith(runContext: unknown, call: AgentsToolCall, approval?: ReviewAnswer): Promise<CallVerdict> {
    const identity = this.options.identity;
    const userContext = contextOf(runContext);
    return decideCall(this.guard, {
      name: call.toolName,
      args: call.args,
      naming: this.options,
      callId: call.callId,
      identity: () => (typeof identity === "function" ? identity(call, userContext) : identity),
      ...(approval === undefined ? {} : { approval }),
    });
  }

  private async decide(runContext: unknown, call: AgentsToolCall): Promise<CallVerdict> {
    const userContext = contextOf(runContext);
    if (this.options.usage !== undefined) {
      try {
        const owner = typeof this.options.usage === "function" ? this.options.usage(userContext) : this.options.usage;
        if (owner !== undefined) {
          const charged = await recordRunUsage(this.guard, runContext, owner);
          if (!charged.ok) throw new Error(charged.error);
        }
      } catch (error) {
        const reason = `the policy guard could not record the run's token usage, so the call is denied: ${messageOf(error)}`;
        return { effect: "deny", reason, decision: null };
      }
    }
    return this.decideWith(runContext, call);
  }

  guardrail(): ToolInputGuardrailDefinition {
    return defineToolInputGuardrail({
      name: this.options.name ?? "agentpolicy",
      run: async (data: ToolInputGuardrailData) => {
        try {
          const toolCall = data.toolCall;
          const call: AgentsToolCall = { toolName: toolCall.name, callId: toolCall.callId ?? "", args: parseArguments(toolCall.arguments) };
          const cached = this.decision(data.context, call);
          const verdict = await cached.verdict;
          if (verdict.effect === "allow") return ToolGuardrailFunctionOutputFactory.allow({ policy: "allow", shadow: verdict.shadow });
          if (verdict.effect === "review" && approvedInSdk(data.context, call)) {
            cached.settled ??= this.settle(data.context, call);
            const settled = await cached.settled;
            if (settled.effect === "allow") return ToolGuardrailFunctionOutputFactory.allow({ policy: "review", approval: "human" });
            return ToolGuardrailFunctionOutputFactory.rejectContent(settled.reason, { policy: settled.effect, decision: settled.decision });
          }
          // before the approval (the SDK may run the guardrail then): the SDK holds the call for a human
          if (verdict.effect === "review" && cached.approvalRequested) {
            return ToolGuardrailFunctionOutputFactory.allow({ policy: "review", approval: "pending" });
          }
          const reason =
            verdict.effect === "review" ? `${verdict.reason} (no approval was given for this call)` : verdict.reason;
          return ToolGuardrailFunctionOutputFactory.rejectContent(reason, { policy: verdict.effect, decision: verdict.decision });
        } catch (error) {
          return ToolGuardrailFunctionOutputFactory.rejectContent(
            `the policy guard failed, so the call is denied: ${messageOf(error)}`,
          );
        }
      },
    });
  }

  /** A `needsApproval` for the tool named `toolName`, also asking `previous` (the tool's own). */
  needsApproval(
    toolName: string,
    previous: ((runContext: RunContext, input: never, callId?: string) => Promise<boolean>) | undefined,
  ): (runContext: RunContext, input: unknown, callId?: string) => Promise<boolean> {
    return async (runContext, input, callId) => {
      const cached = this.decision(runContext, { toolName, callId: callId ?? "", args: input });
      const verdict = await cached.verdict;
      // a deny needs no human: the guardrail rejects it
      let ask = verdict.effect === "review";
      if (!ask && verdict.effect === "allow" && previous !== undefined) ask = await previous(runContext, input as never, callId);
      if (ask) cached.approvalRequested = true;
      return ask;
    };
  }
}

/**
 * A tool input guardrail deciding every call of the tools it is attached to
 * (`tool({ ..., inputGuardrails: [policyToolGuardrail(guard)] })`).
 */
export function policyToolGuardrail(guard: Guard, options: AgentsGuardOptions = {}): ToolInputGuardrailDefinition {
  return new AgentsPolicy(guard, options).guardrail();
}

/**
 * Returns `tools` with every function tool guarded: a copy of it with the policy's `needsApproval`
 * (which still asks the tool's own, for calls the policy allows) and the policy guardrail first among
 * its input guardrails. Other tools (hosted, computer, shell) are returned unchanged.
 */
export function guardAgentTools<T extends readonly Tool[]>(guard: Guard, tools: T, options: AgentsGuardOptions = {}): T {
  const policy = new AgentsPolicy(guard, options);
  const guardrail = policy.guardrail();
  return tools.map((tool) => {
    if (tool.type !== "function") return tool;
    const previous = typeof tool.needsApproval === "function" ? tool.needsApproval : undefined;
    return {
      ...tool,
      needsApproval: policy.needsApproval(tool.name, previous as Parameters<AgentsPolicy["needsApproval"]>[1]),
      inputGuardrails: [guardrail, ...(tool.inputGuardrails ?? [])],
    };
  }) as unknown as T;
}

const reported = new WeakMap<object, { input: number; output: number }>();

/**
 * Charges `owner` with the tokens of a run's usage not reported yet (by this function, for this
 * usage object). `source` is a `RunContext`, a run result (its `runContext` or `state.usage`), or the
 * `Usage` itself. Never rejects.
 */
export async function recordRunUsage(guard: Guard, source: unknown, owner: UsageOwner): Promise<UsageResult> {
  try {
    const usage = usageOf(source);
    if (usage === null) return { ok: false, error: "no usage found on the run" };
    const input = tokenCount(usage.inputTokens);
    const output = tokenCount(usage.outputTokens);
    const last = reported.get(usage) ?? { input: 0, output: 0 };
    // a smaller total than last time is a new count (a reset): charge all of it
    const newInput = input >= last.input ? input - last.input : input;
    const newOutput = output >= last.output ? output - last.output : output;
    // INVARIANT: the mark moves before the await, so concurrent calls never charge the same tokens twice
    reported.set(usage, { input, output });
    if (newInput === 0 && newOutput === 0) return { ok: true, charges: 0 };
    const result = await guard.recordUsage({
      agent: owner.agent,
      ...(owner.session === undefined ? {} : { session: owner.session }),
      inputTokens: newInput,
      outputTokens: newOutput,
    });
    if (!result.ok) reported.set(usage, last);
    return result;
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

function usageOf(source: unknown): { inputTokens?: unknown; outputTokens?: unknown } & object | null {
  if (source === null || typeof source !== "object") return null;
  const s = source as { usage?: unknown; runContext?: unknown; state?: { usage?: unknown }; inputTokens?: unknown };
  if ("inputTokens" in s) return s;
  if (s.usage !== null && typeof s.usage === "object") return s.usage as object;
  if (s.runContext !== undefined) return usageOf(s.runContext);
  if (s.state !== undefined && s.state !== null && typeof s.state === "object") return usageOf(s.state);
  return null;
}

function contextOf(runContext: unknown): unknown {
  return runContext !== null && typeof runContext === "object" ? (runContext as { context?: unknown }).context : undefined;
}

function approvedInSdk(runContext: unknown, call: AgentsToolCall): boolean {
  try {
    const check = (runContext as { isToolApproved?: unknown } | null)?.isToolApproved;
    if (typeof check !== "function" || call.callId === "") return false;
    return check.call(runContext, { toolName: call.toolName, callId: call.callId }) === true;
  } catch {
    return false;
  }
}

/** The SDK hands the guardrail the raw JSON arguments; unparsable text is decided as that text. */
function parseArguments(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
