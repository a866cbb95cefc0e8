import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createGuard, type PolicyProgram } from "@agentpolicy/runtime";
import { loadProgram } from "../guard-loader.js";
import { checkSource, type CompilerHost } from "../program.js";
import { withHookState } from "./hook-state.js";

const manifest = JSON.stringify({
  tools: [
    { name: "read", inputSchema: { type: "object", properties: { n: { type: "integer" } } }, annotations: { readOnlyHint: true } },
    { name: "send", inputSchema: { type: "object", properties: {} }, annotations: { readOnlyHint: false } },
  ],
});
const policy = `policy p
tools t from "./t.json"
label seen on t.read
agent "a" {
  allow t.read
  allow t.send
  deny t.send when session.has(seen) because "seen"
  @id("reads") limit t.read to 3 calls per hour
}
`;
const host: CompilerHost = { readFile: (p) => (p.endsWith("t.json") ? manifest : policy) };

async function program(): Promise<PolicyProgram> {
  const checked = checkSource(policy, "/x/p.agentpolicy", host);
  expect(checked.ok).toBe(true);
  return loadProgram(checked.model, "interpreter");
}

describe("withHookState", () => {
  it("carries limits and session labels from run to run", async () => {
    const p = await program();
    const file = join(mkdtempSync(join(tmpdir(), "agentpolicy-state-")), "state.jsonl");
    const run = (tool: string, n = 0, session = "s") =>
      withHookState(file, (store) => createGuard(p, { store }).decide({ agent: "a", tool, args: tool === "t.read" ? { n } : {}, session }));
    expect((await run("t.send")).effect).toBe("allow");
    for (let i = 0; i < 3; i++) expect((await run("t.read", i)).effect).toBe("allow");
    expect(await run("t.read", 9)).toMatchObject({ effect: "deny", rules: ["reads"] });
    expect(await run("t.send")).toMatchObject({ effect: "deny", rules: ["a/deny/t.send"] });
    expect((await run("t.send", 0, "other")).effect).toBe("allow");
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(5);
  });

  it("serializes concurrent runs, so a limit admits exactly what it has room for", async () => {
    const p = await program();
    const file = join(mkdtempSync(join(tmpdir(), "agentpolicy-state-")), "state.jsonl");
    const runs = Array.from({ length: 8 }, (_, i) =>
      withHookState(file, (store) => createGuard(p, { store }).decide({ agent: "a", tool: "t.read", args: { n: i } })),
    );
    const effects = (await Promise.all(runs)).map((d) => d.effect);
    expect(effects.filter((e) => e === "allow")).toHaveLength(3);
  });

  it("refuses a corrupt journal", async () => {
    const p = await program();
    const file = join(mkdtempSync(join(tmpdir(), "agentpolicy-state-")), "state.jsonl");
    writeFileSync(file, "{nope\n");
    await expect(withHookState(file, (store) => createGuard(p, { store }).decide({ agent: "a", tool: "t.send" }))).rejects.toThrow(/not JSON/);
  });
});
