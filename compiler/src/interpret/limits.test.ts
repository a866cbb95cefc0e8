import { describe, expect, it } from "vitest";
import { LimitKeyError, canonicalJson, type ToolRequest, type Verdict } from "@agentpolicy/runtime";
import { createInterpreter } from "./interpreter.js";
import { HEADER, modelOf } from "./test-support.js";

const p = createInterpreter(
  modelOf(`${HEADER}
context { user: string, team?: string }
cost t.op = $0.05 per call
price model "m1" input $3 output $15 per 1M tokens
limit t.ping to 9 calls per second
agent "a" {
  allow t.*
  limit t.op to 2 calls per minute
  @id("by-user") limit t.* to 5 calls per hour by ctx.user
  limit tokens to 100 per day
  limit cost to $1 per day by session.id
  limit repeats to 3
  limit t.write to 1 calls per session
  @id("by-team") limit t.write to 7 calls per 2 hours by ctx.team
}
agent "b" extends "a" { limit tokens to 50 per 30 minutes }
`),
);

const ctx = { user: "u1" };
const request = (tool: string, args: unknown, more: Partial<ToolRequest> = {}): ToolRequest => ({ agent: "a", tool, args, context: ctx, session: "s1", ...more });
const limits = (r: ToolRequest) => p.limitsFor(r, p.evaluate(r));

describe("limitsFor", () => {
  it("lists the limits that apply, in source order, with keys and amounts", () => {
    const args = { s: "x", n: 1 };
    expect(limits(request("t.op", args))).toEqual([
      { id: "a/limit/calls/t.op", kind: "calls", window: 60_000, max: 2, key: "agent:a", amount: 1 },
      { id: "by-user", kind: "calls", window: 3_600_000, max: 5, key: 'by:"u1"', amount: 1 },
      { id: "a/limit/tokens", kind: "tokens", window: 86_400_000, max: 100, key: "agent:a", amount: 0 },
      { id: "a/limit/cost", kind: "cost", window: 86_400_000, max: 1_000_000, key: 'by:"s1"', amount: 50_000 },
      { id: "a/limit/repeats", kind: "repeats", window: null, max: 3, key: "agent:a|session:s1", amount: 1, fingerprint: canonicalJson(["t.op", args]) },
    ]);
  });
  it("per-session windows key by session; a free call costs 0", () => {
    const checks = limits(request("t.write", { path: "/x" }, { context: { user: "u1", team: "red" }, session: undefined }));
    expect(checks.map((c) => [c.id, c.key, c.amount])).toEqual([
      ["by-user", 'by:"u1"', 1],
      ["a/limit/tokens", "agent:a", 0],
      ["a/limit/cost", 'by:""', 0],
      ["a/limit/repeats", "agent:a|session:", 1],
      ["a/limit/calls/t.write", "agent:a|session:", 1],
      ["by-team", 'by:"red"', 1],
    ]);
    expect(checks.find((c) => c.id === "a/limit/calls/t.write")?.window).toBe("session");
    expect(checks.find((c) => c.id === "by-team")?.window).toBe(7_200_000);
  });
  it("a `by` that errs throws LimitKeyError naming the limit", () => {
    const r = request("t.write", { path: "/x" });
    let thrown: unknown;
    try {
      limits(r);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LimitKeyError);
    expect((thrown as LimitKeyError).limitId).toBe("by-team");
  });
  it("inherited limits keep their ids and default keys use the requesting agent", () => {
    const checks = limits(request("t.op", { s: "x" }, { agent: "b" }));
    expect(checks.map((c) => [c.id, c.key])).toEqual([
      ["a/limit/calls/t.op", "agent:b"],
      ["by-user", 'by:"u1"'],
      ["a/limit/tokens", "agent:b"],
      ["a/limit/cost", 'by:"s1"'],
      ["a/limit/repeats", "agent:b|session:s1"],
      ["b/limit/tokens", "agent:b"],
    ]);
  });
  it("top-level limits apply to every agent, declared or not", () => {
    const r = request("t.ping", {}, { agent: "nobody" });
    expect(p.limitsFor(r, { effect: "allow", rules: ["x"], reasons: [], errors: [], tool: "t.ping" })).toEqual([
      { id: "*/limit/calls/t.ping", kind: "calls", window: 1000, max: 9, key: "agent:nobody", amount: 1 },
    ]);
    expect(limits(request("t.ping", {})).map((c) => c.id)[0]).toBe("*/limit/calls/t.ping");
  });
  it("a deny has no limits; absent args fingerprint as {}", () => {
    expect(limits(request("t.op", { s: 1 }))).toEqual([]);
    const checks = limits({ agent: "a", tool: "t.ping", context: ctx });
    expect(checks.find((c) => c.kind === "repeats")?.fingerprint).toBe(canonicalJson(["t.ping", {}]));
  });
  it("canonically equal arguments share a fingerprint", () => {
    const f = (args: unknown) => limits(request("t.op", args)).find((c) => c.kind === "repeats")?.fingerprint;
    expect(f({ s: "x", n: 1 })).toBe(f({ n: 1.0, s: "x" }));
    expect(f({ s: "x", nul: null })).not.toBe(f({ s: "x" }));
  });
  it("a verdict that names no tool throws (fail closed)", () => {
    expect(() => p.limitsFor(request("t.op", { s: "x" }), { effect: "allow", rules: [], reasons: [], errors: [], tool: null })).toThrow();
  });
});

