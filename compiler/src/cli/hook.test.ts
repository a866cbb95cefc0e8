/** `hook`: tool names, alias maps, the input it reads, its answers, and (in process) approved asks settled at PostToolUse. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { describe, expect, it } from "vitest";
import type { Decision } from "@agentpolicy/runtime";
import { CLAUDE_CODE_APPROVER, hookReason, parseAliasMap, parseHookInput, permissionOf, policyToolName, runHook, type HookOptions } from "./hook.js";
import type { Io } from "./io.js";
import { auditedCalls, limitedPolicyDir, SETTLED_ASK_AUDIT } from "./test-support.js";

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
    expect(r).toEqual({ ok: true, event: "PreToolUse", toolName: "Bash", toolInput: { command: "ls" }, sessionId: "s", toolUseId: "t1" });
  });
  it("reads a PostToolUse payload too", () => {
    const r = parseHookInput(JSON.stringify({ hook_event_name: "PostToolUse", tool_name: "Bash", tool_input: {}, tool_use_id: "t1", tool_response: { ok: 1 } }));
    expect(r).toMatchObject({ ok: true, event: "PostToolUse", toolUseId: "t1" });
  });
  it("treats a missing tool_input as no arguments", () => {
    expect(parseHookInput(JSON.stringify({ tool_name: "X" }))).toEqual({ ok: true, event: "PreToolUse", toolName: "X", toolInput: {} });
  });
  it("refuses what is not a PreToolUse or PostToolUse call", () => {
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

function setup() {
  const dir = limitedPolicyDir("hook");
  /** Runs the hook on one event; resolves the permission decision, or "" when it printed nothing. */
  const run = async (event: "PreToolUse" | "PostToolUse", toolUseId: string, extra: Partial<HookOptions> = {}) => {
    const outputs: string[] = [];
    const io: Io = { out: (t) => outputs.push(t), err: () => undefined, color: false, cwd: dir };
    const input = JSON.stringify({ session_id: "s1", hook_event_name: event, tool_name: "mcp__t__pay", tool_input: { amount: 5 }, tool_use_id: toolUseId });
    const code = await runHook({ policy: "p.agentpolicy", agent: "a", engine: "interpreter", state: "state.jsonl", audit: "audit.jsonl", stdin: Readable.from([input]), ...extra }, io);
    expect(code).toBe(0);
    return outputs.length === 0 ? "" : (JSON.parse(outputs.join("")).hookSpecificOutput.permissionDecision as string);
  };
  return { dir, run };
}

describe("hook: an approved ask counts against the limits", () => {
  it("settles the review when the call's PostToolUse arrives, and audits who approved", async () => {
    const { dir, run } = setup();
    expect(await run("PreToolUse", "toolu_1")).toBe("ask");
    expect(await run("PreToolUse", "toolu_2")).toBe("ask"); // nothing consumed yet: `pays` allows 1
    expect(await run("PostToolUse", "toolu_1")).toBe(""); // the user approved toolu_1, and it ran
    expect(await run("PreToolUse", "toolu_3")).toBe("deny"); // `pays` is used up
    expect(await run("PostToolUse", "toolu_1")).toBe(""); // settled once only
    expect(await run("PostToolUse", "toolu_unknown")).toBe("");
    const audit = readFileSync(join(dir, "audit.jsonl"), "utf8");
    expect(verifyAuditLog(audit)).toEqual({ ok: true, records: 4 });
    expect(auditedCalls(audit)).toEqual(SETTLED_ASK_AUDIT);
    expect(SETTLED_ASK_AUDIT[2].review).toEqual({ approved: true, by: CLAUDE_CODE_APPROVER });
  });
});
