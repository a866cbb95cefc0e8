import { runInNewContext } from "node:vm";
import fc from "fast-check";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { objectOf, rootSchemaArb, valueArb } from "../manifest/__fixtures__/schema-arbitraries.js";
import type { JsonSchema } from "../manifest/types.js";
import { validate } from "../manifest/validate.js";
import { generateValidator } from "./validator-codegen.js";

const FUZZ_RUNS = Number(process.env.AP_FUZZ_RUNS ?? 300);
const FUZZ_SEED = Number(process.env.AP_FUZZ_SEED ?? 7);

// Local copies of the run-time helpers (runtime/src/builtins.ts has the same contract).
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xk = Object.keys(x);
  if (xk.length !== Object.keys(y).length) return false;
  return xk.every((k) => Object.hasOwn(y, k) && deepEqual(x[k], y[k]));
}
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

type Compiled = (value: unknown) => string[] | null;

/** Compiles a schema and loads the function the way a guard module would hold it. */
function compile(schema: JsonSchema, name = "validateArgs"): Compiled {
  const { code, helpers } = generateValidator(schema, name);
  const factory = new Function("deepEqual", "codePointLength", `"use strict";\n${helpers.join("\n")}\n${code}\nreturn ${name};`);
  return factory(deepEqual, codePointLength) as Compiled;
}

/** One `check` helper: the generated validator says exactly what `validate()` says. */
function check(schema: JsonSchema, values: readonly unknown[]): void {
  const fn = compile(schema);
  for (const value of values) {
    const expected = validate(schema, value);
    expect(fn(value), `schema ${JSON.stringify(schema)}\nvalue ${JSON.stringify(value)}`).toEqual(expected.length === 0 ? null : expected);
  }
}

