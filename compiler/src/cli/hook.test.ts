import { describe, expect, it } from "vitest";
import type { Decision } from "@agentpolicy/runtime";
import { hookReason, parseAliasMap, parseHookInput, permissionOf, policyToolName } from "./hook.js";

describe("policyToolName", () => {
  const map = new Map([["filesystem", "fs"]]);
  it("maps mcp__SERVER__TOOL through the alias map, else to SERVER.TOOL", () => {
    expect(policyToolName("mcp__filesystem__read_text_file", map, "code")).toBe("fs.read_text_file");
    expect(policyToolName("mcp__github__create_issue", map, "code")).toBe("github.create_issue");
    expect(policyToolName("mcp__my_server__do__it", map, "code")).toBe("my_server.do__it");
  });
  it("maps built-in tools to the builtin alias", () => {
    expect(policyToolName("Bash", map, "code")).toBe("code.Bash");
    expect(policyToolName("Edit", map, "cc")).toBe("cc.Edit");
    expect(policyToolName("mcp__", map, "code")).toBe("code.mcp__");
  });
});

describe("parseAliasMap", () => {
  it("reads comma-separated and repeated SERVER=ALIAS pairs", () => {
    const r = parseAliasMap(["filesystem=fs, github=gh", "x=y"]);
    expect(r.ok && [...r.map]).toEqual([["filesystem", "fs"], ["github", "gh"], ["x", "y"]]);
  });
  it("refuses entries without both sides", () => {
    expect(parseAliasMap(["fs"])).toMatchObject({ ok: false });
    expect(parseAliasMap(["=fs"])).toMatchObject({ ok: false });
    expect(parseAliasMap(["a="])).toMatchObject({ ok: false });
  });
});

describe("parseHookInput", () => {
  it("reads Claude Code's PreToolUse payload", () => {
    const r = parseHookInput(JSON.stringify({ session_id: "s", hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "ls" }, tool_use_id: "t1" }));
    expect(r).toEqual({ ok: true, toolName: "Bash", toolInput: { command: "ls" }, sessionId: "s", toolUseId: "t1" });
  });
  it("treats a missing tool_input as no arguments", () => {
    expect(parseHookInput(JSON.stringify({ tool_name: "X" }))).toEqual({ ok: true, toolName: "X", toolInput: {} });
  });
  it("refuses what is not a PreToolUse call", () => {
    for (const text of ["", "1", "[]", "{}", '{"tool_name": ""}', '{"tool_name": "X", "tool_input": 3}', '{"tool_name": "X", "session_id": 1}', '{"tool_name": "X", "hook_event_name": "Stop"}']) {
      expect(parseHookInput(text), text).toMatchObject({ ok: false });
    }
  });
});

describe("answers", () => {
  const base = { limit: null, errors: [], policy: "p", policyHash: "sha256:0" } as const;
  it("maps allow / deny / review to allow / deny / ask", () => {
    expect(permissionOf({ ...base, effect: "allow", rules: ["r"], reasons: [] })).toBe("allow");
    expect(permissionOf({ ...base, effect: "deny", rules: ["r"], reasons: [] })).toBe("deny");
    expect(permissionOf({ ...base, effect: "review", rules: ["r"], reasons: [] })).toBe("ask");
  });
  it("names the policy, rules, tool and reasons", () => {
    const d: Decision = { ...base, effect: "review", rules: ["a", "b"], reasons: ["why"] };
    expect(hookReason(d, "fs.write_file")).toBe("agentpolicy `p` (rules `a`, `b`) asks for review of `fs.write_file`: why");
  });
});
