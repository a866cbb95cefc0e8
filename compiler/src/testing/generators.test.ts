import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../manifest/types.js";
import { validate } from "../manifest/validate.js";
import { ValueGenerator, isValidFor, requestArbitrary } from "./generators.js";
import { collectLiterals, globInstances, stringNearMisses, type LiteralPool } from "./literals.js";
import { inlinePolicy } from "./test-support.js";

const EMPTY: LiteralPool = { strings: [], numbers: [], regexes: [], globInstances: [], lists: [] };

function validShare(schema: JsonSchema, pool: LiteralPool = EMPTY, n = 300): { share: number; values: unknown[] } {
  const values = fc.sample(new ValueGenerator(pool).forSchema(schema), { numRuns: n, seed: 11 });
  const valid = values.filter((v) => isValidFor(schema, v));
  return { share: valid.length / n, values: valid };
}

describe("literal pools", () => {
  const policy = inlinePolicy(`policy p
tools fs from "./tools.json"
tools shop from "./shop.tools.json"
const hosts = ["corp.example.com", "example.com"]
agent "a" {
  allow fs.read_file when path(args.path).under("/workspace")
  allow fs.fetch when url(args.url).host in hosts and not args.url.matches("^http:")
  allow fs.write_file when args.path.glob("/tmp/**/*.log")
  allow shop.order when args.qty * args.unit_price <= $1_000 and args.qty <= 100
}
`);
  const pool = collectLiterals([policy.model]);

  it("holds every string literal and const with its near-misses", () => {
    for (const s of ["/workspace", "/workspace/../x", "/workspace/x", "/workspace.evil.io", "/WORKSPACE", "corp.example.com", "corp.example.com.evil.io", "Corp.example.com", "https://example.com/"])
      expect(pool.strings).toContain(s);
    expect(pool.lists).toContainEqual(["corp.example.com", "example.com"]);
    expect(stringNearMisses("/w/")).toEqual(expect.arrayContaining(["/w/../x", "/w", "/w//../x"]));
  });

  it("holds every numeric literal ±1, and products and quotients of pairs", () => {
    for (const n of [1000, 999, 1001, 100, 99, 101, 100_000, 10, 0.1, 1_000_000, 10_000, 0]) expect(pool.numbers).toContain(n);
  });

  it("keeps patterns apart and instantiates globs", () => {
    expect(pool.regexes).toEqual(["^http:"]);
    expect(globInstances("/tmp/**/*.log")).toEqual(expect.arrayContaining(["/tmp/a/b/x.log", "/tmp/../x/x.log"]));
    expect(pool.strings).toContain("/tmp/a/b/x.log");
  });
});

