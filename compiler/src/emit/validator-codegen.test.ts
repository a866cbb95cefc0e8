import { runInNewContext } from "node:vm";
import fc from "fast-check";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { objectOf, rootSchemaArb, valueArb } from "../manifest/__fixtures__/schema-arbitraries.js";
import type { JsonSchema } from "../manifest/types.js";
import { validate } from "../manifest/validate.js";
import * as runtime from "@agentpolicy/runtime";
import { compileLinearRegex } from "@agentpolicy/runtime";
import { generateValidator, VALIDATOR_RUNTIME_NAMES } from "./validator-codegen.js";

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
type Fast = (value: unknown) => boolean;

/** Compiles a schema and loads the validator and its fast path the way a guard module would hold them. */
function load(schema: JsonSchema, name = "validateArgs"): { fn: Compiled; fast: Fast } {
  const { code, helpers } = generateValidator(schema, name);
  const factory = new Function("deepEqual", "codePointLength", "compileLinearRegex", `"use strict";\n${helpers.join("\n")}\n${code}\nreturn [${name}, ${name}_ok];`);
  const [fn, fast] = factory(deepEqual, codePointLength, compileLinearRegex) as [Compiled, Fast];
  return { fn, fast };
}

function compile(schema: JsonSchema, name = "validateArgs"): Compiled {
  return load(schema, name).fn;
}

/** The fast path's answer; an exception counts as "not accepted" (the validator then runs the full check). */
function fastAccepts(fast: Fast, value: unknown): boolean {
  try {
    return fast(value);
  } catch {
    return false;
  }
}

/**
 * One `check` helper: the generated validator says exactly what `validate()` says, and on these
 * (JSON) values its fast path accepts exactly the valid ones, so valid values never pay for the full check.
 */
function check(schema: JsonSchema, values: readonly unknown[]): void {
  const { fn, fast } = load(schema);
  for (const value of values) {
    const expected = validate(schema, value);
    const what = `schema ${JSON.stringify(schema)}\nvalue ${JSON.stringify(value)}`;
    expect(fn(value), what).toEqual(expected.length === 0 ? null : expected);
    expect(fast(value), what).toBe(expected.length === 0);
  }
}

/** For values that are not plain JSON: the same messages as `validate()`, and the fast path never accepts an invalid one. */
function checkOdd(schema: JsonSchema, values: readonly unknown[]): void {
  const { fn, fast } = load(schema);
  values.forEach((value, i) => {
    const expected = validate(schema, value);
    expect(fn(value), `schema ${JSON.stringify(schema)}, value #${i}`).toEqual(expected.length === 0 ? null : expected);
    if (expected.length > 0) expect(fastAccepts(fast, value), `schema ${JSON.stringify(schema)}, value #${i}`).toBe(false);
  });
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

  it("tries one boolean fast path first, and builds messages only when it fails", () => {
    const { code, helpers } = generateValidator({ type: "object", properties: { a: { type: "array", items: { type: "string" } } }, required: ["a"] }, "v");
    expect(code).toContain("if (v_ok(value)) return null;");
    expect(code).toContain("return v_all(value);");
    const fast = helpers.find((h) => h.startsWith("function v_ok("))!;
    expect(fast).toBeDefined();
    // No messages, no allocation, no closures, and no separate JSON pass on the fast path.
    expect(fast).not.toMatch(/push|Object\.keys|=>|\[\]|_json|_isj\(v,/);
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
      { $defs: { s: { type: "string" } }, properties: { a: { $ref: "#/$defs/s" }, b: { allOf: [{ $ref: "#/$defs/s" }, { minLength: 1 }] } } },
      { type: "object", properties: Object.fromEntries(Array.from({ length: 34 }, (_, i) => [`k${i}`, { enum: Array.from({ length: 10 }, (_, j) => j * i) }])), required: ["k0", "k31"] },
      { type: "object", properties: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, {}])), required: ["k30"], dependentRequired: { k1: ["k2"] }, dependentSchemas: { k3: false } },
      { items: [{ enum: [1, "a", null] }], additionalItems: { const: [1] }, uniqueItems: true, minItems: 1 },
      {},
      false,
    ];
    const parts = [
      "declare function deepEqual(a: unknown, b: unknown): boolean;",
      "declare function codePointLength(s: string): number;",
      "declare function compileLinearRegex(pattern: string): { test(s: string): boolean } | null;",
    ];
    schemas.forEach((s, i) => {
      const g = generateValidator(s, `v${i}`, { typescript: true });
      expect(g.code.startsWith(`function v${i}(value: unknown): string[] | null {`)).toBe(true);
      parts.push(...g.helpers, g.code);
    });
    parts.push(`export { ${schemas.map((_, i) => `v${i}`).join(", ")} };`);
    expect(typeCheck(parts.join("\n"))).toEqual([]);
  });
});

