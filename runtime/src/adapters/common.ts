/**
 * What every framework adapter shares: naming tools the way the policy does, deciding one call
 * through a guard (fail closed), and reading token usage in the shapes frameworks report it.
 *
 * INVARIANT (fail closed): `decideCall` resolves, never rejects; an error anywhere (mapping the
 * tool name, resolving who is calling, the guard itself) is a denial carrying the error's message.
 */

import { PolicyDenied } from "../errors.js";
import type { CallIdentity, Guard, ReviewAnswer } from "../guard.js";
import type { Decision } from "../types.js";

/**
 * How a framework's tool name becomes the policy's tool name (`ALIAS.TOOL`, or a bare name that is
 * unique across the policy's manifests). Give at most one: `alias` prefixes every name
 * (`alias: "inv"` turns `search` into `inv.search`); `toolName` maps each name. Default: unchanged.
 */
export interface ToolNaming {
  readonly alias?: string;
  readonly toolName?: (name: string) => string;
}

/** The policy's name for a framework tool name. Throws when `toolName` throws or returns a non-string. */
export function policyToolName(name: string, naming: ToolNaming = {}): string {
  if (naming.toolName !== undefined) {
    const mapped = naming.toolName(name);
    if (typeof mapped !== "string") throw new TypeError(`the tool name mapping gave no name for \`${name}\``);
    return mapped;
  }
  if (naming.alias !== undefined && naming.alias !== "") return `${naming.alias}.${name}`;
  return name;
}

/** The outcome of one call as an adapter needs it. */
export type CallVerdict =
  | { readonly effect: "allow"; readonly shadow: boolean }
  | { readonly effect: "deny" | "review"; readonly reason: string; readonly decision: Decision | null };

/** One tool call to decide. */
export interface CallToDecide {
  /** The framework's tool name (mapped with `naming`). */
  readonly name: string;
  readonly args: unknown;
  readonly naming?: ToolNaming;
  /** Who is calling; fields left undefined fall back to the guard's `agent`, `context`, `session`. */
  readonly identity?: () => CallIdentity | undefined;
  /** The framework's call id, recorded unless `identity` gives one. */
  readonly callId?: string;
  /** A human's answer given through the framework's own approval flow: settles a `review` (`DecideOptions.approval`). */
  readonly approval?: ReviewAnswer;
}

/**
 * Decides one call through `guard` with the guard's own fallbacks (its `agent`, `context` and
 * `session` options), consuming limits on allow exactly as `Guard.wrap` does. A `review` that no
 * reviewer settled comes back as `review`; shadow mode comes back as allow with `shadow: true`.
 */
export async function decideCall(guard: Guard, call: CallToDecide): Promise<CallVerdict> {
  try {
    const tool = policyToolName(call.name, call.naming);
    const probe = guard.wrap(tool, async (_args: unknown) => undefined, () => identityOfCall(call));
    await probe(call.args);
    return { effect: "allow", shadow: guard.mode === "shadow" };
  } catch (error) {
    return verdictOfError(error);
  }
}

/**
 * The identity `call` is decided with: its resolver's, with the call id filled in. An approval
 * comes only from the framework's own approval flow (`call.approval`), never from an identity,
 * which may be built from what a client sent.
 */
export function identityOfCall(call: CallToDecide): CallIdentity {
  const { approval: _fromIdentity, ...identity } = call.identity?.() ?? {};
  const withId = call.callId === undefined || call.callId === "" || identity.callId !== undefined ? identity : { ...identity, callId: call.callId };
  return call.approval === undefined ? withId : { ...withId, approval: call.approval };
}

/** A thrown value as a verdict: a `PolicyDenied` keeps its decision; anything else is a denial. */
export function verdictOfError(error: unknown): CallVerdict {
  if (isPolicyDenied(error)) {
    const effect = error.decision.effect === "review" ? "review" : "deny";
    return { effect, reason: error.message, decision: error.decision };
  }
  return { effect: "deny", reason: `the policy guard failed, so the call is denied: ${messageOf(error)}`, decision: null };
}

/** `PolicyDenied`, also from another copy of the runtime (checked by shape). */
export function isPolicyDenied(error: unknown): error is PolicyDenied {
  if (error instanceof PolicyDenied) return true;
  if (!(error instanceof Error) || error.name !== "PolicyDenied") return false;
  const decision = (error as { decision?: unknown }).decision;
  return decision !== null && typeof decision === "object" && typeof (decision as { effect?: unknown }).effect === "string";
}

/**
 * Tokens from a usage count as frameworks report it: a number (`inputTokens: 12`), or an object with
 * a `total` (AI SDK 6/7 `inputTokens: { total: 12, ... }`). Anything else counts as 0.
 */
export function tokenCount(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : 0;
  if (value !== null && typeof value === "object") return tokenCount((value as { total?: unknown }).total);
  return 0;
}

export function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return String(error);
  } catch {
    return "unprintable error";
  }
}