describe("chargesFor", () => {
  it("prices tokens with a price declaration", () => {
    expect(p.chargesFor({ agent: "a", session: "s1", model: "m1", inputTokens: 1000, outputTokens: 100 })).toEqual([
      { id: "a/limit/tokens", kind: "tokens", key: "agent:a", window: 86_400_000, amount: 1100 },
      { id: "a/limit/cost", kind: "cost", key: 'by:"s1"', window: 86_400_000, amount: 4500 },
    ]);
  });
  it("rounds priced tokens up to a micro-dollar", () => {
    const c = p.chargesFor({ agent: "a", model: "m1", inputTokens: 1, outputTokens: 0 });
    expect(c.find((x) => x.kind === "cost")).toEqual({ id: "a/limit/cost", kind: "cost", key: 'by:""', window: 86_400_000, amount: 3 });
    const d = p.chargesFor({ agent: "a", model: "m1", inputTokens: 0, outputTokens: 1, costUsd: 99 });
    expect(d.find((x) => x.kind === "cost")?.amount).toBe(15);
  });
  it("uses costUsd without a price, rounded up to a micro-dollar without binary noise", () => {
    const cost = (costUsd: number, model?: string) =>
      p.chargesFor({ agent: "a", inputTokens: 0, outputTokens: 0, costUsd, ...(model ? { model } : {}) }).find((x) => x.kind === "cost")?.amount;
    expect(cost(0.07)).toBe(70_000);
    expect(cost(0.1, "unpriced")).toBe(100_000);
    expect(cost(0.0000015)).toBe(2);
    expect(cost(1e-9)).toBe(1);
    expect(cost(0)).toBeUndefined();
  });
  it("skips zero charges and agents without such limits", () => {
    expect(p.chargesFor({ agent: "a", inputTokens: 0, outputTokens: 0 })).toEqual([]);
    expect(p.chargesFor({ agent: "a", inputTokens: 5, outputTokens: 0, model: "unpriced" })).toEqual([
      { id: "a/limit/tokens", kind: "tokens", key: "agent:a", window: 86_400_000, amount: 5 },
    ]);
    expect(p.chargesFor({ agent: "nobody", inputTokens: 5, outputTokens: 5 })).toEqual([]);
  });
  it("charges inherited and own limits", () => {
    expect(p.chargesFor({ agent: "b", session: "s", inputTokens: 5, outputTokens: 5 }).map((c) => [c.id, c.key, c.window])).toEqual([
      ["a/limit/tokens", "agent:b", 86_400_000],
      ["b/limit/tokens", "agent:b", 1_800_000],
    ]);
  });
  it("never throws on hostile usage", () => {
    for (const u of [null, 5, {}, { agent: 5 }, { agent: "a", inputTokens: NaN, outputTokens: -5, costUsd: Infinity }]) {
      expect(() => p.chargesFor(u as never)).not.toThrow();
    }
    expect(p.chargesFor({ agent: "a", inputTokens: NaN, outputTokens: -5, costUsd: Infinity })).toEqual([]);
  });
});
