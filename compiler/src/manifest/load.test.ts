import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadManifest, parseManifest } from "./load.js";
import { type Manifest, type ToolInfo, typeToString } from "./types.js";
import { validate } from "./validate.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

function parse(text: string | unknown, alias = "m"): Manifest {
  return parseManifest(typeof text === "string" ? text : JSON.stringify(text, null, 2), "/work/m.json", alias);
}

function tool(m: Manifest, name: string): ToolInfo {
  const t = m.tools.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no tool ${name}`);
  return t;
}

const errors = (m: Manifest): string[] => m.problems.filter((p) => p.severity === "error").map((p) => p.message);
const warnings = (m: Manifest): string[] => m.problems.filter((p) => p.severity === "warning").map((p) => p.message);
const slice = (m: Manifest, span: { start: number; end: number } | null | undefined): string => (span ? m.text.slice(span.start, span.end) : "<none>");

const mcpTool = (name: string, inputSchema: unknown = { type: "object" }, extra: object = {}) => ({ name, inputSchema, ...extra });

describe("formats", () => {
  it("reads an MCP tools/list result", () => {
    const m = loadManifest(fixture("mcp.tools.json"), "inv");
    expect(m.format).toBe("mcp");
    expect(errors(m)).toEqual([]);
    expect(m.tools.map((t) => t.qualified)).toEqual(["inv.search", "inv.create_order", "inv.odd"]);
    const search = tool(m, "search");
    expect(search.alias).toBe("inv");
    expect(search.description).toBe("Full-text search.");
    expect(typeToString(search.input)).toBe("{ query: string, limit?: integer }");
    expect(search.input.open).toBe(false);
    expect(search.input.fields.get("query")!.description).toBe("What to look for.");
    expect(tool(m, "odd").description).toBeNull();
  });

  it("reads a bare array of MCP tools", () => {
    const m = parse([mcpTool("a"), mcpTool("b", { type: "object", properties: { x: { type: "boolean" } } })]);
    expect(m.format).toBe("mcp");
    expect(errors(m)).toEqual([]);
    expect(typeToString(tool(m, "b").input)).toBe("{ x?: boolean }");
  });

  it("reads OpenAI function tools; no `parameters` means no arguments (extras still pass)", () => {
    const m = loadManifest(fixture("openai.tools.json"), "w");
    expect(m.format).toBe("openai");
    expect(m.problems).toEqual([]);
    expect(typeToString(tool(m, "get_weather").input)).toBe('{ city: string, unit: "c" | "f" }');
    const ping = tool(m, "ping");
    expect(ping.schema).toEqual({ type: "object", properties: {} });
    expect(ping.input.fields.size).toBe(0);
    expect(ping.input.open).toBe(true);
    expect(validate(ping.schema, {})).toEqual([]);
    expect(validate(ping.schema, { extra: 1 })).toEqual([]);
    expect(validate(ping.schema, "x")).toEqual(["value must be an object"]);
    expect(ping.annotations).toEqual({ readOnly: false, destructive: true, idempotent: false, openWorld: true });
  });

  it("accepts OpenAI tools under `tools` and the flat Responses form", () => {
    const m = parse({ tools: [{ type: "function", name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } }, { type: "function", function: { name: "g" } }] });
    expect(m.format).toBe("openai");
    expect(errors(m)).toEqual([]);
    expect(typeToString(tool(m, "f").input)).toBe("{ a?: string }");
  });

  it("treats an empty array as an MCP manifest without tools", () => {
    const m = parse("[]");
    expect(m.format).toBe("mcp");
    expect(m.tools).toEqual([]);
    expect(m.problems).toEqual([]);
  });

  it("tolerates a byte-order mark without moving offsets", () => {
    const text = `\ufeff${JSON.stringify({ tools: [mcpTool("a")] })}`;
    const m = parseManifest(text, "/m.json", "m");
    expect(errors(m)).toEqual([]);
    expect(slice(m, tool(m, "a").source.nameSpan)).toBe('"a"');
  });
});

describe("problems", () => {
  it("a missing file", () => {
    const m = loadManifest("/nonexistent/dir/x.json", "x");
    expect(m.format).toBe("unknown");
    expect(errors(m)).toEqual([expect.stringMatching(/^cannot read the file: .*ENOENT/)]);
    const custom = loadManifest("/x.json", "x", () => {
      throw new Error("denied");
    });
    expect(errors(custom)).toEqual(["cannot read the file: denied"]);
  });

  it("text that is not JSON", () => {
    for (const text of ["", "{", '{"tools": [}', "// c\n[]", "[1,]", "nope"]) {
      const m = parse(text);
      expect(m.format).toBe("unknown");
      expect(errors(m)).toEqual([expect.stringMatching(/^not valid JSON/)]);
    }
    expect(parse("{ x").problems[0].span).not.toBeNull();
  });

  it("no known format", () => {
    for (const v of [{ tool: [] }, { tools: {} }, 3, "x", null]) {
      const m = parse(JSON.stringify(v));
      expect(m.format).toBe("unknown");
      expect(errors(m)).toEqual([expect.stringMatching(/^not a known manifest format/)]);
    }
  });

  it("entries that are not tools, without names or without schemas", () => {
    const m = parse([mcpTool("ok"), { inputSchema: { type: "object" } }, { name: "", inputSchema: {} }, { name: 3, inputSchema: {} }, { name: "noschema" }, 7]);
    expect(m.tools.map((t) => t.name)).toEqual(["ok"]);
    expect(errors(m)).toEqual([
      "entry 2 has no `name`",
      "entry 3: `name` must be a non-empty string",
      "entry 4: `name` must be a non-empty string",
      "tool `noschema` has no `inputSchema`",
      "entry 6 is not an MCP tool (an object with `name` and `inputSchema`)",
    ]);
    const o = parse([{ type: "function", function: { name: "f" } }, { type: "function", function: 3 }, { type: "function" }, mcpTool("mcp")]);
    expect(o.tools.map((t) => t.name)).toEqual(["f"]);
    expect(errors(o)).toHaveLength(3);
  });

  it("a schema root that is not an object schema", () => {
    const m = parse([mcpTool("a", { type: "string" }), mcpTool("b", true), mcpTool("c", [1]), mcpTool("d", { type: ["object", "null"] }), mcpTool("e", { properties: {} }), mcpTool("f", { type: ["object"] })]);
    expect(m.tools.map((t) => t.name)).toEqual(["e", "f"]);
    expect(errors(m)).toEqual([
      'tool `a`: its input schema must describe an object (`"type": "object"`), not "string"',
      'tool `b`: its input schema must be an object schema (`{ "type": "object", ... }`)',
      'tool `c`: its input schema must be an object schema (`{ "type": "object", ... }`)',
      'tool `d`: its input schema must describe an object (`"type": "object"`), not ["object","null"]',
    ]);
    expect(slice(m, m.problems[0].span)).toBe('"type"');
  });

  it("two tools with one name", () => {
    const m = parse([mcpTool("a"), mcpTool("b"), mcpTool("a", { type: "object", properties: { x: {} } })]);
    expect(m.tools.map((t) => t.name)).toEqual(["a", "b"]);
    expect(tool(m, "a").input.fields.size).toBe(0);
    expect(errors(m)).toEqual(["two tools are named `a` (entries 1 and 3); the later one is ignored"]);
    expect(m.problems[0].span!.start).toBe(m.text.lastIndexOf('"a"'));
  });

  it("schema errors: malformed keywords, bad refs, invalid patterns, endless refs", () => {
    const m = parse([
      mcpTool("t", {
        type: "object",
        properties: {
          a: { type: "string", minLength: -1 },
          b: { $ref: "#/$defs/missing" },
          c: { type: "string", pattern: "(" },
          d: { $ref: "other.json#/x" },
          e: { type: "strng" },
        },
      }),
      mcpTool("loop", { type: "object", $ref: "#" }),
    ]);
    expect(m.tools.map((t) => t.name)).toEqual(["t", "loop"]);
    const errs = errors(m);
    expect(errs).toContain("tool `t`: `minLength` must be a non-negative integer (at `#/properties/a/minLength`)");
    expect(errs).toContain("tool `t`: `$ref` `#/$defs/missing` cannot be resolved (only local references to schemas are supported) (at `#/properties/b/$ref`)");
    expect(errs.some((e) => e.startsWith("tool `t`: pattern `(` is not a valid regular expression"))).toBe(true);
    expect(errs.some((e) => e.includes("`other.json#/x` cannot be resolved"))).toBe(true);
    expect(errs).toContain("tool `t`: `type` names an unknown type `strng` (at `#/properties/e/type`)");
    expect(errs.some((e) => e.startsWith("tool `loop`: the schema refers to itself"))).toBe(true);
    const minLength = m.problems.find((p) => p.message.includes("minLength"))!;
    expect(slice(m, minLength.span)).toBe('"minLength"');
  });

  it("warnings for keywords not used for typing, naming tool, keyword and pointer", () => {
    const m = loadManifest(fixture("mcp.tools.json"), "inv");
    expect(warnings(m)).toEqual([
      "tool `odd`: pattern `^(a+)+$` can backtrack catastrophically (it applies a quantifier (`+`) to a group that contains a quantifier); it is enforced only on strings of at most 1000 characters (at `#/properties/code/pattern`)",
      "tool `odd`: keyword `x-vendor` at `#` is not supported and is ignored",
      "tool `odd`: keyword `patternProperties` at `#/properties/meta` is not used for typing (it is still enforced)",
      "tool `odd`: keyword `not` at `#/properties/n` is not used for typing (it is still enforced)",
    ]);
    const not = m.problems.find((p) => p.message.includes("`not`"))!;
    expect(slice(m, not.span)).toBe('"not"');
  });

  it("annotation keywords and unlisted members are silent; every enforced keyword warns", () => {
    const silent = parse({
      tools: [
        mcpTool(
          "s",
          { $schema: "x", $id: "y", $comment: "c", title: "t", description: "d", default: {}, examples: [{}], deprecated: false, readOnly: false, writeOnly: false, type: "object", properties: { a: { type: "string", format: "email" } } },
          { title: "T", outputSchema: {}, execution: {}, icons: [], _meta: {} },
        ),
      ],
      nextCursor: "n",
      _meta: {},
    });
    expect(silent.problems).toEqual([]);
    const enforced = ["not", "if", "then", "else", "allOf", "patternProperties", "propertyNames", "prefixItems", "contains", "minContains", "maxContains", "dependentRequired", "dependentSchemas", "minProperties", "maxProperties", "unevaluatedItems", "unevaluatedProperties"];
    for (const k of enforced) {
      const value = k.endsWith("Contains") || k.endsWith("Properties") && k.startsWith("m") ? 1 : k === "dependentRequired" ? { a: ["b"] } : k === "prefixItems" || k === "allOf" ? [{}] : k === "patternProperties" || k === "dependentSchemas" ? { a: {} } : {};
      const m = parse([mcpTool("t", { type: "object", [k]: value })]);
      expect(errors(m), k).toEqual([]);
      expect(warnings(m), k).toEqual([`tool \`t\`: keyword \`${k}\` at \`#\` is not used for typing (it is still enforced)`]);
    }
    const tuple = parse([mcpTool("t", { type: "object", properties: { p: { type: "array", items: [{ type: "string" }], additionalItems: false } } })]);
    expect(warnings(tuple)).toEqual([
      "tool `t`: keyword `items` at `#/properties/p` in its draft-07 tuple form is not used for typing (it is enforced as `prefixItems`)",
      "tool `t`: keyword `additionalItems` at `#/properties/p` is not used for typing (it is still enforced)",
    ]);
  });

  it("caps the number of warnings", () => {
    const props: Record<string, unknown> = {};
    for (let i = 0; i < 80; i++) props[`p${i}`] = { "x-k": 1 };
    const m = parse([mcpTool("t", { type: "object", properties: props })]);
    expect(warnings(m)).toHaveLength(51);
    expect(warnings(m)[50]).toBe("30 more schema keyword warnings are not shown");
  });

  it("never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ tools: [{ name: "t", inputSchema: v }] }))), (text) => {
        const m = parseManifest(text, "/m.json", "m");
        expect(Array.isArray(m.problems)).toBe(true);
      }),
      { numRuns: 500, seed: 5 },
    );
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(errors(parseManifest(deep, "/m.json", "m"))).toHaveLength(1);
    const deepSchema = `{"tools":[{"name":"t","inputSchema":{"type":"object","properties":{"a":${'{"items":'.repeat(200)}{}${"}".repeat(200)}}}}]}`;
    expect(() => parseManifest(deepSchema, "/m.json", "m")).not.toThrow();
  });
});