describe("generateValidator: shape", () => {
  it("emits one function and prefixed, hoisted helpers", () => {
    const { code, helpers } = generateValidator(
      { type: "object", properties: { sku: { type: "string", pattern: "^[A-Z]-\\d+$" }, qty: { type: "integer", minimum: 1 } }, required: ["sku"] },
      "validate_inv_create",
    );
    expect(code.startsWith("function validate_inv_create(value) {")).toBe(true);
    expect(code.endsWith("}")).toBe(true);
    for (const h of helpers) expect(h).toMatch(/^(const|function) validate_inv_create_\w+/);
    expect(helpers.some((h) => h.includes('new RegExp("^[A-Z]-\\\\d+$", "u")'))).toBe(true);
    // No regex is compiled, and no schema is read, when the function runs.
    expect(code).not.toContain("RegExp");
    expect(code).not.toContain("Object.keys");
    expect(code).not.toContain("properties");
  });

  it("lets two validators share one module", () => {
    const a = generateValidator({ pattern: "a" }, "va");
    const b = generateValidator({ pattern: "b" }, "vb");
    const names = [...a.helpers, ...b.helpers].map((h) => /^(?:const|function) (\w+)/.exec(h)![1]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("refuses a function name that is not an identifier", () => {
    expect(() => generateValidator({}, "not valid")).toThrow(TypeError);
  });

  it("is valid TypeScript under strict with `typescript: true`", () => {
    const schemas: JsonSchema[] = [
      { type: "object", properties: { a: { type: "string", maxLength: 3, pattern: "^(a+)+$" }, b: { enum: [1, "x", { k: [1] }] } }, required: ["a"], additionalProperties: false },
      { $defs: { n: { type: "object", properties: { c: { type: "array", items: { $ref: "#/$defs/n" }, uniqueItems: true } } } }, $ref: "#/$defs/n" },
      { anyOf: [{ type: "string" }, { type: "null" }], oneOf: [{ multipleOf: 0.5 }, true], not: { const: 3 }, if: { minimum: 1 }, then: { maximum: 9 } },
      { patternProperties: { "^x": { type: "integer" } }, propertyNames: { maxLength: 5 }, dependentRequired: { a: ["b"] }, dependentSchemas: { c: { minProperties: 2 } }, unevaluatedProperties: false },
      { prefixItems: [{ type: "string" }], contains: { type: "number" }, maxContains: 2, unevaluatedItems: false, anyOf: [{ prefixItems: [true, true] }, true] },
      {},
      false,
    ];
    const parts = ["declare function deepEqual(a: unknown, b: unknown): boolean;", "declare function codePointLength(s: string): number;"];
    schemas.forEach((s, i) => {
      const g = generateValidator(s, `v${i}`, { typescript: true });
      expect(g.code.startsWith(`function v${i}(value: unknown): string[] | null {`)).toBe(true);
      parts.push(...g.helpers, g.code);
    });
    parts.push("export {};");
    expect(typeCheck(parts.join("\n"))).toEqual([]);
  });
});

/** Type-checks one module text under the project's strict settings; returns the error messages. */
function typeCheck(text: string): string[] {
  const fileName = "/virtual/validators.ts";
  const options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2023.d.ts"], module: ts.ModuleKind.ES2022, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, shouldCreate) =>
    name === fileName ? ts.createSourceFile(name, text, lang) : original(name, lang, onError, shouldCreate);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("generateValidator agrees with validate()", () => {
  it("on hand-written schemas", () => {
    const values: unknown[] = [null, 0, -0, 1, 1.5, "a", "😀😀", "", [], [1, 1], ["a", 2], {}, { a: 1 }, { sku: "A-1", qty: 2 }, { sku: 7 }, JSON.parse('{"__proto__": 1, "constructor": "x"}')];
    const schemas: JsonSchema[] = [
      { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer", minimum: 1 } }, required: ["sku"] },
      { type: ["string", "null"], minLength: 1 },
      { required: ["constructor", "__proto__"] },
      { properties: { "a/b": { type: "string" }, "~": false }, additionalProperties: { type: "number" } },
      { items: [{ type: "string" }], additionalItems: false },
      { enum: Array.from({ length: 20 }, (_, i) => `e${i}`).concat(["a"]) },
      { const: { a: 1 } },
      { multipleOf: 0.01, maximum: 1e21 },
      { pattern: "(" },
      { $ref: "#/$defs/missing" },
      { $ref: "#", type: "object" },
      { type: "strin" },
    ];
    for (const s of schemas) check(s, values);
  });

  it("on recursive schemas", () => {
    const tree = {
      $defs: { node: { type: "object", properties: { value: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/node" } } }, required: ["value"] } },
      $ref: "#/$defs/node",
    };
    check(tree, [
      { value: 1, children: [{ value: 2, children: [] }, { value: 3 }] },
      { value: 1, children: [{ value: 2, children: [{ value: "x" }, {}] }] },
      { children: Array.from({ length: 20 }, () => ({ value: "bad" })) },
    ]);
    check({ anyOf: [{ type: "integer" }, { type: "array", items: { $ref: "#" } }] }, [[1, [2, [3, ["x"]]]], [[[[]]]]]);
  });

  it("caps messages across `$ref` functions in the same order", () => {
    const schema = { $defs: { s: { type: "string", minLength: 2, not: { const: 1 } } }, type: "array", items: { $ref: "#/$defs/s" }, maxItems: 3 };
    const values = [Array(20).fill(1), [1, "a", "bb", 2], ["x", ...Array(3).fill(1)]];
    check(schema, values);
    expect(compile(schema)(values[0])).toHaveLength(8);
  });

  it("on unevaluated* and annotations", () => {
    check(
      { properties: { a: {} }, anyOf: [{ properties: { b: { type: "string" } } }, { properties: { c: {} } }], if: { required: ["d"] }, then: { properties: { d: {} } }, unevaluatedProperties: false },
      [{ a: 1, b: "x", c: 1 }, { a: 1, b: 2 }, { d: 1 }, { e: 1, f: 2 }, objectOf([["__proto__", 1]])],
    );
    check({ prefixItems: [{}], contains: { type: "string" }, unevaluatedItems: { type: "boolean" } }, [[1, "a", true], [1, 2], []]);
  });

  it("stays small on shared subschemas under unevaluated*", () => {
    const defs: Record<string, unknown> = {};
    for (let i = 0; i < 25; i++) defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { allOf: [{ $ref: `#/$defs/d${i + 1}` }] }], properties: { [`p${i}`]: {} } };
    defs.d25 = { properties: { last: {} } };
    const schema = { $defs: defs, $ref: "#/$defs/d0", unevaluatedProperties: false, unevaluatedItems: false };
    const g = generateValidator(schema, "v");
    expect(g.code.length + g.helpers.join("").length).toBeLessThan(200_000);
    check(schema, [{ p0: 1, p24: 2, last: 3 }, { p0: 1, other: 2 }, [1]]);
  });

  it("on unsafe patterns and long strings", () => {
    check({ pattern: "^(a+)+$" }, ["aaa", "aab", "a".repeat(1000), "a".repeat(1001), 3]);
    check({ patternProperties: { "(x+)+": { type: "integer" } } }, [objectOf([["xx", 1], ["x".repeat(1001), 2]])]);
  });

  it("on generated schemas and values", () => {
    fc.assert(
      fc.property(rootSchemaArb(false), fc.array(valueArb, { minLength: 1, maxLength: 6 }), (schema, values) => {
        check(schema, values);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });
});

describe("generated validators on hostile values", () => {
  const schema = { type: "object", properties: { a: { type: "array", items: { type: "string" }, uniqueItems: true } }, additionalProperties: { type: "number" } };
  const fn = compile(schema);

  it("rejects values that are not JSON, like validate()", () => {
    const values: unknown[] = [Number.NaN, { b: Number.POSITIVE_INFINITY }, { a: [undefined] }, [1, , 2], () => 1, new Map(), 5n, Symbol("s"), new Date(0), runInNewContext('({ a: ["x"] })')];
    for (const v of values) {
      const expected = validate(schema, v);
      expect(fn(v)).toEqual(expected.length === 0 ? null : expected);
    }
    expect(fn(values[values.length - 1])).toBeNull();
  });

  it("does not overflow the stack on deep nesting", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { b: deep };
    const got = fn(deep);
    expect(got).toEqual(validate(schema, deep));
    expect(got![0]).toMatch(/nested too deeply$/);
  });

  it("stays linear on big values", () => {
    const big = { a: Array.from({ length: 300_000 }, (_, i) => `s${i}`) };
    expect(fn(big)).toBeNull();
    const dup = { a: [...big.a.slice(0, 100_000), "s1"] };
    expect(fn(dup)).toEqual(["`/a` must not contain duplicate items"]);
    expect(compile({ type: "array", items: { type: "integer" } })(Array.from({ length: 1_000_000 }, (_, i) => i))).toBeNull();
    expect(compile({ maxLength: 5 })("x".repeat(2_000_000))).toEqual(["value must be at most 5 characters long"]);
  });

  it("survives throwing getters and proxies", () => {
    const evil = {};
    Object.defineProperty(evil, "b", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(fn(evil)).toEqual(["value cannot be validated"]);
    const proxy = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("boom");
        },
      },
    );
    expect(fn(proxy)).toEqual(["value cannot be validated"]);
  });

  it("keeps `__proto__` and `constructor` as own keys", () => {
    const v = compile({ properties: { constructor: { type: "string" } }, required: ["constructor"] });
    expect(v({})).toEqual(["`/constructor` is required"]);
    expect(v(JSON.parse('{"constructor": 1}'))).toEqual(["`/constructor` must be a string"]);
    const p = compile(JSON.parse('{"properties": {"__proto__": {"type": "string"}}, "additionalProperties": false}'));
    expect(p(JSON.parse('{"__proto__": "x"}'))).toBeNull();
    expect(p(JSON.parse('{"__proto__": 1}'))).toEqual(["`/__proto__` must be a string"]);
    expect(p(JSON.parse('{"toString": 1}'))).toEqual(["`/toString` is not allowed"]);
  });

  it("handles lone surrogates", () => {
    const v = compile({ type: "string", maxLength: 2, pattern: "^.+$" });
    expect(v("\ud800\udc00\udfff")).toBeNull();
    expect(v("\ud800\ud800\ud800")).toEqual(["value must be at most 2 characters long"]);
  });
});