/** Type-checks one module text under the project's strict settings; returns the error messages. */
function typeCheck(text: string): string[] {
  const fileName = "/virtual/validators.ts";
  const options: ts.CompilerOptions = { strict: true, noUnusedLocals: true, noUnusedParameters: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2023.d.ts"], module: ts.ModuleKind.ES2022, noEmit: true, types: [] };
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

  it("enforces nested quantifiers in linear time, without hanging", () => {
    const schema = { type: "object", properties: { code: { type: "string", pattern: "^(a+)+$" } } };
    const hostile = { code: "a".repeat(40) + "!" };
    check(schema, [hostile, { code: "aaaa" }, { code: "a".repeat(999) + "!" }]);
    expect(compile(schema)(hostile)).toEqual(["`/code` must match the pattern `^(a+)+$`"]);
    expect(compile(schema)({ code: "aaaa" })).toBeNull();
    check({ patternProperties: { "^(x+x+)+y$": false }, propertyNames: { pattern: "^(\\w+\\s?)*$" } }, [
      objectOf([["x".repeat(40), 1], ["hello world" + " x".repeat(400) + "!", 2]]),
      objectOf([["xxy", 1]]),
    ]);
  });

  it("fails closed on nested quantifiers it cannot match in linear time", () => {
    const schema = { properties: { a: { pattern: "^(a+)+(?=b)" } }, patternProperties: { "(\\w+)+\\1": true } };
    check(schema, [{ a: "aab" }, { a: 1 }, objectOf([["xx", 1]]), {}]);
    expect(compile(schema)({ a: "aab" })).toEqual([
      "`/a` cannot be checked: the pattern `^(a+)+(?=b)` cannot be enforced safely",
      "`/a` cannot be checked: the pattern `(\\w+)+\\1` cannot be enforced safely",
    ]);
    // A lookaround without a nested quantifier keeps the native matcher (and the 1,000 code point cap).
    check({ pattern: "^a(?=b)" }, ["ab", "ac", "a".repeat(1001)]);
  });

  it("imports only run-time helpers that exist", () => {
    for (const name of VALIDATOR_RUNTIME_NAMES) expect(typeof (runtime as Record<string, unknown>)[name]).toBe("function");
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

  it("rejects them on the fast path too, wherever they sit", () => {
    class Point {
      x = 1;
    }
    const odd: unknown[] = [Number.NaN, Number.NEGATIVE_INFINITY, undefined, () => 1, new Map(), new Set([1]), 5n, Symbol("s"), new Date(0), new Point(), Object.create(new Point()), new Proxy([], {}), [1, , 2]];
    const inside = (x: unknown): unknown[] => [x, [x], { a: x }, objectOf([["__proto__", x]]), { a: [{ b: x }] }, [[1, [x]]]];
    const values = odd.flatMap(inside);
    const schemas: JsonSchema[] = [
      {},
      true,
      { type: ["number", "array", "object", "null", "boolean"] },
      JSON.parse('{"type": "object", "properties": {"a": {"type": "array"}, "__proto__": {}}, "additionalProperties": {"type": "number"}}') as JsonSchema,
      { type: "object", properties: { a: {} }, required: ["a"] },
      { items: { type: "object", properties: { b: { minimum: 0 } } }, prefixItems: [{}] },
      { anyOf: [{ type: "array", items: { $ref: "#" } }, { type: "object", additionalProperties: { $ref: "#" } }, { type: "number" }] },
      { patternProperties: { "^a": true, "^_": { type: "number" } }, additionalProperties: false },
      { enum: [1, [1], { a: 1 }] },
      { minimum: 0, maxLength: 3, minItems: 0, minProperties: 0 },
      { $ref: "#/$defs/any", $defs: { any: {} } },
      { allOf: [{}, { not: { type: "string" } }] },
    ];
    for (const s of schemas) checkOdd(s, values);
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

  it("reads nothing of a value before knowing it is JSON", () => {
    let reads = 0;
    class Box {}
    const box = new Box();
    Object.defineProperty(box, "a", {
      enumerable: true,
      get() {
        reads++;
        return 1;
      },
    });
    const schemas: JsonSchema[] = [
      { enum: [{ a: 1 }, 2] },
      { const: { a: 1 } },
      { anyOf: [{ required: ["a"] }, { const: [{ a: 1 }] }] },
      { type: "object", properties: { a: {} }, required: ["a"] },
      { dependentSchemas: { a: { properties: { a: { const: 1 } } } } },
      { uniqueItems: true, contains: { const: { a: 1 } } },
      { not: { type: "array", items: { $ref: "#" } } },
      { unevaluatedProperties: false, unevaluatedItems: { properties: { a: false } } },
    ];
    for (const schema of schemas) checkOdd(schema, [box, [box], [{ a: 1 }, box], { b: box }]);
    expect(reads).toBe(0);
  });

  it("sees non-enumerable and inherited properties as validate() does", () => {
    const hidden = (entries: Record<string, unknown>, hiddenEntries: Record<string, unknown>): object => {
      const o = objectOf(Object.entries(entries));
      for (const [k, v] of Object.entries(hiddenEntries)) Object.defineProperty(o, k, { value: v, enumerable: false });
      return o;
    };
    const base = Object.create(null, { a: { value: "x", enumerable: true }, b: { value: 1, enumerable: true } });
    const on = (entries: Record<string, unknown>): object => {
      const o = Object.create(base);
      for (const [k, v] of Object.entries(entries)) Object.defineProperty(o, k, { value: v, enumerable: true });
      return o;
    };
    const values: unknown[] = [
      hidden({ b: 1 }, { a: 1 }),
      hidden({ b: 1 }, { a: "x" }),
      hidden({ b: 1 }, { a: undefined }),
      hidden({ a: "x" }, { b: 1 }),
      hidden({ a: "x" }, { b: () => 1 }),
      hidden({ a: "x", b: 2 }, { c: 1, constructor: 1 }),
      hidden({ a: "x", b: 2, d: 1 }, { e: 1 }),
      Object.create(base),
      on({ b: 2 }),
      on({ a: 3, b: 2 }),
    ];
    const schemas: JsonSchema[] = [
      { type: "object", properties: { a: { type: "string" } }, required: ["b"] },
      { properties: { a: { type: "string" }, constructor: { type: "string" }, b: {} } },
      { required: ["a", "b"], additionalProperties: false },
      { dependentRequired: { d: ["e"], a: ["c"] }, dependentSchemas: { b: { required: ["c"] } } },
      { properties: { a: {}, b: {} }, minProperties: 2, maxProperties: 2 },
      { properties: { e: { const: 1 } }, patternProperties: { "^[ab]$": { type: ["string", "integer"] } } },
    ];
    for (const schema of schemas) checkOdd(schema, values);
  });

  it("is not misled by properties added to Object.prototype", () => {
    const proto = Object.prototype as Record<string, unknown>;
    Object.defineProperty(proto, "apOptional", { value: 5, enumerable: false, configurable: true, writable: true });
    Object.defineProperty(proto, "apRequired", { value: "x", enumerable: false, configurable: true, writable: true });
    proto.apEnumerable = () => 1;
    try {
      const schema: JsonSchema = { type: "object", properties: { apOptional: { type: "string" }, apRequired: { type: "string" } }, required: ["apRequired"] };
      const values: unknown[] = [{}, { apRequired: "y" }, { apRequired: "y", apOptional: "z" }, { apOptional: 1 }, Object.create(null), JSON.parse('{"apRequired": "y"}')];
      checkOdd(schema, values);
      checkOdd({ additionalProperties: false }, values);
      checkOdd({}, values);
      expect(compile(schema)({ apRequired: "y" })).toBeNull();
      expect(compile(schema)({})).toEqual(["`/apRequired` is required"]);
    } finally {
      delete proto.apOptional;
      delete proto.apRequired;
      delete proto.apEnumerable;
    }
  });

  it("accepts valid values without the full check when optional keys are named like Object.prototype members", () => {
    const schema = JSON.parse(
      '{"type": "object", "properties": {"constructor": {"type": "string"}, "toString": {"type": "integer"}, "__proto__": {"type": "array"}, "hasOwnProperty": {}, "a": {}}, "dependentRequired": {"valueOf": ["a"]}}',
    ) as JsonSchema;
    check(schema, [{}, { a: 1 }, JSON.parse('{"constructor": "x", "__proto__": [1]}'), JSON.parse('{"toString": 1.5}'), JSON.parse('{"valueOf": 1}'), Object.create(null)]);
  });

  it("bounds nesting exactly where validate() does", () => {
    const nest = (depth: number, wrap: (x: unknown) => unknown): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = wrap(v);
      return v;
    };
    const schemas: JsonSchema[] = [
      {},
      { $defs: { n: { type: ["object", "integer"], properties: { c: { $ref: "#/$defs/n" } } } }, $ref: "#/$defs/n" },
      { anyOf: [{ type: "integer" }, { type: "array", items: { $ref: "#" } }] },
      { items: { items: { items: {} } } },
      { properties: { c: { properties: { c: { $ref: "#" } } } } },
    ];
    const values: unknown[] = [];
    for (const depth of [98, 99, 100, 101, 102]) values.push(nest(depth, (x) => ({ c: x })), nest(depth, (x) => [x]), nest(depth, (x) => ({ c: [x] })));
    for (const schema of schemas) check(schema, values);
  });

  it("handles objects naming many keys", () => {
    for (const count of [29, 31, 32, 33, 45]) {
      const names = Array.from({ length: count }, (_, i) => `k${i}`);
      const schema: JsonSchema = {
        type: "object",
        properties: Object.fromEntries(names.map((k, i) => [k, i % 2 === 0 ? { type: "integer" } : { type: "string" }])),
        required: names.filter((_, i) => i % 7 === 3),
        dependentRequired: { [names[count - 1]]: [names[0]] },
      };
      const full = Object.fromEntries(names.map((k, i) => [k, i % 2 === 0 ? i : `s${i}`]));
      const values: unknown[] = [full, { ...full, extra: [null] }, { ...full, k0: "x" }, { ...full, [names[count - 2]]: 1 }];
      const partial = Object.fromEntries(Object.entries(full).filter((_, i) => i % 3 !== 0));
      values.push(partial, { ...partial, k3: 3 });
      const withoutFirst: Record<string, unknown> = { ...full };
      delete withoutFirst.k0;
      values.push(withoutFirst);
      check(schema, values);
      checkOdd(schema, [{ ...full, extra: Number.NaN }, Object.defineProperty({ ...partial }, "k0", { value: "x", enumerable: false })]);
    }
  });

  it("does not take a non-finite `enum` or `const` member as proof of a number", () => {
    checkOdd({ enum: [1, Number.POSITIVE_INFINITY] } as JsonSchema, [1, Number.POSITIVE_INFINITY, Number.NaN, 2]);
    checkOdd({ type: "number", const: Number.NEGATIVE_INFINITY } as JsonSchema, [Number.NEGATIVE_INFINITY, 1]);
    checkOdd({ enum: Array.from({ length: 12 }, (_, i) => i).concat([Number.NaN, Number.POSITIVE_INFINITY]) } as JsonSchema, [Number.NaN, Number.POSITIVE_INFINITY, null, 3, 13]);
    checkOdd({ enum: [Number.NEGATIVE_INFINITY] } as JsonSchema, [null, Number.NEGATIVE_INFINITY]);
  });

  it("handles lone surrogates", () => {
    const v = compile({ type: "string", maxLength: 2, pattern: "^.+$" });
    expect(v("\ud800\udc00\udfff")).toBeNull();
    expect(v("\ud800\ud800\ud800")).toEqual(["value must be at most 2 characters long"]);
  });
});
