/**
 * LangChain.js adapter (`langchain` v1, `@langchain/core` v1).
 *
 * - `policyMiddleware(guard)` — agent middleware for `createAgent({ middleware: [...] })`: its
 *   `wrapToolCall` decides every tool call; allow runs the tool, deny (or a review no reviewer
 *   approved) answers the model with an error `ToolMessage` carrying the reason, and the tool never
 *   runs. With `review: "interrupt"` a review pauses the run with a LangGraph `interrupt` (the
 *   agent needs a checkpointer); the value it is resumed with (`new Command({ resume: { approved,
 *   by?, note? } })`) settles the review (`DecideOptions.approval`): an approval checks and consumes
 *   the limits again, atomically, and is audited. Each pause is audited once: LangGraph runs the
 *   tool node again on resume, and the call decided anew then writes no second `review` record
 *   (`decideHoldingReview`), only the settled decision. With the `usage` option its `wrapModelCall`
 *   charges every model response's `usage_metadata` (`input_tokens`, `output_tokens`) to `tokens`
 *   and `cost` limits.
 * - `guardStructuredTools(guard, tools)` — for tools used outside `createAgent` (a LangGraph
 *   `ToolNode`, direct `invoke`): each becomes a tool of the same name, description and schema that
 *   decides first and throws `PolicyDenied` when the call may not run.
 *
 * The session defaults to the LangGraph thread (`configurable.thread_id`) when `identity` gives none.
 * Fail closed: any error while deciding is a denial.
 */

import { ToolMessage, createMiddleware, tool as lcTool } from "langchain";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { PolicyDenied } from "../errors.js";
import { decideHoldingReview } from "../guard.js";
import type { CallIdentity, Guard, ReviewAnswer } from "../guard.js";
import type { Decision, ToolRequest } from "../types.js";
import { decideCall, identityOfCall, messageOf, policyToolName, tokenCount, verdictOfError } from "./common.js";
import type { CallToDecide, CallVerdict, ToolNaming } from "./common.js";

/** One tool call as this adapter describes it to `identity`. */
export interface LangChainToolCall {
  /** LangChain's tool name (before `alias` / `toolName` mapping). */
  readonly toolName: string;
  readonly callId: string;
  readonly args: unknown;
}

/** What this adapter reads of a LangGraph runtime or a runnable config. */
export interface LangChainRuntimeLike {
  readonly context?: unknown;
  readonly configurable?: { readonly thread_id?: unknown };
}

export interface LangChainGuardOptions extends ToolNaming {
  /**
   * Agent, context and session of the calls: fixed, or per call from the agent's runtime (its
   * `context` is what was passed as `invoke(input, { context })`). Fields left undefined fall back
   * to the thread id (session only), then to the guard's options.
   */
  readonly identity?: CallIdentity | ((call: LangChainToolCall, runtime: LangChainRuntimeLike) => CallIdentity | undefined);
}

export interface PolicyMiddlewareOptions extends LangChainGuardOptions {
  /**
   * Charge every model response's token usage to this agent (and session); needed for `tokens` and
   * `cost` limits. Off when absent. The session defaults to the thread id.
   */
  readonly usage?: { readonly agent: string; readonly session?: string } | ((runtime: LangChainRuntimeLike) => { agent: string; session?: string });
  /**
   * When usage cannot be recorded (e.g. the limit store is down): `"throw"` (default, fail closed:
   * the model call fails) or `"ignore"`.
   */
  readonly onUsageError?: "throw" | "ignore";
  /** The middleware's name; default `"agentpolicy"`. */
  readonly name?: string;
  /**
   * What a `review` the guard's reviewer did not settle becomes: `"deny"` (default: an error
   * `ToolMessage`), or `"interrupt"`: the run pauses with a LangGraph `interrupt` whose value is a
   * `PolicyReviewRequest`, and the human's answer it is resumed with settles the review. The audit
   * log holds one `review` record per pause (written when the run pauses; if it cannot be written
   * the call is denied and the run does not pause), then the settled decision. Needs
   * `@langchain/langgraph` (a dependency of `langchain`) and a checkpointer on the agent.
   */
  readonly review?: "deny" | "interrupt";
}

/** The value of the interrupt a `review` raises (`review: "interrupt"`). */
export interface PolicyReviewRequest {
  readonly type: "agentpolicy/review";
  /** The policy's tool name, and LangChain's. */
  readonly tool: string;
  readonly toolName: string;
  readonly toolCallId: string;
  readonly args: unknown;
  /** Why the policy wants a human. */
  readonly reason: string;
}

/** Who approved, when the resume value names nobody. */
export const LANGGRAPH_APPROVER = "human (LangGraph interrupt)";

