/** `hook` in process: an `ask` the user approves counts against the limits once its PostToolUse arrives (`--state`). */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { describe, expect, it } from "vitest";
import { CLAUDE_CODE_APPROVER, runHook, type HookOptions } from "./hook.js";
import type { Io } from "./io.js";
import { LIMITED_MANIFEST, LIMITED_POLICY } from "./test-support.js";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "agentpolicy-hook-"));
  writeFileSync(join(dir, "t.json"), LIMITED_MANIFEST);
  writeFileSync(join(dir, "p.agentpolicy"), LIMITED_POLICY);
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
    const records = audit.trim().split("\n").map((l) => JSON.parse(l) as { decision: { effect: string; review?: unknown }; request: { callId?: string } });
    expect(records.map((r) => [r.request.callId, r.decision.effect])).toEqual([
      ["toolu_1", "review"],
      ["toolu_2", "review"],
      ["toolu_1", "allow"],
      ["toolu_3", "deny"],
    ]);
    expect(records[2].decision.review).toEqual({ approved: true, by: CLAUDE_CODE_APPROVER });
  });
});
