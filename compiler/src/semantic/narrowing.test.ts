import { describe, expect, it } from "vitest";
import type * as ast from "../syntax/ast.js";
import { parseDocument } from "../syntax/parse.js";
import { chainFacts, conjoin, disjoin, type Facts, Narrower, NON_NULL, PRESENT, SEP } from "./narrowing.js";

function condition(text: string): ast.Expr {
  const { document } = parseDocument(`policy p\nallow * when ${text}`, "/n.agentpolicy");
  const rule = document.declarations.find((d): d is ast.Rule => d.kind === "Rule");
  if (!rule?.when) throw new Error("no condition");
  return rule.when;
}

function pathOf(e: ast.Expr): string | null {
  const names: string[] = [];
  let x = e;
  while (x.kind === "MemberExpr") {
    names.unshift(x.property.name);
    x = x.object;
  }
  return x.kind === "NameRef" && (x.name === "args" || x.name === "ctx") ? [x.name, ...names].join(SEP) : null;
}

const show = (f: Facts) => Object.fromEntries([...f].map(([k, v]) => [k.split(SEP).join("."), v === NON_NULL ? "non-null" : "present"]));
const facts = (text: string) => {
  const f = new Narrower().factsOf(condition(text), pathOf);
  return { t: show(f.whenTrue), f: show(f.whenFalse) };
};

describe("condition facts", () => {
  it("has proves presence; != null proves non-null with prefixes", () => {
    expect(facts("args has a")).toEqual({ t: { args: "non-null", "args.a": "present" }, f: { args: "non-null" } });
    expect(facts("args.a.b != null")).toEqual({ t: { "args.a": "non-null", "args.a.b": "non-null" }, f: {} });
    expect(facts("null == args.a")).toEqual({ t: {}, f: { "args.a": "non-null" } });
  });
  it("flows through not, and, or", () => {
    expect(facts("not (args.a == null)").t).toEqual({ "args.a": "non-null" });
    expect(facts("args has a and args.b != null").t).toEqual({ args: "non-null", "args.a": "present", "args.b": "non-null" });
    expect(facts("args.a == null or args.b == null").f).toEqual({ "args.a": "non-null", "args.b": "non-null" });
    expect(facts("args has a or args has b").t).toEqual({ args: "non-null" });
    expect(facts("(args has a and args.x > 1) or (args has a and args.y > 1)").t).toEqual({ args: "non-null", "args.a": "present" });
    expect(facts("args.k > 1").t).toEqual({});
  });
  it("computes false facts of an and-chain as what holds in every way it can fail", () => {
    // false: a is null, or (a non-null and b null)
    expect(facts("args.a != null and args.b != null").f).toEqual({});
    expect(facts("not (args.a != null and args.b != null)").t).toEqual({});
  });
});

describe("fact algebra", () => {
  it("conjoins by union and disjoins by intersection of flags", () => {
    const a: Facts = new Map([
      ["x", PRESENT],
      ["y", NON_NULL],
    ]);
    const b: Facts = new Map([["y", PRESENT]]);
    expect([...conjoin(a, b)]).toEqual([
      ["x", PRESENT],
      ["y", NON_NULL],
    ]);
    expect([...disjoin(a, b)]).toEqual([["y", PRESENT]]);
    expect(chainFacts([], "and")).toEqual({ whenTrue: new Map(), whenFalse: new Map() });
  });
});