/** A `createAgent` middleware enforcing `guard` on every tool call (and charging usage when asked). */
export function policyMiddleware(guard: Guard, options: PolicyMiddlewareOptions = {}): ReturnType<typeof createMiddleware> {
  return createMiddleware({
    name: options.name ?? "agentpolicy",
    wrapToolCall: async (request, handler) => {
      const toolCall = request.toolCall;
      const callId = typeof toolCall.id === "string" ? toolCall.id : "";
      const runtime = (request.runtime ?? {}) as LangChainRuntimeLike;
      const call: CallToDecide = {
        name: toolCall.name,
        args: toolCall.args,
        naming: options,
        callId,
        identity: () => identityOf(options.identity, { toolName: toolCall.name, callId, args: toolCall.args }, runtime),
      };
      const refuse = (reason: string) => new ToolMessage({ content: reason, tool_call_id: callId, name: toolCall.name, status: "error" });
      if (options.review !== "interrupt") {
        const verdict = await decideCall(guard, call);
        return verdict.effect === "allow" ? handler(request) : refuse(verdict.reason);
      }
      // LangGraph runs the node again when a paused run resumes, so this call is decided again
      // then: a pending review's audit record is written only when the run really pauses.
      const held = await decideHolding(guard, call);
      if (held.verdict.effect === "allow") return handler(request);
      if (held.verdict.effect === "deny") return refuse(held.verdict.reason);
      let answer: ReviewAnswer;
      try {
        answer = await askThroughInterrupt({
          type: "agentpolicy/review",
          tool: safePolicyName(toolCall.name, options),
          toolName: toolCall.name,
          toolCallId: callId,
          args: toolCall.args,
          reason: held.verdict.reason,
        });
      } catch (error) {
        const audited = await held.audit();
        if (audited.effect === "review") {
          if (await isInterrupt(error)) throw error; // the run pauses for the human, its review audited once
          return refuse(`${audited.reason} (the review could not be asked: ${messageOf(error)})`);
        }
        // the review's record could not be written: a denial (fail closed), and the run does not pause
        return refuse(audited.effect === "deny" ? audited.reason : held.verdict.reason);
      }
      // resumed with the human's answer: the review was audited when the run paused; the answer
      // settles it (rules again, then the limits checked and consumed atomically) and is audited
      const settled = await decideCall(guard, { ...call, approval: answer });
      return settled.effect === "allow" ? handler(request) : refuse(settled.reason);
    },
    ...(options.usage === undefined
      ? {}
      : {
          wrapModelCall: async (request, handler) => {
            const response = await handler(request);
            let failure: string | null = null;
            try {
              const runtime = (request.runtime ?? {}) as LangChainRuntimeLike;
              const usage = options.usage as NonNullable<PolicyMiddlewareOptions["usage"]>;
              const owner = typeof usage === "function" ? usage(runtime) : usage;
              const session = owner.session ?? threadOf(runtime);
              const metadata = (response as { usage_metadata?: { input_tokens?: unknown; output_tokens?: unknown } }).usage_metadata;
              const model = (response as { response_metadata?: { model_name?: unknown } }).response_metadata?.model_name;
              const result = await guard.recordUsage({
                agent: owner.agent,
                ...(session === undefined ? {} : { session }),
                ...(typeof model === "string" ? { model } : {}),
                inputTokens: tokenCount(metadata?.input_tokens),
                outputTokens: tokenCount(metadata?.output_tokens),
              });
              if (!result.ok) failure = result.error;
            } catch (error) {
              failure = messageOf(error);
            }
            if (failure !== null && options.onUsageError !== "ignore") {
              throw new Error(`agentpolicy: the model usage could not be recorded for token and cost limits: ${failure}`);
            }
            return response;
          },
        }),
  });
}

/**
 * Returns each tool as a tool of the same name, description and schema that decides the call first:
 * it runs the original only on allow (an approved review included) or in shadow mode, and otherwise
 * throws `PolicyDenied` (a `ToolNode` reports it to the model as a tool error).
 */
export function guardStructuredTools<T extends StructuredToolInterface>(guard: Guard, tools: readonly T[], options: LangChainGuardOptions = {}): T[] {
  return tools.map((original) => {
    const name = original.name;
    const guarded = lcTool(
      async (input: unknown, config?: { toolCall?: { id?: string }; context?: unknown; configurable?: { thread_id?: unknown } }) => {
        const callId = typeof config?.toolCall?.id === "string" ? config.toolCall.id : "";
        const runtime: LangChainRuntimeLike = { context: config?.context, configurable: config?.configurable };
        let policyName: string;
        try {
          policyName = policyToolName(name, options);
        } catch (error) {
          throw new Error(`the policy guard failed, so the call is denied: ${messageOf(error)}`);
        }
        // the original formats no message of its own: this tool answers the call
        const { toolCall: _toolCall, ...rest } = config ?? {};
        const run = guard.wrap(policyName, (args: unknown) => original.invoke(args as never, rest as never), () => {
          const who = identityOf(options.identity, { toolName: name, callId, args: input }, runtime);
          return callId === "" || who?.callId !== undefined ? who : { ...who, callId };
        });
        return run(input);
      },
      {
        name,
        description: original.description,
        schema: original.schema as never,
        ...responseFormatOf(original),
      },
    );
    return guarded as unknown as T;
  });
}

