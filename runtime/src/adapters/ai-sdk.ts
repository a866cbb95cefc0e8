/**
 * Vercel AI SDK adapter (`ai@6`/`ai@7`). Three hooks, each usable alone:
 *
 * - `policyToolApproval(guard)` — AI SDK 7's `toolApproval` option of `generateText` /
 *   `streamText` / `ToolLoopAgent`: allow → `'approved'`, deny → `{ type: 'denied', reason }`,
 *   review → `{ type: 'user-approval', reason }` (the SDK then asks the user).
 * - `guardTools(guard, tools)` — any AI SDK version: wraps each tool's `execute`, so a denied call
 *   throws `PolicyDenied` (the SDK reports it to the model as a tool error) and never runs.
 * - `policyUsageMiddleware(guard, { agent })` — for `wrapLanguageModel({ model, middleware })`:
 *   reports each model call's `inputTokens`/`outputTokens` to `guard.recordUsage`, for `tokens`
 *   and `cost` limits.
 *
 * Use `policyToolApproval` or `guardTools` on a tool, not both: each decides the call, and an
 * allowed decision consumes limits. A review goes to the user (`'user-approval'`); when the user
 * approves, the SDK asks `toolApproval` again before it runs the call, with the approval in
 * `messages`, and `policyToolApproval` then settles the review with it
 * (`DecideOptions.approval`): the limits are checked and consumed again, atomically (a denial if
 * they ran out meanwhile), and the audit records who approved. (`guardTools` has no approval flow:
 * a review it sees is a denial unless the guard has a `reviewer`.)
 * Fail closed: any error while deciding is a denial. Imports nothing from `ai` at run time.
 */

import type { CallIdentity, Guard, ReviewAnswer } from "../guard.js";
import { decideCall, messageOf, policyToolName, tokenCount } from "./common.js";
import type { ToolNaming } from "./common.js";

/** One tool call as the AI SDK describes it. */
export interface AiSdkToolCall {
  readonly toolName: string;
  readonly toolCallId: string;
  readonly input: unknown;
}

/** Who is calling: fixed, or per call (from the call and the SDK's `runtimeContext`). */
export type AiSdkIdentity = CallIdentity | ((call: AiSdkToolCall, runtimeContext: unknown) => CallIdentity | undefined);

export interface AiSdkGuardOptions extends ToolNaming {
  /** Agent, context and session of the calls; fields left undefined fall back to the guard's options. */
  readonly identity?: AiSdkIdentity;
}

/** What `policyToolApproval` answers: a subset of AI SDK 7's `ToolApprovalStatus`. */
export type PolicyApprovalStatus =
  | "approved"
  | { readonly type: "denied"; readonly reason: string }
  | { readonly type: "user-approval"; readonly reason: string };

/** The argument AI SDK 7 passes to a generic `toolApproval` function (the part this adapter reads). */
export interface AiSdkApprovalRequest {
  readonly toolCall: AiSdkToolCall;
  readonly runtimeContext?: unknown;
  /** The conversation so far: after the user answered an approval request, it holds the answer. */
  readonly messages?: readonly unknown[];
}

/** Who approved, as the audit records a review the user approved through the AI SDK. */
export const AI_SDK_APPROVER = "user (AI SDK tool approval)";

/**
 * A generic `toolApproval` function for AI SDK 7: decides every tool call before it runs.
 * Shadow mode answers `'approved'` whatever the decision.
 */
export function policyToolApproval(
  guard: Guard,
  options: AiSdkGuardOptions = {},
): (request: AiSdkApprovalRequest) => Promise<PolicyApprovalStatus> {
  return async (request) => {
    const call = request?.toolCall;
    if (call === undefined || call === null || typeof call.toolName !== "string") {
      return { type: "denied", reason: "the policy guard got a tool call without a tool name" };
    }
    let approval: ReviewAnswer | undefined;
    try {
      approval = userApproval(request.messages, call.toolCallId);
    } catch (error) {
      return { type: "denied", reason: `the policy guard failed, so the call is denied: ${messageOf(error)}` };
    }
    const verdict = await decideCall(guard, {
      name: call.toolName,
      args: call.input,
      naming: options,
      callId: call.toolCallId,
      identity: () => identityOf(options.identity, call, request.runtimeContext),
      ...(approval === undefined ? {} : { approval }),
    });
    switch (verdict.effect) {
      case "allow":
        return "approved";
      case "review":
        return { type: "user-approval", reason: verdict.reason };
      case "deny":
        return { type: "denied", reason: verdict.reason };
    }
  };
}

/** The options the AI SDK passes to `execute` (the part this adapter reads). */
interface ExecuteOptions {
  readonly toolCallId?: string;
  readonly context?: unknown;
  readonly runtimeContext?: unknown;
}

type AnyExecute = (input: never, options: never) => unknown;

/**
 * Returns `tools` with every `execute` guarded: the call is decided first and runs only on allow
 * (an approved review included) or in shadow mode; otherwise `execute` throws `PolicyDenied`, which
 * the SDK turns into a tool error the model sees. Tools without `execute` are returned unchanged.
 */
