import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkFile } from "../program.js";
import { checkInvariant, checkInvariants, DEFAULT_RUNS, UNDECLARED_AGENT } from "./invariants.js";
import { plainRender, renderResult } from "./report.js";
import { runTestBlocks } from "./run-tests.js";
import { fixture, fixturePolicy, inlinePolicy, interpreterOf } from "./test-support.js";

async function check(name: string, runs = DEFAULT_RUNS, seed = 1) {
  const p = fixturePolicy(name);
  return { policy: p, results: await checkInvariants(p.model, interpreterOf(p.model), { runs, seed }) };
}

describe("planted bugs are found within the default number of runs", () => {
  const seeds = [1, 2, 3, 4, 5];

  it("startsWith(\"/workspace/\") where path(...).under(\"/workspace\") was meant", async () => {
    for (const seed of seeds) {
      const { results } = await check("workspace-bug.agentpolicy", DEFAULT_RUNS, seed);
      expect(results[0].ok, `seed ${seed}`).toBe(false);
      const c = results[0].counterexample!;
      expect(c.decision.effect).toBe("allow");
      const path = (c.request.args as { path: string }).path;
      expect(path.startsWith("/workspace/")).toBe(true);
      expect(path).toMatch(/\.\./);
    }
    const { results } = await check("workspace-ok.agentpolicy", 300);
    expect(results[0].ok).toBe(true);
    expect(results[0].inSet).toBeGreaterThan(100);
  });

  it("a numeric bound loosened by one", async () => {
    for (const seed of seeds) {
      const { results } = await check("refunds-loosened.agentpolicy", DEFAULT_RUNS, seed);
      expect(results[0].ok, `seed ${seed}`).toBe(false);
      const amount = (results[0].counterexample!.request.args as { amount: number }).amount;
      expect(amount > 5000 && amount <= 5001).toBe(true);
    }
    expect((await check("refunds.agentpolicy", 300)).results[0].ok).toBe(true);
  });

  it("an agent missing from extends", async () => {
    for (const seed of seeds) {
      const { results } = await check("extends-bug.agentpolicy", DEFAULT_RUNS, seed);
      expect(results[0].ok, `seed ${seed}`).toBe(false);
      expect(results[0].counterexample!.request.agent).toBe("intern");
    }
    expect((await check("extends-ok.agentpolicy", 300)).results[0].ok).toBe(true);
  });

  it("the conformance cap/holds pair", async () => {
    const dir = "/work/shared/conformance/invariants/";
    for (const [file, ok] of [["cap.agentpolicy", false], ["holds.agentpolicy", true]] as const) {
      const r = checkFile(dir + file);
      if (!r.ok || !r.policy.ok) continue; // the shared suite is not part of every checkout
      const results = await checkInvariants(r.policy.model, interpreterOf(r.policy.model), { runs: 2000, seed: 7 });
      expect(results.map((x) => x.ok)).toEqual([ok]);
    }
  });
});

describe("counterexamples", () => {
  it("are shrunk, point at the invariant and read as a ready-to-paste expect line", async () => {
    const { policy, results } = await check("workspace-bug.agentpolicy");
    const r = results[0];
    const lines = renderResult(r, plainRender((f) => policy.source(f)));
    expect(lines[0]).toMatch(/^✗ invariant stays_in_workspace failed: counterexample agent "coder" calls fs\.read_file\(\{ path: ".*" \}\) \(seed 1, \d+ shrinks?\)$/);
    expect(lines[1]).toMatch(/^ {4}at \/.*workspace-bug\.agentpolicy:9:1$/);
    expect(lines[2]).toMatch(/^ {4}expect agent "coder" calls fs\.read_file\(\{ path: ".*" \}\) => deny$/);
    expect(lines[3]).toBe("    got allow by coder/allow/fs.read_file; the invariant allows only deny");
    // shrunk: the path is one of the short near-misses, not a long random string
    expect((r.counterexample!.request.args as { path: string }).path.length).toBeLessThanOrEqual(40);

    // pasted into a test block, the line checks and fails the same way
    const text = `${readFileSync(fixture("workspace-bug.agentpolicy"), "utf8")}\ntest "pasted" {\n  ${r.counterexample!.expect}\n}\n`;
    const pasted = inlinePolicy(text, "workspace-pasted.agentpolicy");
    const blocks = await runTestBlocks(pasted.model, interpreterOf(pasted.model));
    const last = blocks[blocks.length - 1];
    expect(last.ok).toBe(false);
    expect(last.expects[0].decision?.effect).toBe("allow");
    expect(last.expects[0].request?.args).toEqual(r.counterexample!.request.args);
  });

  it("are deterministic under a seed", async () => {
    const a = (await check("extends-bug.agentpolicy", 500, 99)).results;
    const b = (await check("extends-bug.agentpolicy", 500, 99)).results;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it("name the session a request needs when it is not a fresh one", async () => {
    const p = inlinePolicy(`policy p
tools shop from "./shop.tools.json"
label looked on shop.lookup
agent "a" {
  allow shop.order unless session.has(looked)
}
invariant orders_allowed: agent "a" shop.order => allow
`);
    const [r] = await checkInvariants(p.model, interpreterOf(p.model), { runs: 500, seed: 3 });
    expect(r.ok).toBe(false);
    expect(r.counterexample!.session.labels).toEqual(["looked"]);
    expect(r.counterexample!.sessionNote).toContain("label `looked`");
  });
});

describe("the set of an invariant", () => {
  it("is decided for an undeclared agent when none is declared", async () => {
    const p = inlinePolicy(`policy p
tools shop from "./shop.tools.json"
allow shop.*
invariant no_orders: shop.order => deny
`);
    const [r] = await checkInvariants(p.model, interpreterOf(p.model), { runs: 200, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.counterexample!.request.agent).toBe(UNDECLARED_AGENT);
    expect(r.counterexample!.agentNote).toContain("undeclared agent");
    expect(renderResult(r, plainRender(() => undefined))).toContain(`    // ${r.counterexample!.agentNote}`);
  });

  it("includes requests whose when errs", async () => {
    const p = inlinePolicy(`policy p
tools shop from "./shop.tools.json"
allow shop.refund
invariant noted: shop.refund when args.note.startsWith("x") => deny
`);
    const [r] = await checkInvariants(p.model, interpreterOf(p.model), { runs: 300, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.counterexample!.request.args).not.toHaveProperty("note");
  });

  it("uses fresh limits, which can still deny", async () => {
    const p = inlinePolicy(`policy p
tools shop from "./shop.tools.json"
cost shop.refund = $5 per call
allow shop.refund
limit cost to $1 per day
invariant too_dear: shop.refund => deny
`);
    const [r] = await checkInvariants(p.model, interpreterOf(p.model), { runs: 200, seed: 1 });
    expect(r.ok).toBe(true);
    expect(r.inSet).toBeGreaterThan(100);
  });

  it("an invariant over no request passes, and says so", async () => {
    const p = inlinePolicy(`policy p
tools shop from "./shop.tools.json"
allow shop.refund
invariant never: shop.refund when args.amount > 200000 => deny
`);
    const r = await checkInvariant(p.model, interpreterOf(p.model), p.model.invariants[0], { runs: 100, seed: 1 });
    expect(r.ok).toBe(true);
    expect(renderResult(r, plainRender(() => undefined))).toEqual(["✓ invariant never (100 runs; no generated request was in its set)"]);
  });
});
