import { describe, expect, it } from "vitest";
import { plainRender, renderResult } from "./report.js";
import { runTestBlock, runTestBlocks } from "./run-tests.js";
import { fixturePolicy, inlinePolicy, interpreterOf } from "./test-support.js";

const HEADER = `policy p
tools shop from "./shop.tools.json"
context { user: { id: string, role: "agent" | "lead" } }
`;
const CTX = `with { user: { id: "u", role: "agent" } }`;

describe("test blocks", () => {
  it("pass when effect and rule id match", async () => {
    const p = fixturePolicy("refunds.agentpolicy");
    const results = await runTestBlocks(p.model, interpreterOf(p.model));
    expect(results.map((r) => [r.name, r.ok, r.expects.length])).toEqual([["small refunds pass", true, 2]]);
  });

  it("a failure names expected and actual effect, the deciding rules and the expect's span", async () => {
    const text = `${HEADER}
agent "support" {
  @id("small")
  allow shop.refund when args.amount <= 100 because "small refunds are fine"
}
test "mixed" {
  expect agent "support" calls shop.refund({ amount: 5, currency: "USD" }) ${CTX} => allow "small"
  expect agent "support" calls shop.refund({ amount: 500, currency: "USD" }) ${CTX} => allow
  expect agent "support" calls shop.refund({ amount: 5, currency: "USD" }) ${CTX} => allow "default"
}
`;
    const p = inlinePolicy(text);
    const [r] = await runTestBlocks(p.model, interpreterOf(p.model));
    expect(r.ok).toBe(false);
    expect(r.expects.map((o) => o.ok)).toEqual([true, false, false]);
    const bad = r.expects[1];
    expect(bad.expected).toEqual({ effect: "allow", rule: null });
    expect(bad.decision?.effect).toBe("deny");
    expect(bad.decision?.rules).toEqual(["default"]);
    expect(text.slice(bad.expect.span.start, bad.expect.span.end)).toMatch(/^expect agent "support" calls shop.refund\(\{ amount: 500/);

    const lines = renderResult(r, plainRender((f) => (f === p.file ? text : undefined)));
    expect(lines[0]).toBe('✗ test "mixed" failed: 2 of 3 expects');
    expect(lines[1]).toMatch(/^ {4}at \/.*inline\.agentpolicy:11:3 {2}expect agent "support" calls shop\.refund\(\{ amount: 500/);
    expect(lines[2]).toBe("    expected allow, got deny by default");
    expect(lines[4]).toBe('    expected allow "default", got allow by small ("small refunds are fine")');
  });

  it("an expect without `with` sends {} as the context", async () => {
    const p = inlinePolicy(`${HEADER}
agent "support" { allow shop.lookup }
test "no context" {
  expect agent "support" calls shop.lookup({ email: "a@b.c" }) => deny "invalid_context"
}
`);
    const [r] = await runTestBlocks(p.model, interpreterOf(p.model));
    expect(r.ok).toBe(true);
    expect(r.expects[0].request?.context).toEqual({});
  });

  it("one store, one session and a fixed clock per block: limits and labels carry within a block, not across", async () => {
    const p = inlinePolicy(`${HEADER}
label looked on shop.lookup
agent "support" {
  allow shop.lookup
  deny shop.order when session.has(looked) because "no orders after a lookup"
  allow shop.order
  limit shop.lookup to 1 calls per hour
}
test "first" {
  expect agent "support" calls shop.order({ sku: "a", qty: 1, unit_price: 1 }) ${CTX} => allow
  expect agent "support" calls shop.lookup({ email: "x" }) ${CTX} => allow
  expect agent "support" calls shop.lookup({ email: "x" }) ${CTX} => deny "support/limit/calls/shop.lookup"
  expect agent "support" calls shop.order({ sku: "a", qty: 1, unit_price: 1 }) ${CTX} => deny "support/deny/shop.order"
}
test "second starts fresh" {
  expect agent "support" calls shop.lookup({ email: "x" }) ${CTX} => allow
}
`);
    const results = await runTestBlocks(p.model, interpreterOf(p.model));
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const second = await runTestBlock(p.model, interpreterOf(p.model), p.model.tests[1]);
    expect(second.ok).toBe(true);
  });
});