/** A call decided with a pending review's audit record held back (`decideHoldingReview`). */
interface HeldCall {
  readonly verdict: CallVerdict;
  /** Writes the held review record; resolves with the verdict as audited (a denial when the audit failed). Never rejects. */
  audit(): Promise<CallVerdict>;
}

/**
 * `decideCall`, except that a pending review's audit record waits for `audit()`. A guard that
 * `createGuard` did not make is asked through `decideCall` (its review is audited at once, and
 * again each time the paused call is decided anew). Never rejects.
 */
async function decideHolding(guard: Guard, call: CallToDecide): Promise<HeldCall> {
  try {
    const tool = policyToolName(call.name, call.naming);
    const holding = decideHoldingReview(guard, tool, call.args, () => identityOfCall(call));
    if (holding === null) {
      const verdict = await decideCall(guard, call);
      return { verdict, audit: () => Promise.resolve(verdict) };
    }
    const held = await holding;
    return { verdict: verdictOf(held.decision, held.request), audit: async () => verdictOf(await held.audit(), held.request) };
  } catch (error) {
    const verdict = verdictOfError(error);
    return { verdict, audit: () => Promise.resolve(verdict) };
  }
}

/** A decision as `decideCall` reports it: what `Guard.wrap` runs is allow; anything else carries `PolicyDenied`'s message. */
function verdictOf(decision: Decision, request: ToolRequest): CallVerdict {
  if (decision.effect === "allow" || decision.shadow === true) return { effect: "allow", shadow: decision.shadow === true };
  return verdictOfError(new PolicyDenied(decision, request));
}

/**
 * Raises a LangGraph interrupt with `request` and returns the review answer the run was resumed
 * with: `{ approved: boolean, by?: string, note?: string }` (or a bare boolean); anything else is
 * passed on as it is, and the guard denies it as a malformed answer. The interrupt itself (thrown
 * to pause the run) propagates.
 */
async function askThroughInterrupt(request: PolicyReviewRequest): Promise<ReviewAnswer> {
  const { interrupt } = (await import("@langchain/langgraph")) as { interrupt: (value: unknown) => unknown };
  const value = interrupt(request);
  if (typeof value === "boolean") return { approved: value, by: LANGGRAPH_APPROVER };
  if (value !== null && typeof value === "object" && typeof (value as { approved?: unknown }).approved === "boolean") {
    const v = value as { approved: boolean; by?: unknown; note?: unknown };
    const by = typeof v.by === "string" && v.by !== "" ? v.by : LANGGRAPH_APPROVER;
    return typeof v.note === "string" ? { approved: v.approved, by, note: v.note } : { approved: v.approved, by };
  }
  return value as ReviewAnswer;
}

/** Whether `error` is LangGraph's interrupt (the signal that pauses a run), which must propagate. */
async function isInterrupt(error: unknown): Promise<boolean> {
  try {
    const { isGraphInterrupt } = (await import("@langchain/langgraph")) as { isGraphInterrupt: (e: unknown) => boolean };
    return isGraphInterrupt(error);
  } catch {
    return false;
  }
}

/** The policy's name of a tool, or LangChain's when the mapping fails (the decision already failed closed then). */
function safePolicyName(name: string, naming: ToolNaming): string {
  try {
    return policyToolName(name, naming);
  } catch {
    return name;
  }
}

function identityOf(
  identity: LangChainGuardOptions["identity"],
  call: LangChainToolCall,
  runtime: LangChainRuntimeLike,
): CallIdentity | undefined {
  const who = typeof identity === "function" ? identity(call, runtime) : identity;
  const thread = threadOf(runtime);
  if (who?.session !== undefined || thread === undefined) return who;
  return { ...who, session: thread };
}

function threadOf(runtime: LangChainRuntimeLike): string | undefined {
  const thread = runtime?.configurable?.thread_id;
  return typeof thread === "string" && thread !== "" ? thread : undefined;
}

/** `responseFormat` of tools that declare one (`"content_and_artifact"`), for the wrapper to keep. */
function responseFormatOf(tool: object): { responseFormat?: "content" | "content_and_artifact" } {
  const format = (tool as { responseFormat?: unknown }).responseFormat;
  return format === "content" || format === "content_and_artifact" ? { responseFormat: format } : {};
}
