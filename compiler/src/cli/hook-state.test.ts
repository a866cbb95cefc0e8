import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createGuard, type PolicyProgram } from "@agentpolicy/runtime";
import { loadProgram } from "../guard-loader.js";
import { checkSource, type CompilerHost } from "../program.js";
import { withHookState } from "./hook-state.js";
import { LIMITED_MANIFEST, LIMITED_POLICY } from "./test-support.js";

const manifest = LIMITED_MANIFEST;
const policy = LIMITED_POLICY;
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

  it("rewrites a long journal as one snapshot, and limits and labels carry on across it", async () => {
    const p = await program();
    const file = join(mkdtempSync(join(tmpdir(), "agentpolicy-state-")), "state.jsonl");
    const lines = () => readFileSync(file, "utf8").trim().split("\n");
    const run = (tool: string, n = 0, session = "s") =>
      withHookState(file, (store) => createGuard(p, { store }).decide({ agent: "a", tool, args: tool === "t.read" ? { n } : {}, session }), { compactAfter: 3 });
    for (let i = 0; i < 3; i++) expect((await run("t.send", 0, `other-${i}`)).effect).toBe("allow");
    expect(lines()).toHaveLength(3);
    expect((await run("t.read", 1)).effect).toBe("allow"); // the fourth entry: compacted
    expect(lines()).toHaveLength(1);
    expect(JSON.parse(lines()[0])).toMatchObject({ kind: "snapshot", store: { version: 1 } });
    for (let i = 2; i <= 3; i++) expect((await run("t.read", i)).effect).toBe("allow");
    expect(await run("t.read", 9)).toMatchObject({ effect: "deny", rules: ["reads"] });
    expect(await run("t.send")).toMatchObject({ effect: "deny", rules: ["a/deny/t.send"] }); // `seen` survived
    expect(lines().length).toBeLessThanOrEqual(3);
  });

  it("refuses a snapshot that is not the first entry, or not a snapshot", async () => {
    const p = await program();
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-state-"));
    const decide = (file: string) => withHookState(file, (store) => createGuard(p, { store }).decide({ agent: "a", tool: "t.send" }));
    const late = join(dir, "late.jsonl");
    writeFileSync(late, `{"kind":"charge","charges":[],"now":1}\n{"kind":"snapshot","store":{"version":1,"latest":null,"counters":[],"runs":[],"sessions":[]}}\n`);
    await expect(decide(late)).rejects.toThrow(/only be the first entry/);
    const broken = join(dir, "broken.jsonl");
    writeFileSync(broken, `{"kind":"snapshot","store":{"version":7}}\n`);
    await expect(decide(broken)).rejects.toThrow(/broken.jsonl:1: not a MemoryStore snapshot/);
  });

  it("keeps held asks across runs and through compaction, until taken", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "agentpolicy-state-")), "state.jsonl");
    const request = { agent: "a", tool: "t.pay", args: { amount: 1 }, session: "s" };
    const step = (fn: Parameters<typeof withHookState>[1]) => withHookState(file, fn, { compactAfter: 2 });
    await step(async (_store, held) => held.hold("toolu_1", request, Date.now()));
    await step(async (_store, held) => held.hold("toolu_old", request, Date.now() - 2 * 86_400_000));
    await step(async (_store, held) => held.hold("toolu_2", request, Date.now())); // compacts
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(1);
    expect(await step(async (_store, held) => held.take("toolu_old"))).toBeUndefined(); // a day old: dropped
    expect(await step(async (_store, held) => held.take("toolu_1"))).toEqual(request);
    expect(await step(async (_store, held) => held.take("toolu_1"))).toBeUndefined();
    expect(await step(async (_store, held) => held.take("toolu_2"))).toEqual(request);
  });
});
