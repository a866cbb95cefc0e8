/**
 * Optional OpenTelemetry spans, typed structurally so the runtime imports nothing: pass
 * `trace.getTracer("agentpolicy")` from `@opentelemetry/api` as the guard's `tracer`.
 * Spans follow the GenAI semantic conventions: `execute_tool {gen_ai.tool.name}` with
 * `gen_ai.operation.name = "execute_tool"`, `gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.agent.id`.
 */

import type { Decision, ToolRequest } from "./types.js";

export type SpanAttributeValue = string | number | boolean | readonly string[];

/** The part of an OpenTelemetry `Span` the guard uses. */
export interface SpanLike {
  setAttribute(key: string, value: SpanAttributeValue): unknown;
  setStatus?(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the guard uses. */
export interface TracerLike {
  startSpan(name: string, options?: { attributes?: Record<string, SpanAttributeValue>; kind?: number }): SpanLike;
}

/** OpenTelemetry `SpanKind.INTERNAL` and `SpanStatusCode.ERROR`. */
const SPAN_KIND_INTERNAL = 0;
const STATUS_ERROR = 2;

/** Starts the span of one tool call; null without a tracer or when the tracer throws. */
export function startToolSpan(tracer: TracerLike | undefined, request: ToolRequest): SpanLike | null {
  if (tracer === undefined) return null;
  try {
    const tool = typeof request?.tool === "string" ? request.tool : "";
    const attributes: Record<string, SpanAttributeValue> = {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": tool,
    };
    if (typeof request?.agent === "string") attributes["gen_ai.agent.id"] = request.agent;
    if (typeof request?.callId === "string") attributes["gen_ai.tool.call.id"] = request.callId;
    return tracer.startSpan(`execute_tool ${tool}`, { kind: SPAN_KIND_INTERNAL, attributes });
  } catch {
    return null;
  }
}

/** Records the decision on the span (`agentpolicy.*` attributes). Never throws. */
export function annotateSpan(span: SpanLike | null, decision: Decision): void {
  if (span === null) return;
  try {
    span.setAttribute("agentpolicy.decision.effect", decision.effect);
    span.setAttribute("agentpolicy.decision.rules", [...decision.rules]);
    span.setAttribute("agentpolicy.policy.name", decision.policy);
    span.setAttribute("agentpolicy.policy.hash", decision.policyHash);
    if (decision.limit !== null) span.setAttribute("agentpolicy.limit.id", decision.limit.id);
    if (decision.shadow === true) span.setAttribute("agentpolicy.shadow", true);
  } catch {
    // telemetry never changes a decision
  }
}

/** Ends the span, with an error status when `error` is given. Never throws. */
export function endSpan(span: SpanLike | null, error?: string): void {
  if (span === null) return;
  try {
    if (error !== undefined) span.setStatus?.({ code: STATUS_ERROR, message: error });
    span.end();
  } catch {
    // telemetry never changes a decision
  }
}
