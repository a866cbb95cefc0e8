/**
 * The checks that run before any rule (LANGUAGE.md §12 "Request order"):
 * `invalid_request` → `unknown_tool` → `invalid_arguments` → `invalid_context`.
 *
 * Contract: `admitRequest` never throws; it returns either the request's scope for the
 * rules or the verdict that ends the request. The fixed texts below are part of the
 * decision (both engines produce them byte for byte).
 *
 * Decisions this file fixes (the compiled guards follow the same rules):
 * - A request that is not an object, or whose `agent` or `tool` is not a string, or whose
 *   `session` is present and not a string, is `invalid_request` (the `eval` and `serve`
 *   front ends reject such lines before they get here).
 * - `args` absent means `{}`; `args` present and not a record (null, a list, a scalar) is
 *   `invalid_arguments` with the one reason `ARGS_NOT_OBJECT`; otherwise the reasons are
 *   the schema validator's messages.
 * - Without a `context` declaration `ctx` is `{}` and any context is accepted. With one,
 *   `context` absent means `{}`; present and not a record is `invalid_context` with the
 *   one reason `CONTEXT_NOT_OBJECT`; otherwise the validator's messages.
 * - A validator that throws (e.g. on absurdly deep input) denies with the reason
 *   `validationFailed(...)`, under the same rule id.
 */
import { INVALID_REQUEST_RULE, type SessionView, type ToolRequest, type Verdict } from "@agentpolicy/runtime";
import { validate } from "../manifest/validate.js";
import type { JsonSchema, ToolInfo } from "../manifest/types.js";
import type { PolicyModel } from "../semantic/model.js";
import { isRecord } from "./values.js";

export const ARGS_NOT_OBJECT = "arguments must be an object";
export const CONTEXT_NOT_OBJECT = "context must be an object";

/** The fixed reason of `unknown_tool`. */
export function unknownToolReason(tool: string): string {
  return `unknown tool \`${tool}\``;
}

/** The reason when the validator itself fails. */
export function validationFailed(what: "arguments" | "context", e: unknown): string {
  return `${what} could not be validated: ${e instanceof Error ? e.message : String(e)}`;
}

/** A request that passed every check before the rules. */
export interface AdmittedRequest {
  readonly agent: string;
  readonly tool: ToolInfo;
  readonly args: Readonly<Record<string, unknown>>;
  /** `{}` without a `context` declaration. */
  readonly ctx: unknown;
  readonly sessionId: string;
  readonly session: SessionView | undefined;
}

export type Admission = { readonly ok: true; readonly request: AdmittedRequest } | { readonly ok: false; readonly verdict: Verdict };

/**
 * The tool a request names: `ALIAS.TOOL` when the text before the first `.` is a declared
 * alias (no fallback to a bare name then), else a bare name found in exactly one manifest.
 */
export function resolveTool(model: PolicyModel, name: string): ToolInfo | null {
  const dot = name.indexOf(".");
  if (dot > 0 && model.aliases.has(name.slice(0, dot))) return model.tools.get(name) ?? null;
  const candidates = model.toolsByBareName.get(name);
  if (candidates === undefined || candidates.length !== 1) return null;
  return model.tools.get(candidates[0]) ?? null;
}

/** The session id of a request: `""` when absent. */
export function sessionIdOf(request: ToolRequest): string {
  return typeof request.session === "string" ? request.session : "";
}

/** `ctx` of a request already admitted (or about to be): `{}` without a declaration or without a context. */
export function contextOf(model: PolicyModel, request: ToolRequest): unknown {
  return model.hasContextDecl && request.context !== undefined ? request.context : {};
}

/** `args` of a request: `{}` when absent. */
export function argsOf(request: ToolRequest): unknown {
  return request.args === undefined ? {} : request.args;
}

export function admitRequest(model: PolicyModel, request: unknown, session: SessionView | undefined): Admission {
  if (!isRecord(request)) return refuse(INVALID_REQUEST_RULE, ["a request must be an object"], null);
  const { agent, tool: toolName, session: sessionId } = request as Partial<Record<keyof ToolRequest, unknown>>;
  if (typeof agent !== "string") return refuse(INVALID_REQUEST_RULE, ["`agent` must be a string"], null);
  if (typeof toolName !== "string") return refuse(INVALID_REQUEST_RULE, ["`tool` must be a string"], null);
  if (sessionId !== undefined && typeof sessionId !== "string") return refuse(INVALID_REQUEST_RULE, ["`session` must be a string"], null);
  const req = request as unknown as ToolRequest;

  const tool = resolveTool(model, toolName);
  if (tool === null) return refuse("unknown_tool", [unknownToolReason(toolName)], null);

  const args = argsOf(req);
  if (!isRecord(args)) return refuse("invalid_arguments", [ARGS_NOT_OBJECT], tool.qualified);
  const argProblems = check(tool.schema, args, "arguments");
  if (argProblems.length > 0) return refuse("invalid_arguments", argProblems, tool.qualified);

  const ctx = contextOf(model, req);
  if (model.hasContextDecl) {
    if (!isRecord(ctx)) return refuse("invalid_context", [CONTEXT_NOT_OBJECT], tool.qualified);
    const ctxProblems = check(model.contextSchema, ctx, "context");
    if (ctxProblems.length > 0) return refuse("invalid_context", ctxProblems, tool.qualified);
  }

  return { ok: true, request: { agent, tool, args, ctx, sessionId: sessionIdOf(req), session } };
}

function check(schema: JsonSchema, value: unknown, what: "arguments" | "context"): string[] {
  try {
    return validate(schema, value);
  } catch (e) {
    return [validationFailed(what, e)];
  }
}

function refuse(rule: string, reasons: string[], tool: string | null): Admission {
  return { ok: false, verdict: { effect: "deny", rules: [rule], reasons, errors: [], tool, annotations: {} } };
}
