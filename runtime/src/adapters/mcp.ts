/**
 * MCP client adapter (`@modelcontextprotocol/sdk` 1.x `Client`, or anything with the same
 * `callTool` / `listTools`): `guardMcpClient(client, guard, identity, options)` returns the client
 * with
 *
 * - `callTool` deciding every call first: allow forwards it; a deny (or a review no reviewer
 *   approved) answers `{ isError: true, content: [{ type: "text", text }] }` naming the rules and
 *   the reason, and the server never sees the call;
 * - `listTools` keeping only the tools the agent could ever be allowed
 *   (`program.toolsFor(agent)`), when `options.program` is given.
 *
 * The server knows bare tool names (`search`); the policy qualifies them (`inv.search`): give
 * `alias` (or `toolName`). Every other member of the client is passed through unchanged.
 * Fail closed: any error while deciding is a denial. Imports nothing from the SDK at run time.
 */

import type { CallIdentity, Guard } from "../guard.js";
import type { Decision, PolicyProgram } from "../types.js";
import { decideCall, policyToolName } from "./common.js";
import type { ToolNaming } from "./common.js";

/** The part of an MCP client this adapter wraps. */
export interface McpClientLike {
  callTool(params: { name: string; arguments?: Record<string, unknown> }, ...rest: never[]): Promise<unknown>;
  listTools(...args: never[]): Promise<{ tools: Array<{ name: string }> }>;
}

export interface McpGuardOptions extends ToolNaming {
  /**
   * The policy's program (a generated guard module's `program`, or the interpreter's): `listTools`
   * then lists only `program.toolsFor(identity.agent)`. Without it `listTools` is not filtered.
   */
  readonly program?: Pick<PolicyProgram, "toolsFor">;
}

/** The text result of a call the policy did not let through. */
export interface PolicyDeniedResult {
  [key: string]: unknown;
  readonly isError: true;
  readonly content: Array<{ type: "text"; text: string }>;
  readonly _meta: { readonly agentpolicy: { readonly effect: string; readonly rules: readonly string[]; readonly limit: Decision["limit"] } };
}

/**
 * Returns `client` with a guarded `callTool` and a filtered `listTools` (see the module comment).
 * `identity` names the agent (and context, session) of every call; fields left undefined fall back
 * to the guard's options (but `listTools` filtering needs `identity.agent`: without it, no tool is
 * listed).
 */
export function guardMcpClient<C extends McpClientLike>(client: C, guard: Guard, identity: CallIdentity = {}, options: McpGuardOptions = {}): C {
  const callTool = async (params: { name: string; arguments?: Record<string, unknown> }, ...rest: never[]): Promise<unknown> => {
    const name = params?.name;
    if (typeof name !== "string") return deniedResult("the policy guard got a tool call without a tool name", null);
    const verdict = await decideCall(guard, { name, args: params.arguments ?? {}, naming: options, identity: () => identity });
    if (verdict.effect === "allow") return client.callTool(params, ...rest);
    return deniedResult(verdict.reason, verdict.decision);
  };

  const listTools = async (...args: never[]): Promise<{ tools: Array<{ name: string }> }> => {
    const listed = await client.listTools(...args);
    const program = options.program;
    if (program === undefined) return listed;
    let allowed: ReadonlySet<string>;
    try {
      allowed = typeof identity.agent === "string" ? new Set(program.toolsFor(identity.agent)) : new Set();
    } catch {
      allowed = new Set();
    }
    const visible = (tool: { name: string }): boolean => {
      try {
        return allowed.has(policyToolName(tool.name, options));
      } catch {
        return false;
      }
    };
    return { ...listed, tools: listed.tools.filter(visible) };
  };

  return new Proxy(client, {
    get(target, property) {
      if (property === "callTool") return callTool;
      if (property === "listTools") return listTools;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function deniedResult(reason: string, decision: Decision | null): PolicyDeniedResult {
  const rules = decision?.rules ?? [];
  const text = rules.length === 0 ? reason : `${reason} (${rules.length === 1 ? "rule" : "rules"}: ${rules.join(", ")})`;
  return {
    isError: true,
    content: [{ type: "text", text }],
    _meta: { agentpolicy: { effect: decision?.effect ?? "deny", rules, limit: decision?.limit ?? null } },
  };
}
