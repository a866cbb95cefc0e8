import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rootSchemaArb } from "./__fixtures__/schema-arbitraries.js";
import { schemaToRecord, schemaToType, sensitivePathsOf } from "./normalize.js";
import { type JsonSchema, type RecordType, type Type, typeToString } from "./types.js";

/** One `check` helper: the type a schema normalizes to, as messages render it. */
function check(schema: JsonSchema, expected: string, root: JsonSchema = schema): void {
  expect(typeToString(schemaToType(schema, root))).toBe(expected);
}

function record(schema: JsonSchema): RecordType {
  return schemaToRecord(schema);
}

describe("schemaToType: keywords to types", () => {
  it("type names and unions of them", () => {
    check({ type: "string" }, "string");
    check({ type: "number" }, "number");
    check({ type: "integer" }, "integer");
    check({ type: "boolean" }, "boolean");
    check({ type: "null" }, "null");
    check({ type: ["string", "null"] }, "string | null");
    check({ type: ["integer", "string"] }, "integer | string");
    check({ type: "array" }, "[any]");
    check({ type: "object" }, "{}");
    check({ type: "strin" }, "never");
  });

  it("true, {}, false and constraint-only schemas", () => {
    check(true, "any");
    check({}, "any");
    check(false, "never");
    check({ minLength: 3 }, "any");
    check({ description: "x", format: "uri", type: "string" }, "string");
  });

  it("enum and const become literal types, filtered by type", () => {
    check({ enum: ["a", "b"] }, '"a" | "b"');
    check({ type: "string", enum: ["a", 1, null] }, '"a"');
    check({ type: ["string", "null"], enum: ["a", null] }, '"a" | null');
    check({ type: "integer", enum: [1, 1.5, 2] }, "1 | 2");
    check({ const: 3 }, "3");
    check({ const: true }, "true");
    check({ type: "string", const: 3 }, "never");
    check({ enum: [[1], { a: 1 }] }, "[any] | {}");
    check({ enum: ["a", "a"] }, '"a"');
  });

  it("items, prefixItems and tuples", () => {
    check({ type: "array", items: { type: "string" } }, "[string]");
    check({ items: { type: "integer" } }, "[integer]");
    check({ type: "array", items: { type: "array", items: { enum: ["x"] } } }, '[["x"]]');
    check({ type: "array", prefixItems: [{ type: "string" }], items: { type: "number" } }, "[any]");
    check({ type: "array", items: [{ type: "string" }] }, "[any]");
  });

  it("properties, required and additionalProperties", () => {
    const r = record({ type: "object", properties: { id: { type: "string", description: "The id." }, n: { type: "integer" } }, required: ["id"] });
    expect(typeToString(r)).toBe("{ id: string, n?: integer }");
    expect(r.open).toBe(true);
    expect(r.fields.get("id")!.description).toBe("The id.");
    expect(r.fields.get("n")!.description).toBeNull();
    expect(record({ type: "object", properties: {}, additionalProperties: false }).open).toBe(false);
    expect(record({ type: "object", additionalProperties: { type: "string" } }).open).toBe(true);
    expect(record({ type: "object", additionalProperties: true }).open).toBe(true);
    expect(typeToString(record({ type: "object", required: ["x"], additionalProperties: { type: "number" } }))).toBe("{ x: number }");
    expect(typeToString(record({ properties: { a: { type: "boolean" } } }))).toBe("{ a?: boolean }");
  });

  it("nullable through anyOf / oneOf, and unions", () => {
    check({ anyOf: [{ type: "string" }, { type: "null" }] }, "string | null");
    check({ oneOf: [{ type: "integer" }, { type: "string", enum: ["auto"] }] }, 'integer | "auto"');
    check({ anyOf: [{ type: "string" }, {}] }, "any");
    check({ anyOf: [{ type: "string" }, { type: "string" }] }, "string");
    check({ type: "string", anyOf: [{ enum: ["a"] }, { enum: [1] }] }, '"a"');
    check({ type: "number", oneOf: [{ type: "integer" }, { type: "string" }] }, "integer");
  });

  it("anyOf members meet the sibling keywords", () => {
    const r = record({ type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, anyOf: [{ required: ["a"] }, { required: ["b"] }] });
    expect(typeToString(r)).toBe("{ a?: string, b?: string }");
    const u = record({ type: "object", anyOf: [{ properties: { kind: { const: "a" }, x: { type: "string" } }, required: ["kind"] }, { properties: { kind: { const: "b" } }, required: ["kind"] }] });
    expect(typeToString(u)).toBe('{ kind: "a" | "b", x?: string }');
  });

  it("local $ref to $defs and definitions, with siblings", () => {
    const root = { $defs: { color: { enum: ["red", "blue"], description: "A color." } }, definitions: { n: { type: "integer" } } };
    check({ $ref: "#/$defs/color" }, '"red" | "blue"', root);
    check({ $ref: "#/definitions/n" }, "integer", root);
    check({ $ref: "#/definitions/n", const: 2 }, "2", root);
    check({ $ref: "#/$defs/missing" }, "any", root);
    check({ $ref: "https://example.com/x.json" }, "any", root);
    const r = record({ type: "object", properties: { c: { $ref: "#/$defs/c" } }, $defs: { c: { type: "string", description: "From the def." } } });
    expect(r.fields.get("c")!.description).toBe("From the def.");
  });

  it("recursive refs terminate", () => {
    const tree = { $defs: { node: { type: "object", properties: { value: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/node" } } } } }, $ref: "#/$defs/node" };
    const t = schemaToType(tree, tree);
    expect(t.kind).toBe("record");
    let depth = 0;
    let cur: Type = t;
    while (cur.kind === "record") {
      const children = cur.fields.get("children")!.type;
      if (children.kind !== "list") break;
      cur = children.element;
      depth++;
    }
    expect(cur.kind).toBe("any");
    expect(depth).toBeGreaterThanOrEqual(1);
    expect(depth).toBeLessThan(5);
    check({ $ref: "#" }, "any");
    const mutual = { $defs: { a: { type: "object", properties: { b: { $ref: "#/$defs/b" } } }, b: { type: "array", items: { $ref: "#/$defs/a" } } }, $ref: "#/$defs/a" };
    expect(schemaToType(mutual, mutual).kind).toBe("record");
  });

  it("stays bounded on wide, shared definitions", () => {
    const defs: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++) defs[`d${i}`] = { type: "object", properties: { l: { $ref: `#/$defs/d${i + 1}` }, r: { $ref: `#/$defs/d${i + 1}` } } };
    defs.d30 = { type: "string" };
    const schema = { $defs: defs, $ref: "#/$defs/d0" };
    const started = Date.now();
    expect(schemaToType(schema, schema).kind).toBe("record");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("never throws", () => {
    fc.assert(
      fc.property(rootSchemaArb(), (schema) => {
        const t = schemaToType(schema, schema);
        expect(typeof typeToString(t)).toBe("string");
        expect(schemaToRecord(schema).kind).toBe("record");
      }),
      { numRuns: 300, seed: 11 },
    );
    for (const bad of [null, 3, "x", [], { type: 5 }, { properties: [] }, { enum: "x" }, { anyOf: {} }] as unknown[]) {
      expect(() => schemaToType(bad as JsonSchema, bad as JsonSchema)).not.toThrow();
    }
  });
});

describe("sensitive fields", () => {
  it("writeOnly and format password, through refs and anyOf, in lists", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: {
        user: { type: "string" },
        password: { type: "string", format: "password" },
        token: { anyOf: [{ type: "string", writeOnly: true }, { type: "null" }] },
        creds: { type: "array", items: { $ref: "#/$defs/cred" } },
      },
      $defs: { cred: { type: "object", properties: { secret: { $ref: "#/$defs/secret" }, name: { type: "string" } } }, secret: { type: "string", writeOnly: true } },
    };
    const r = record(schema);
    expect(r.fields.get("password")!.sensitive).toBe(true);
    expect(r.fields.get("token")!.sensitive).toBe(true);
    expect(r.fields.get("user")!.sensitive).toBe(false);
    expect(sensitivePathsOf(r)).toEqual([["password"], ["token"], ["creds", "*", "secret"]]);
  });
});

describe("schemaToRecord", () => {
  it("joins a union of object schemas into one record", () => {
    const r = record({ anyOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { type: "object", properties: { a: { type: "integer" }, b: {} }, required: ["a"] }] });
    expect(typeToString(r)).toBe("{ a: string | integer, b?: any }");
  });

  it("uses the locator for field sources", () => {
    const r = schemaToRecord(
      { type: "object", properties: { a: {}, "x/y": {} }, required: ["b"] },
      { file: "/m.json", locate: (p) => ({ start: p.length, end: p.length + 1 }) },
    );
    expect(r.fields.get("a")!.source).toEqual({ file: "/m.json", span: { start: "/properties/a".length, end: "/properties/a".length + 1 } });
    expect(r.fields.get("x/y")!.source!.span.start).toBe("/properties/x~1y".length);
    expect(r.fields.get("b")!.source!.span.start).toBe("/required/0".length);
  });
});