describe("annotations", () => {
  const ann = (annotations?: unknown) => {
    const m = parse([mcpTool("t", { type: "object" }, annotations === undefined ? {} : { annotations })]);
    return { annotations: tool(m, "t").annotations, warnings: warnings(m) };
  };

  it("MCP defaults", () => {
    expect(ann().annotations).toEqual({ readOnly: false, destructive: true, idempotent: false, openWorld: true });
    expect(ann({}).annotations).toEqual({ readOnly: false, destructive: true, idempotent: false, openWorld: true });
    expect(ann({ readOnlyHint: true }).annotations).toEqual({ readOnly: true, destructive: false, idempotent: false, openWorld: true });
    expect(ann({ readOnlyHint: true, destructiveHint: true }).annotations.destructive).toBe(true);
    expect(ann({ readOnlyHint: false, destructiveHint: false }).annotations.destructive).toBe(false);
    expect(ann({ idempotentHint: true, openWorldHint: false }).annotations).toEqual({ readOnly: false, destructive: true, idempotent: true, openWorld: false });
  });

  it("hints that are not booleans are ignored with a warning", () => {
    const r = ann({ readOnlyHint: "yes", openWorldHint: null });
    expect(r.annotations).toEqual({ readOnly: false, destructive: true, idempotent: false, openWorld: true });
    expect(r.warnings).toEqual(["tool `t`: annotation `readOnlyHint` is not a boolean and is ignored"]);
    expect(ann([]).warnings).toEqual(["tool `t`: `annotations` is not an object and is ignored"]);
  });
});