export function guardTools<T extends Record<string, object>>(guard: Guard, tools: T, options: AiSdkGuardOptions = {}): T {
  const guarded: Record<string, object> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = (tool as { execute?: unknown }).execute;
    if (typeof execute !== "function") {
      guarded[name] = tool;
      continue;
    }
    const original: AnyExecute = (input, execOptions) => (execute as (...args: unknown[]) => unknown).call(tool, input, execOptions);
    guarded[name] = {
      ...tool,
      execute: async (input: unknown, execOptions: ExecuteOptions = {}): Promise<unknown> => {
        let policyName: string;
        try {
          policyName = policyToolName(name, options);
        } catch (error) {
          throw new Error(`the policy guard failed, so the call is denied: ${messageOf(error)}`);
        }
        const call: AiSdkToolCall = { toolName: name, toolCallId: execOptions?.toolCallId ?? "", input };
        const run = guard.wrap(policyName, original, () => {
          const who = identityOf(options.identity, call, execOptions?.runtimeContext);
          return call.toolCallId === "" || who?.callId !== undefined ? who : { ...who, callId: call.toolCallId };
        });
        return run(input as never, execOptions as never);
      },
    };
  }
  return guarded as T;
}

export interface UsageMiddlewareOptions {
  /** The agent (and session) the tokens are charged to: fixed, or per model call. */
  readonly agent: string | ((params: unknown) => string);
  readonly session?: string | ((params: unknown) => string | undefined);
  /**
   * When the usage cannot be recorded (e.g. the limit store is down): `"throw"` (default, fail
   * closed: the model call fails) or `"ignore"`.
   */
  readonly onError?: "throw" | "ignore";
}

/** A language model middleware (the part of `LanguageModelMiddleware` this adapter implements). */
export interface PolicyUsageMiddleware {
  readonly specificationVersion: "v3";
  wrapGenerate(options: { doGenerate: () => PromiseLike<unknown>; params: unknown; model: { readonly modelId?: string } }): Promise<never>;
  wrapStream(options: { doStream: () => PromiseLike<unknown>; params: unknown; model: { readonly modelId?: string } }): Promise<never>;
}

/**
 * A middleware for `wrapLanguageModel` that reports every model call's usage to
 * `guard.recordUsage` (`inputTokens + outputTokens`, the model id for `price` declarations) before
 * the result reaches the caller, so the next tool decision sees the tokens. Streams are reported on
 * their `finish` part. Accepts AI SDK 5 usage (`inputTokens: number`) and 6/7 (`{ total }`).
 */
export function policyUsageMiddleware(guard: Guard, options: UsageMiddlewareOptions): PolicyUsageMiddleware {
  const report = async (usage: unknown, params: unknown, modelId: string | undefined): Promise<void> => {
    let failure: string | null = null;
    try {
      const agent = typeof options.agent === "function" ? options.agent(params) : options.agent;
      const session = typeof options.session === "function" ? options.session(params) : options.session;
      const u = (usage ?? {}) as { inputTokens?: unknown; outputTokens?: unknown };
      const result = await guard.recordUsage({
        agent,
        ...(session === undefined ? {} : { session }),
        ...(typeof modelId === "string" ? { model: modelId } : {}),
        inputTokens: tokenCount(u.inputTokens),
        outputTokens: tokenCount(u.outputTokens),
      });
      if (!result.ok) failure = result.error;
    } catch (error) {
      failure = messageOf(error);
    }
    if (failure !== null && options.onError !== "ignore") {
      throw new Error(`agentpolicy: the model usage could not be recorded for token and cost limits: ${failure}`);
    }
  };

  return {
    specificationVersion: "v3",
    async wrapGenerate({ doGenerate, params, model }) {
      const result = (await doGenerate()) as { usage?: unknown };
      await report(result?.usage, params, model?.modelId);
      return result as never;
    },
    async wrapStream({ doStream, params, model }) {
      const result = (await doStream()) as { stream: ReadableStream<unknown> };
      const reported = result.stream.pipeThrough(
        new TransformStream<unknown, unknown>({
          async transform(part, controller) {
            if (part !== null && typeof part === "object" && (part as { type?: unknown }).type === "finish") {
              await report((part as { usage?: unknown }).usage, params, model?.modelId);
            }
            controller.enqueue(part);
          },
        }),
      );
      return { ...result, stream: reported } as never;
    },
  };
}

/**
 * The user's approval of the call `toolCallId`, when `messages` hold one: an assistant message's
 * `tool-approval-request` part for the call, answered by a tool message's `tool-approval-response`
 * part with `approved: true` (as the AI SDK itself reads them before it runs an approved call).
 */
function userApproval(messages: unknown, toolCallId: string): ReviewAnswer | undefined {
  if (!Array.isArray(messages) || typeof toolCallId !== "string" || toolCallId === "") return undefined;
  const requested = new Set<unknown>();
  for (const part of partsOf(messages, "assistant", "tool-approval-request")) {
    if (part.toolCallId === toolCallId) requested.add(part.approvalId);
  }
  if (requested.size === 0) return undefined;
  for (const part of partsOf(messages, "tool", "tool-approval-response")) {
    if (requested.has(part.approvalId) && part.approved === true) {
      return typeof part.reason === "string" ? { approved: true, by: AI_SDK_APPROVER, note: part.reason } : { approved: true, by: AI_SDK_APPROVER };
    }
  }
  return undefined;
}

/** The content parts of type `type` in the messages of role `role`. */
function partsOf(messages: readonly unknown[], role: string, type: string): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = [];
  for (const message of messages) {
    if (message === null || typeof message !== "object") continue;
    const m = message as { role?: unknown; content?: unknown };
    if (m.role !== role || !Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (part !== null && typeof part === "object" && (part as { type?: unknown }).type === type) parts.push(part as Record<string, unknown>);
    }
  }
  return parts;
}

function identityOf(identity: AiSdkIdentity | undefined, call: AiSdkToolCall, runtimeContext: unknown): CallIdentity | undefined {
  return typeof identity === "function" ? identity(call, runtimeContext) : identity;
}
