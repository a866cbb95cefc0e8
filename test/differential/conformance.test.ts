// The example policies' requests, decided by the compiled guard and by the interpreter.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/src/program.js";
import { createGuard, MemoryStore, type Decision, type ToolRequest, type Usage } from "@agentpolicy/runtime";
import { expectSameDecision, interpreterOf, loadCompiled } from "./support.js";

const CASES = [join(process.cwd(), "..", "shared", "conformance", "cases"), "/work/shared/conformance/cases"].find((d) => existsSync(d));

describe.skipIf(CASES === undefined)("compiled guard = interpreter on the conformance cases", () => {
  for (const name of CASES === undefined ? [] : readdirSync(CASES)) {
    it(name, async () => {
      const file = join(CASES!, name, "policy.agentpolicy");
      const checked = checkSource(readFileSync(file, "utf8"), file);
      const compiled = (await loadCompiled(checked.model, { format: true })).program;
      const interpreter = interpreterOf(checked.model);
      const lines = readFileSync(join(CASES!, name, "requests.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
      for (const line of lines) {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (r.usage !== undefined) continue;
        for (const session of [undefined, { labels: ["pii"], counts: {} }]) expectSameDecision(compiled, interpreter, r as unknown as ToolRequest, session);
      }
    });
  }
});

describe.skipIf(CASES === undefined)("the compiled module's createGuard = a guard around the interpreter (limits, usage, time)", () => {
  for (const name of CASES === undefined ? [] : readdirSync(CASES)) {
    it(name, async () => {
      const file = join(CASES!, name, "policy.agentpolicy");
      const checked = checkSource(readFileSync(file, "utf8"), file);
      const mod = await loadCompiled(checked.model);
      let now = 0;
      const compiled = mod.createGuard({ store: new MemoryStore(), clock: () => now });
      const reference = createGuard(interpreterOf(checked.model), { store: new MemoryStore(), clock: () => now });
      const lines = readFileSync(join(CASES!, name, "requests.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
      const view = (d: Decision) => ({ effect: d.effect, rules: d.rules, reasons: d.reasons, limit: d.limit, errors: d.errors.map((e) => e.rule) });
      for (const line of lines) {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (typeof r.at === "number") now = Math.max(now, r.at);
        if (r.usage !== undefined) {
          expect(await compiled.recordUsage({ ...(r.usage as Usage), at: now })).toEqual(await reference.recordUsage({ ...(r.usage as Usage), at: now }));
          continue;
        }
        const request = { ...(r as unknown as ToolRequest), at: now };
        expect(view(await compiled.decide(request)), line).toEqual(view(await reference.decide(request)));
      }
    });
  }
});

// The `.js` that `compile --emit js` writes, imported by Node itself (no transpiling loader):
// written under node_modules/.cache so that `@agentpolicy/runtime` resolves to the built runtime.
const BUILT_RUNTIME = join(process.cwd(), "runtime", "dist", "index.js");
describe.skipIf(CASES === undefined || !existsSync(BUILT_RUNTIME))("the emitted JavaScript module, imported natively", () => {
  it("decides the inventory case like the interpreter", async () => {
    const { mkdirSync, rmSync, writeFileSync } = await import("node:fs");
    const { pathToFileURL } = await import("node:url");
    const { generateGuard } = await import("../../compiler/src/emit/generate.js");
    const file = join(CASES!, "inventory", "policy.agentpolicy");
    const checked = checkSource(readFileSync(file, "utf8"), file);
    const { js, baseName } = await generateGuard(checked.model, { emit: "js" });
    const dir = join(process.cwd(), "node_modules", ".cache", "agentpolicy-test");
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `${baseName}.${process.pid}.mjs`);
    writeFileSync(out, js!);
    let mod: { evaluate: (r: ToolRequest) => { effect: string; rules: readonly string[] } };
    try {
      mod = await import(/* @vite-ignore */ pathToFileURL(out).href);
    } finally {
      rmSync(out, { force: true });
    }
    const interpreter = interpreterOf(checked.model);
    const lines = readFileSync(join(CASES!, "inventory", "requests.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    for (const line of lines) {
      const r = JSON.parse(line) as ToolRequest & { usage?: unknown };
      if (r.usage !== undefined) continue;
      const c = mod.evaluate(r);
      const i = interpreter.evaluate(r);
      if (c.effect !== i.effect || c.rules.join() !== i.rules.join()) throw new Error(`disagree on ${line}`);
    }
  });
});
