import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDocument } from "./checker.js";
import { parseDocument } from "../syntax/parse.js";
import { checkFs, checkText, codes, FS_MANIFEST, lineCol } from "./test-support.js";

/** The shared conformance suite beside the project (`../shared`), when present. */
const CONFORMANCE = fileURLToPath(new URL("../../../../shared/conformance", import.meta.url));

function readManifests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith(".json")) out[`./${f}`] = readFileSync(join(dir, f), "utf8");
  return out;
}

describe("the model", () => {
  it("holds name, version, tools, rules with tools in manifest order, labels, consts", () => {
    const r = checkFs('const roots = ["/a"]\nlabel secret on fs.*\nallow fs.list_directory, fs.read_file when args.path in roots because "ok"');
    expect(r.semantic).toEqual([]);
    expect(r.model.name).toBe("t");
    expect(r.model.tools.size).toBe(3);
    expect(r.model.toolsByBareName.get("read_file")).toEqual(["fs.read_file"]);
    expect(r.model.rules[0]).toMatchObject({ agent: null, effect: "allow", tools: ["fs.read_file", "fs.list_directory"], because: "ok" });
    expect(r.model.labels.get("secret")?.tools).toEqual(["fs.read_file", "fs.write_file", "fs.list_directory"]);
    expect(r.model.consts.get("roots")?.value).toEqual(["/a"]);
    expect(r.model.complete).toBe(true);
  });

  it("has a context schema: required fields, enums, integers, nested records and lists, extra keys allowed", () => {
    const r = checkFs('context {\n  user: { id: string, role: "viewer" | "admin" }\n  n?: integer\n  tags: [string]\n}');
    expect(r.model.hasContextDecl).toBe(true);
    expect(r.model.contextSchema).toEqual({
      type: "object",
      properties: {
        user: { type: "object", properties: { id: { type: "string" }, role: { type: "string", enum: ["viewer", "admin"] } }, required: ["id", "role"] },
        n: { type: "integer" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["user", "tags"],
    });
    expect(checkFs("").model.contextSchema).toEqual({ type: "object" });
    expect(checkFs('deny * when ctx.user == "x"').semantic.map((d) => d.code)).toEqual(["E_UNKNOWN_FIELD"]);
  });

  it("hashes the policy text and each manifest, framed", () => {
    const a = checkFs("default deny").model.hash;
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(checkFs("default deny").model.hash).toBe(a);
    expect(checkFs("default deny ").model.hash).not.toBe(a);
    const other = { ...FS_MANIFEST, tools: FS_MANIFEST.tools.slice(0, 2) };
    expect(checkText('policy t\ntools fs from "./fs.json"\ndefault deny', { "./fs.json": other }).model.hash).not.toBe(a);
  });

  it("is incomplete when there are errors", () => {
    const r = checkFs("allow fs.nope");
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_TOOL"]);
    expect(r.model.complete).toBe(false);
  });
});

describe.skipIf(!existsSync(CONFORMANCE))("the shared conformance policies", () => {
  it("checks the inventory case without errors or warnings", () => {
    const dir = join(CONFORMANCE, "cases/inventory");
    const policy = readFileSync(join(dir, "policy.agentpolicy"), "utf8");
    const r = checkText(policy, prefix(readManifests(join(dir, "manifests")), "./manifests/"));
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(r.model.rules.map((x) => x.id)).toContain("no-purchases");
    expect(r.model.agents.get("buyer")?.ancestors).toEqual(["inventory-reader"]);
  });

  for (const name of ["narrowed", "optional", "type", "unknown_tool"]) {
    it(`diagnostics/${name}.agentpolicy reports what its first line says`, () => {
      const dir = join(CONFORMANCE, "diagnostics");
      const text = readFileSync(join(dir, `${name}.agentpolicy`), "utf8");
      const r = checkText(text, readManifests(dir));
      const first = text.split("\n")[0].replace(/^\/\/\s*expect:\s*/, "").trim();
      const got = r.diagnostics.filter((d) => /^[EW]_/.test(d.code)).map((d) => `${d.code}@${lineCol(text, d.span.start).line}`);
      expect(got).toEqual(first === "nothing" ? [] : first.split(/\s+/));
    });
  }
});

function prefix(files: Record<string, string>, p: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(files)) out[p + k.slice(2)] = v;
  return out;
}

describe("totality", () => {
  const fragments = [
    'policy p\n',
    'tools fs from "./fs.json"\n',
    "context { a: string, b?: [integer], c: { d: \"x\" | \"y\" } }\n",
    "const k = [1, 2]\n",
    "const j = k\n",
    "label l on fs.*\n",
    "cost fs.read_file = $1 per call\n",
    "default allow\n",
    'agent "a" extends "b" {\n',
    "}\n",
    "allow fs.read_file when args.path.startsWith(\"/\") and args has limit\n",
    "deny * when tool.destructive or session.has(l) unless ctx.a == \"q\"\n",
    "review fs.write_file when (args.cc ?? []).any(x => x.matches(\"^a\")) \n",
    "limit fs.* to 3 calls per minute by ctx.a\n",
    "limit cost to $2 per day\n",
    "invariant i: fs.read_file when args.limit > 1 => deny | review\n",
    'test "t" { expect agent "a" calls fs.read_file({ path: "/x" }) with { a: "s" } => allow "x" }\n',
    "@id(\"q\") allow fs.list_directory\n",
    "( ) ,, == => { } [ ] . .. not and or ?? +\n",
    "args.path.x.y.z(1, 2, 3)\n",
    "when when when\n",
  ];
  it("never throws on mutated policies", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 14 }), fc.array(fc.nat(), { maxLength: 4 }), (parts, cuts) => {
        let text = parts.join("");
        for (const c of cuts) if (text.length) text = text.slice(0, c % text.length) + text.slice((c * 7) % text.length);
        const r = checkText(text, { "./fs.json": FS_MANIFEST });
        expect(r.semantic.filter((d) => d.message.includes("internal error"))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on random manifests", () => {
    const schema = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom({ type: "string" }, { type: "integer" }, { type: ["number", "null"] }, { enum: ["a", 1, null] }, { const: true }, {}, true),
        fc.record({ type: fc.constant("array"), items: tie("node") }),
        fc.record({ anyOf: fc.array(tie("node"), { maxLength: 3 }) }),
        fc.record({
          type: fc.constant("object"),
          properties: fc.dictionary(fc.constantFrom("a", "b", "path", "limit"), tie("node"), { maxKeys: 3 }),
          required: fc.array(fc.constantFrom("a", "b", "path"), { maxLength: 2 }),
        }),
      ),
    })).node;
    const tool = fc.record({ name: fc.constantFrom("read_file", "t", "x-y"), inputSchema: schema });
    fc.assert(
      fc.property(fc.array(tool, { maxLength: 4 }), (tools) => {
        const r = checkText(
          'policy p\ntools fs from "./fs.json"\nallow fs.read_file, fs.t when args.path.a == "x" and args has limit and args.limit.b > 1 and args.a.any(x => x == 1)\ndeny * when (args.b ?? 1) == 2',
          { "./fs.json": { tools } },
        );
        expect(r.semantic.filter((d) => d.message.includes("internal error"))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("survives a malformed tree and a null manifest", () => {
    const parsed = parseDocument('policy p\ntools fs from "./fs.json"\nallow fs.read_file when args.path == 1', "/x.agentpolicy");
    const r = checkDocument(parsed.document, new Map([["fs", null]]));
    expect(codes(r.diagnostics)).toEqual(["E_MANIFEST"]);
    const broken = { ...parsed.document, declarations: [null, { kind: "Rule" }, { kind: "Limit", selectors: [null] }] } as unknown as typeof parsed.document;
    expect(() => checkDocument(broken, new Map())).not.toThrow();
  });
});

describe("performance", () => {
  it("checks a 2,000-line policy against 200 tools quickly", () => {
    const tools = Array.from({ length: 200 }, (_, i) => ({
      name: `tool_${i}`,
      inputSchema: {
        type: "object",
        properties: {
          path: { type: "string" },
          count: { type: "integer" },
          mode: { enum: ["read", "write", "admin"] },
          tags: { type: "array", items: { type: "string" } },
          note: { type: ["string", "null"] },
        },
        required: ["path", "count", "mode"],
      },
    }));
    const lines = ['policy bench', 'tools a from "./a.json"', "context { user: { id: string, role: \"viewer\" | \"admin\" } }"];
    let n = 0;
    while (lines.length < 2000) {
      lines.push(`agent "agent-${n}" {`);
      for (let r = 0; r < 40; r++, n++) {
        const tool = `a.tool_${n % 200}`;
        switch (n % 6) {
          case 0: lines.push(`  allow ${tool} when args.path.startsWith("/workspace/") and args.count < ${n}`); break;
          case 1: lines.push(`  deny ${tool} when args.mode == "admin" and ctx.user.role != "admin" because "admins only"`); break;
          case 2: lines.push(`  review ${tool} when args has tags and args.tags.any(t => t.matches("^secret-[a-z]+$"))`); break;
          case 3: lines.push(`  allow ${tool} when (args.note ?? "").length < 100 and path(args.path).under("/workspace")`); break;
          case 4: lines.push(`  deny * when args.mode == "write" and args.count > ${n}`); break;
          default: lines.push(`  limit ${tool} to ${n + 1} calls per minute by ctx.user.id`); break;
        }
      }
      lines.push("}");
    }
    const text = lines.join("\n");
    checkText(text, { "./a.json": { tools } });
    const t0 = performance.now();
    const r = checkText(text, { "./a.json": { tools } });
    const ms = performance.now() - t0;
    expect(r.semantic.filter((d) => d.severity === "error")).toEqual([]);
    expect(ms).toBeLessThan(3000);
  });
});