describe("types, positions and sensitive paths", () => {
  const m = loadManifest(fixture("mcp.tools.json"), "inv");

  it("normalizes the argument types", () => {
    const order = tool(m, "create_order");
    expect(typeToString(order.input)).toBe('{ lines: [{ ... }], priority?: "low" | "high", note?: string | null, card?: string }');
    const lines = order.input.fields.get("lines")!.type;
    expect(lines.kind === "list" && typeToString(lines.element)).toBe("{ sku: string, qty: integer }");
    expect(order.annotations).toEqual({ readOnly: false, destructive: false, idempotent: false, openWorld: true });
  });

  it("keeps the spans of tool entries, names and properties", () => {
    const search = tool(m, "search");
    expect(search.source.file).toBe(m.file);
    expect(slice(m, search.source.nameSpan)).toBe('"search"');
    const entry = slice(m, search.source.span);
    expect(entry.startsWith("{") && entry.endsWith("}")).toBe(true);
    expect(JSON.parse(entry).name).toBe("search");
    expect(slice(m, search.input.fields.get("limit")!.source?.span)).toBe('"limit"');
    const order = tool(m, "create_order");
    const lines = order.input.fields.get("lines")!.type;
    if (lines.kind !== "list" || lines.element.kind !== "record") throw new Error("unexpected");
    const sku = lines.element.fields.get("sku")!.source!;
    expect(slice(m, sku.span)).toBe('"sku"');
    expect(m.text.lastIndexOf('"Line"', sku.span.start)).toBeGreaterThan(0);
  });

  it("lists sensitive paths", () => {
    expect(tool(m, "create_order").sensitivePaths).toEqual([["card"]]);
    const w = parse([mcpTool("t", { type: "object", properties: { auth: { type: "object", properties: { token: { type: "string", writeOnly: true } } }, keys: { type: "array", items: { type: "string", format: "password" } } } })]);
    expect(tool(w, "t").sensitivePaths).toEqual([["auth", "token"]]);
    const list = parse([mcpTool("t", { type: "object", properties: { keys: { type: "array", items: { type: "object", properties: { k: { type: "string", format: "password" } } } } } })]);
    expect(tool(list, "t").sensitivePaths).toEqual([["keys", "*", "k"]]);
  });

  it("keeps the schema as given, for the validators", () => {
    const raw = JSON.parse(readFileSync(fixture("mcp.tools.json"), "utf8"));
    expect(tool(m, "create_order").schema).toEqual(raw.tools[1].inputSchema);
    const proto = parseManifest('[{"name":"t","inputSchema":{"type":"object","properties":{"__proto__":{"type":"string"}}}}]', "/m.json", "m");
    const t = tool(proto, "t");
    expect([...t.input.fields.keys()]).toEqual(["__proto__"]);
    expect(validate(t.schema, JSON.parse('{"__proto__": 1}'))).toEqual(["`/__proto__` must be a string"]);
  });
});