describe("schema generators", () => {
  const pool: LiteralPool = { ...EMPTY, strings: ["/workspace", "/workspace/../x", "ab"], numbers: [0, 1, 100, 101, 99, 1e6, -5, 2.5] };

  it("generate mostly valid values for every supported keyword", () => {
    const schemas: JsonSchema[] = [
      { type: "object", properties: { s: { type: "string", minLength: 2, maxLength: 5 }, n: { type: "integer", minimum: 1, maximum: 10 } }, required: ["s", "n"] },
      { type: "object", properties: { e: { enum: ["a", "b"] }, c: { const: 3 }, x: { type: ["number", "null"], exclusiveMinimum: 0, multipleOf: 0.5 } }, required: ["e", "c", "x"] },
      { type: "object", properties: { xs: { type: "array", items: { type: "string", pattern: "^[a-z]+@x\\.io$" }, minItems: 1, maxItems: 3, uniqueItems: true } }, required: ["xs"] },
      { type: "object", properties: { u: { anyOf: [{ type: "string" }, { type: "object", properties: { a: { $ref: "#/$defs/pos" } }, required: ["a"] }] } }, required: ["u"], $defs: { pos: { type: "number", minimum: 0 } } },
      { type: "object", properties: { o: { oneOf: [{ type: "integer", maximum: -1 }, { type: "integer", minimum: 1 }] } }, required: ["o"], additionalProperties: false },
      { type: "object", allOf: [{ properties: { a: { type: "string" } }, required: ["a"] }, { properties: { b: { type: "boolean" } }, required: ["b"] }] },
      { type: "object", properties: { t: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false } }, required: ["t"] },
      { type: "object", properties: { tree: { $ref: "#/$defs/node" } }, $defs: { node: { type: "object", properties: { kids: { type: "array", items: { $ref: "#/$defs/node" } } } } } },
    ];
    for (const schema of schemas) expect(validShare(schema, pool).share, JSON.stringify(schema)).toBeGreaterThan(0.85);
  });

  it("mix the literal pool into strings and numbers, within bounds", () => {
    const { values } = validShare({ type: "object", properties: { p: { type: "string" }, n: { type: "integer", minimum: 0 } }, required: ["p", "n"] }, pool);
    const ps = new Set(values.map((v) => (v as { p: string }).p));
    const ns = new Set(values.map((v) => (v as { n: number }).n));
    expect(ps.has("/workspace/../x")).toBe(true);
    expect(ns.has(101)).toBe(true);
    expect(ns.has(-5)).toBe(false);
    expect(ns.has(2.5)).toBe(false);
  });

  it("range unbounded numbers over at least ±1e9", () => {
    const { values } = validShare({ type: "object", properties: { n: { type: "number" }, i: { type: "integer" } }, required: ["n", "i"] }, EMPTY, 600);
    const all = values.flatMap((v) => Object.values(v as Record<string, number>));
    expect(all.some((x) => x > 1e9)).toBe(true);
    expect(all.some((x) => x < -1e9)).toBe(true);
    expect(all.some((x) => !Number.isInteger(x))).toBe(true);
  });

  it("bounds and their neighbours are candidates", () => {
    const { values } = validShare({ type: "object", properties: { n: { type: "integer", minimum: 10, maximum: 20 } }, required: ["n"] });
    const ns = new Set(values.map((v) => (v as { n: number }).n));
    for (const n of [10, 11, 19, 20]) expect(ns.has(n)).toBe(true);
  });

  it("an unsatisfiable schema yields no valid value, and does not hang", () => {
    expect(validShare({ type: "object", properties: { a: false }, required: ["a"] }, EMPTY, 50).share).toBe(0);
    expect(validShare({ type: "object", properties: { n: { type: "integer", minimum: 5, maximum: 4 } }, required: ["n"] }, EMPTY, 50).share).toBe(0);
  });

  it("recursive schemas terminate and still give valid values", () => {
    const selfAnyOf: JsonSchema = {
      type: "object",
      properties: { t: { $ref: "#/$defs/n" } },
      required: ["t"],
      $defs: { n: { anyOf: [{ type: "string" }, { type: "array", items: { $ref: "#/$defs/n" } }, { type: "object", properties: { n: { $ref: "#/$defs/n" } } }] } },
    };
    const wide: JsonSchema = {
      $ref: "#/$defs/node",
      $defs: { node: { type: "object", properties: { a: { $ref: "#/$defs/node" }, b: { $ref: "#/$defs/node" }, c: { $ref: "#/$defs/node" }, d: { type: "array", items: { $ref: "#/$defs/node" } } } } },
    };
    expect(validShare(selfAnyOf, pool, 100).share).toBeGreaterThan(0.8);
    expect(validShare(wide, pool, 100).share).toBeGreaterThan(0.8);
  });

  it("are deterministic under a seed", () => {
    const schema: JsonSchema = { type: "object", properties: { s: { type: "string" }, n: { type: "number" } }, required: ["s"] };
    const a = fc.sample(new ValueGenerator(pool).forSchema(schema), { numRuns: 50, seed: 3 });
    const b = fc.sample(new ValueGenerator(pool).forSchema(schema), { numRuns: 50, seed: 3 });
    expect(a).toEqual(b);
  });
});

describe("request generators", () => {
  it("draw agents, tools, valid arguments, contexts and sessions from the space", () => {
    const policy = inlinePolicy(`policy p
tools shop from "./shop.tools.json"
context { user: { id: string, role: "agent" | "lead" }, ticket?: string }
label seen on shop.lookup
agent "a" { allow shop.* }
`);
    const m = policy.model;
    const pool = collectLiterals([m]);
    const arb = requestArbitrary(new ValueGenerator(pool), {
      agents: ["a", "b"],
      tools: [...m.tools.values()].map((t) => ({ tool: t.qualified, schemas: [t.schema] })),
      contextSchemas: [m.contextSchema],
      labels: ["seen"],
      countTools: [...m.tools.keys()],
    }, pool);
    const samples = fc.sample(arb, { numRuns: 300, seed: 5 });
    const validArgs = samples.filter((g) => validate(m.tools.get(g.request.tool)!.schema, g.request.args).length === 0);
    const validCtx = samples.filter((g) => validate(m.contextSchema, g.request.context).length === 0);
    expect(validArgs.length / samples.length).toBeGreaterThan(0.9);
    expect(validCtx.length / samples.length).toBeGreaterThan(0.9);
    expect(new Set(samples.map((g) => g.request.agent))).toEqual(new Set(["a", "b"]));
    expect(new Set(samples.map((g) => g.request.tool)).size).toBe(3);
    expect(samples.some((g) => g.session.labels.includes("seen"))).toBe(true);
    expect(samples.some((g) => (g.session.counts["shop.order"] ?? 0) > 0)).toBe(true);
    expect(samples.some((g) => g.request.session !== undefined)).toBe(true);
  });
});
