import { describe, expect, it } from "vitest";
import { diffLimits, diffPolicies } from "./diff.js";
import { fixturePolicy, inlinePolicy, interpreterOf } from "./test-support.js";
import type { CheckedPolicy } from "../program.js";

const diff = (a: CheckedPolicy, b: CheckedPolicy, runs = 1200) =>
  diffPolicies(a.model, b.model, interpreterOf(a.model), interpreterOf(b.model), { runs });

describe("diff", () => {
  it("a reformatted policy reports nothing", async () => {
    const report = await diff(fixturePolicy("refunds.agentpolicy"), fixturePolicy("refunds-reformatted.agentpolicy"));
    expect(report.differences).toEqual([]);
    expect(report.limits).toEqual([]);
    expect(report.looser).toBe(false);
    expect(report.compared).toBeGreaterThan(500);
  });

  it("a loosened rule reports a concrete newly-allowed request with the deciding rules of each side", async () => {
    const report = await diff(fixturePolicy("refunds.agentpolicy"), fixturePolicy("refunds-loosened.agentpolicy"));
    expect(report.looser).toBe(true);
    const [first] = report.differences;
    expect(first).toMatchObject({
      agent: "support",
      tool: "shop.refund",
      direction: "looser",
      old: { effect: "deny", rules: ["default"] },
      new: { effect: "allow", rules: ["support/allow/shop.refund"] },
    });
    const amount = (first.example.args as { amount: number }).amount;
    expect(amount > 5000 && amount <= 5001).toBe(true);
    expect(first.example).toMatchObject({ agent: "support", tool: "shop.refund" });
    expect(report.limits).toEqual([
      {
        id: "support/limit/calls/shop.refund",
        agent: "support",
        change: "changed",
        direction: "looser",
        old: "limit shop.refund to 10 calls per hour",
        new: "limit shop.refund to 20 calls per hour",
      },
    ]);
  });

  it("finds a loosened bound on a list's length (lists are generated at the policy's own numbers)", async () => {
    const inv = `policy p\ntools inv from "${import.meta.dirname}/../../../examples/inventory/manifests/inventory.tools.json"\n`;
    const a = inlinePolicy(`${inv}agent "r" {\n  allow inv.market_price when args.skus.length <= 20\n}\n`, "a.agentpolicy");
    const b = inlinePolicy(`${inv}agent "r" {\n  allow inv.market_price when args.skus.length <= 50\n}\n`, "b.agentpolicy");
    const report = await diff(a, b, 600);
    expect(report.looser).toBe(true);
    const skus = (report.differences[0].example.args as { skus: unknown[] }).skus;
    expect(skus.length > 20 && skus.length <= 50).toBe(true);
  });

  it("newly allowed first, then other looser changes, then tighter ones", async () => {
    const header = `policy p\ntools shop from "./shop.tools.json"\n`;
    const a = inlinePolicy(`${header}agent "a" {\n  allow shop.lookup\n  review shop.refund\n}\n`, "a.agentpolicy");
    const b = inlinePolicy(`${header}agent "a" {\n  deny shop.lookup\n  allow shop.refund\n  review shop.order\n}\n`, "b.agentpolicy");
    const report = await diff(a, b, 600);
    expect(report.differences.map((d) => [d.tool, d.old.effect, d.new.effect, d.direction])).toEqual([
      ["shop.refund", "review", "allow", "looser"],
      ["shop.order", "deny", "review", "looser"],
      ["shop.lookup", "allow", "deny", "tighter"],
    ]);
    expect(report.differences.every((d) => d.agent === "a")).toBe(true);
  });

  it("a tighter policy is not looser; new agents and tools are compared too", async () => {
    const header = `policy p\ntools shop from "./shop.tools.json"\n`;
    const a = inlinePolicy(`${header}allow shop.lookup\n`, "a.agentpolicy");
    const b = inlinePolicy(`${header}allow shop.lookup when args.email.endsWith("@corp.io")\nagent "new" { allow shop.refund }\n`, "b.agentpolicy");
    const report = await diff(a, b, 600);
    const tighter = report.differences.find((d) => d.direction === "tighter")!;
    expect((tighter.example.args as { email: string }).email.endsWith("@corp.io")).toBe(false);
    const added = report.differences.find((d) => d.agent === "new" && d.tool === "shop.refund")!;
    expect(added).toMatchObject({ direction: "looser", declared: { old: false, new: true } });
    expect(report.looser).toBe(true);
  });

  it("limits: removed is looser, added is tighter, a longer window is tighter", () => {
    const header = `policy p\ntools shop from "./shop.tools.json"\nallow shop.*\n`;
    const a = inlinePolicy(`${header}limit shop.order to 5 calls per minute\nlimit shop.lookup to 5 calls per minute\n`, "a.agentpolicy");
    const b = inlinePolicy(`${header}limit shop.order to 5 calls per hour\nlimit shop.refund to 1 calls per day\n`, "b.agentpolicy");
    expect(diffLimits(a.model, b.model).map((l) => [l.id, l.change, l.direction])).toEqual([
      ["*/limit/calls/shop.order", "changed", "tighter"],
      ["*/limit/calls/shop.lookup", "removed", "looser"],
      ["*/limit/calls/shop.refund", "added", "tighter"],
    ]);
  });

  it("is deterministic", async () => {
    const a = fixturePolicy("extends-ok.agentpolicy");
    const b = fixturePolicy("extends-bug.agentpolicy");
    const one = await diff(a, b, 600);
    const two = await diff(a, b, 600);
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    expect(one.differences[0]).toMatchObject({ agent: "intern", tool: "fs.write_file", old: { effect: "deny", rules: ["etc-is-read-only"] }, new: { effect: "allow" } });
  });
});
