import { describe, expect, it } from "vitest";
import { checkFs, checkText, codes, spanText } from "./test-support.js";

/** The checker's diagnostics for one rule body against the `fs` manifest, as `CODE text-under-span`. */
function diag(body: string): string[] {
  const r = checkFs(body);
  return r.semantic.map((d) => `${d.code} ${spanText(r.text, d)}`);
}

describe("types of fields and operators", () => {
  it("accepts well-typed conditions", () => {
    expect(diag('allow fs.read_file when args.path.startsWith("/tmp/") and args.path.length < 100')).toEqual([]);
    expect(diag('allow fs.write_file when args.mode == "append" and args has tags and args.tags.any(t => t.lower() == "x")')).toEqual([]);
    expect(diag('allow fs.read_file when path(args.path).under("/work") and url("https://a.b/c").host == "a.b"')).toEqual([]);
    expect(diag("allow fs.list_directory when args.ratio * 2 + args.page <= $5 and -args.page < 0")).toEqual([]);
    expect(diag('allow fs.read_file when tool.readOnly and agent.id != "x" and session.id != "" and tool.name in ["read_file"]')).toEqual([]);
  });

  it("reports an unknown field at the field, naming the tool, with a suggestion", () => {
    const r = checkFs('allow fs.read_file when args.pth == "x"');
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_FIELD"]);
    const d = r.semantic[0];
    expect(spanText(r.text, d)).toBe("pth");
    expect(d.message).toContain("`fs.read_file` has no field `pth`");
    expect(d.suggestion).toBe("path");
    expect(d.fixes?.[0]).toMatchObject({ title: "Change to `path`", newText: "path" });
    expect(d.related[0].file).toMatch(/fs\.json$/);
  });

  it("checks a field against every selected tool", () => {
    const r = checkFs('allow fs.read_file, fs.write_file when args.content == "x"');
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_FIELD"]);
    expect(r.semantic[0].message).toContain("`fs.read_file` has no field `content`");
    expect(diag('allow fs.read_file, fs.write_file, fs.list_directory when args.path.startsWith("/")')).toEqual([]);
    expect(diag('deny fs.* when args.path.startsWith("/etc")')).toEqual([]);
    expect(diag("deny * when args.depth > 1")).toEqual(["E_UNKNOWN_FIELD depth"]);
  });

  it("reports comparisons of different types at the literal", () => {
    expect(diag('deny fs.list_directory when args.page == "many"')).toEqual(['E_TYPE "many"']);
    expect(diag("deny fs.read_file when args.path == 3")).toEqual(["E_TYPE 3"]);
    expect(diag("deny fs.list_directory when args.ratio == args.path")).toEqual(["E_TYPE =="]);
  });

  it("takes numbers only for ordering and arithmetic", () => {
    expect(diag('deny fs.read_file when args.path < "b"')).toEqual(["E_TYPE args.path"]);
    expect(diag("deny fs.write_file when args.content + 1 > 2")).toEqual(["E_TYPE args.content"]);
    expect(diag('deny fs.list_directory when args.ratio > "2"')).toEqual(['E_TYPE "2"']);
  });

  it("requires boolean conditions", () => {
    expect(diag("deny fs.read_file when args.path")).toEqual(["E_TYPE args.path"]);
    expect(diag("deny fs.read_file when not args.path")).toEqual(["E_TYPE args.path"]);
    expect(diag("deny fs.read_file when args.path.length")).toEqual(["E_TYPE args.path.length"]);
  });

  it("checks methods, their arity and argument types", () => {
    expect(diag("deny fs.read_file when args.path.startsWith(1)")).toEqual(["E_TYPE 1"]);
    expect(diag('deny fs.read_file when args.path.startswith("/")')).toEqual(["E_TYPE startswith"]);
    expect(diag('deny fs.read_file when args.path.lower("x") == "a"')).toEqual(['E_TYPE "x"']);
    expect(diag("deny fs.read_file when args.path.lenght > 1")).toEqual(["E_TYPE lenght"]);
    expect(diag('deny fs.read_file when args.path.length.startsWith("1")')).toEqual(["E_TYPE startsWith"]);
    expect(diag('deny fs.write_file when (args.tags ?? []).contains(1)')).toEqual(["E_TYPE 1"]);
    expect(diag('deny fs.write_file when args has tags and args.tags.any("x")')).toEqual(['E_TYPE "x"']);
    expect(diag('deny fs.read_file when url(args.path).hots == "x"')).toEqual(["E_TYPE hots"]);
    expect(diag('deny fs.read_file when path(args.path).under(1)')).toEqual(["E_TYPE 1"]);
    expect(diag('deny fs.read_file when tool.nam == "x"')).toEqual(["E_TYPE nam"]);
    expect(diag("deny fs.read_file when url(1).port > 1")).toEqual(["W_OPTIONAL url(1).port", "E_TYPE 1"]);
  });

  it("types `in`, `??` and list literals", () => {
    expect(diag('deny fs.read_file when args.path in ["a", "b"]')).toEqual([]);
    expect(diag('deny fs.read_file when args.path in "abc"')).toEqual(['E_TYPE "abc"']);
    expect(diag("deny fs.read_file when args.path in [1, 2]")).toEqual(["E_TYPE in"]);
    expect(diag('deny fs.write_file when (args.cc ?? []).all(a => a.endsWith("@corp.example.com"))')).toEqual([]);
    expect(diag('deny fs.read_file when (args.limit ?? "x") == 1')).toEqual(["E_TYPE ??"]);
    expect(diag("deny fs.read_file when (args.limit ?? 10) > 1")).toEqual([]);
  });

  it("restricts .matches and .glob to literals and consts, and checks regexes", () => {
    expect(diag('const re = "^/tmp/[a-z]+$"\ndeny fs.read_file when args.path.matches(re) or args.path.glob("**/*.env")')).toEqual([]);
    expect(diag("deny fs.read_file when args.path.matches(args.path)")).toEqual(["E_TYPE args.path"]);
    expect(diag('deny fs.read_file when args.path.matches("(a+)+")')).toEqual(['E_REGEX_UNSAFE "(a+)+"']);
    expect(diag('deny fs.read_file when args.path.matches("a(")')).toEqual(['E_REGEX "a("']);
    expect(diag('const re = "(x*)*"\ndeny fs.read_file when args.path.matches(re) or args.path.matches(re)')).toEqual(['E_REGEX_UNSAFE "(x*)*"']);
  });

  it("reports unknown names with a suggestion", () => {
    const r = checkFs('const prefix = "/tmp"\ndeny fs.read_file when args.path.startsWith(prefx)');
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_NAME"]);
    expect(r.semantic[0].suggestion).toBe("prefix");
    expect(diag("deny fs.read_file when argz.path == 1")).toEqual(["E_UNKNOWN_NAME argz"]);
  });

  it("types the session root and its label and tool arguments", () => {
    const r = checkFs("label secret on fs.read_file\ndeny fs.write_file when session.has(secret) and session.count(fs.read_file) > 2 and session.count(fs.*) < 9");
    expect(r.semantic).toEqual([]);
    expect(diag("deny fs.write_file when session.has(secrt)")).toEqual(["E_UNKNOWN_NAME secrt"]);
    expect(diag("deny fs.write_file when session.count(fs.red_file) > 1")).toEqual(["E_UNKNOWN_TOOL red_file"]);
    expect(diag("deny fs.write_file when session.count(gs.read_file) > 1")).toEqual(["E_UNKNOWN_ALIAS gs"]);
  });

  it("records a type for every expression and resolutions for names", () => {
    const r = checkFs('const roots = ["/a"]\nallow fs.read_file when args.path in roots and args.encoding == "utf8"');
    const rule = r.model.rules[0];
    const types = r.model.types;
    expect(types.get(rule.when!)).toEqual({ kind: "boolean" });
    const kinds = [...r.model.resolutions.values()].map((x) => x.kind);
    expect(kinds).toContain("const");
    expect(kinds).toContain("root");
    expect(kinds).toContain("field");
    expect(kinds).toContain("tool");
  });
});

describe("E_ENUM", () => {
  it("reports a literal outside the enum at the literal, with the values and a suggestion", () => {
    const r = checkFs('deny fs.write_file when args.mode == "apend"');
    expect(codes(r.semantic)).toEqual(["E_ENUM"]);
    const d = r.semantic[0];
    expect(spanText(r.text, d)).toBe('"apend"');
    expect(d.message).toContain('"create", "overwrite", "append"');
    expect(d.suggestion).toBe('"append"');
    expect(d.related.length).toBe(1);
  });
  it("checks `!=`, `in` and `.contains`", () => {
    expect(diag('deny fs.write_file when "x" != args.mode')).toEqual(['E_ENUM "x"']);
    expect(diag('deny fs.write_file when args.mode in ["create", "delete"]')).toEqual(['E_ENUM "delete"']);
    expect(diag('deny fs.write_file when ["create", "nope"].contains(args.mode)')).toEqual(['E_ENUM "nope"']);
    expect(diag('const modes = ["create", "zap"]\ndeny fs.write_file when args.mode in modes')).toEqual(["E_ENUM modes"]);
    expect(diag('deny fs.write_file when args.mode == "create" or args.mode != "append"')).toEqual([]);
  });
  it("checks context literal unions", () => {
    const r = checkFs('context { role: "viewer" | "admin" }\ndeny * when ctx.role == "admn"');
    expect(codes(r.semantic)).toEqual(["E_ENUM"]);
    expect(r.semantic[0].suggestion).toBe('"admin"');
  });
});

describe("W_OPTIONAL and narrowing", () => {
  it("warns when an optional field is used unguarded", () => {
    expect(diag("allow fs.read_file when args.limit < 50")).toEqual(["W_OPTIONAL args.limit"]);
    expect(diag('allow fs.read_file when args.encoding == "utf8"')).toEqual(["W_OPTIONAL args.encoding"]);
    expect(diag("allow fs.read_file when args.head > 1")).toEqual(["W_OPTIONAL args.head"]);
    expect(diag("allow fs.write_file when args.options.backup")).toEqual(["W_OPTIONAL args.options"]);
  });
  it("narrows through has, != null, == null, and, or, not", () => {
    expect(diag("allow fs.read_file when args has limit and args.limit < 50")).toEqual([]);
    expect(diag("allow fs.read_file when not (args has limit) or args.limit > 1")).toEqual([]);
    expect(diag("allow fs.read_file when args.head != null and args.head > 1")).toEqual([]);
    expect(diag("allow fs.read_file when args.head == null or args.head > 1")).toEqual([]);
    expect(diag("allow fs.read_file when not (args.head == null) and args.head > 1")).toEqual([]);
    expect(diag("allow fs.write_file when args has options and args.options.backup")).toEqual([]);
    expect(diag("allow fs.write_file when args.options != null and args.options has owner and args.options.owner.name == null")).toEqual([]);
    expect(diag("allow fs.write_file when args has options and args.options has owner and args.options.owner.name == \"x\"")).toEqual(["W_OPTIONAL args.options.owner.name"]);
  });
  it("keeps null after `has` on a nullable field", () => {
    expect(diag("allow fs.read_file when args has head and args.head > 1")).toEqual(["W_OPTIONAL args.head"]);
    expect(diag("allow fs.write_file when args has cc and args.cc != null and args.cc.length > 1")).toEqual([]);
  });
  it("does not narrow across `or` the wrong way", () => {
    expect(diag("allow fs.read_file when args has limit or args.limit > 1")).toEqual(["W_OPTIONAL args.limit"]);
    expect(diag("allow fs.read_file when (args has limit or args has head) and args.limit > 1")).toEqual(["W_OPTIONAL args.limit"]);
  });
  it("treats null tests and ?? as guards, not uses", () => {
    expect(diag("allow fs.read_file when args.limit == null")).toEqual([]);
    expect(diag("allow fs.read_file when (args.limit ?? 0) < 50")).toEqual([]);
  });
  it("flows narrowing from when into unless", () => {
    expect(diag("allow fs.read_file when args has limit unless args.limit > 50")).toEqual([]);
    expect(diag("allow fs.read_file unless args.limit > 50")).toEqual(["W_OPTIONAL args.limit"]);
  });
  it("narrows lambda parameters by their own paths", () => {
    const r = checkText('policy t\ntools x from "./x.json"\nallow x.t when args.items.all(i => i has n and i.n > 1) and args.items.any(i => i.n > 0)', {
      "./x.json": {
        tools: [
          {
            name: "t",
            inputSchema: {
              type: "object",
              properties: { items: { type: "array", items: { type: "object", properties: { n: { type: "integer" } } } } },
              required: ["items"],
            },
          },
        ],
      },
    });
    expect(r.semantic.map((d) => `${d.code} ${spanText(r.text, d)}`)).toEqual(["W_OPTIONAL i.n"]);
  });
  it("handles a long chain of guards in linear time", () => {
    const n = 400;
    const parts = Array.from({ length: n }, (_, i) => (i % 2 ? "args.limit > 1" : "args has limit"));
    const t0 = performance.now();
    expect(checkFs(`allow fs.read_file when ${parts.join(" and ")}`).diagnostics).toEqual([]);
    expect(diag(`allow fs.read_file when ${parts.map((p) => `(${p})`).join(" or ")}`)).toEqual(Array(n / 2).fill("W_OPTIONAL args.limit"));
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe("consts", () => {
  it("folds values and types them", () => {
    const r = checkFs('const a = 2 * 3\nconst b = ["x", "y"]\nconst c = b.length + a\nconst d = "AB".lower()\nconst e = url("https://Ex.com:8080/p").port');
    expect(r.semantic).toEqual([]);
    expect([...r.model.consts.values()].map((c) => c.value)).toEqual([6, ["x", "y"], 8, "ab", 8080]);
  });
  it("forbids reading roots", () => {
    expect(diag("const a = args.path")).toEqual(["E_TYPE args"]);
    expect(diag("const a = ctx")).toEqual(["E_TYPE ctx"]);
    expect(diag("const args = 1")).toEqual(["E_TYPE args"]);
  });
  it("reports cycles once, at the first const", () => {
    expect(diag("const a = b + 1\nconst b = c\nconst c = a")).toEqual(["E_CYCLE a"]);
    expect(diag("const a = a")).toEqual(["E_CYCLE a"]);
  });
  it("reports a const that cannot be computed", () => {
    expect(diag('const u = url("not a url").host')).toEqual(['E_TYPE "not a url"']);
  });
  it("does not fold a const whose value did not parse (its E_SYNTAX says it all)", () => {
    const r = checkFs(`const x = ${"- ".repeat(600)}1`);
    expect(r.semantic).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E_SYNTAX"]);
  });
});

describe("lambdas", () => {
  it("types the parameter by the element type", () => {
    expect(diag("deny fs.write_file when (args.tags ?? []).any(t => t > 1)")).toEqual(["E_TYPE t"]);
    expect(diag('deny fs.write_file when (args.tags ?? []).any(args => args == "x")')).toEqual(["E_TYPE args"]);
    expect(diag("deny fs.write_file when (args.tags ?? []).any(t => t.length)")).toEqual(["E_TYPE t.length"]);
  });
});

describe("parse errors", () => {
  it("adds nothing to a chained comparison, but checks a parenthesized one", () => {
    const chained = checkFs('deny fs.read_file when args.path == "a" == "b"');
    expect(codes(chained.diagnostics)).toEqual(["E_SYNTAX"]);
    expect(diag('deny fs.read_file when (args.path == "a") == "b"')).toEqual(['E_TYPE "b"']);
    expect(diag("deny fs.read_file when (args.path == \"a\") == true")).toEqual([]);
  });
  it("types expressions around an ErrorExpr as any", () => {
    const r = checkFs("deny fs.read_file when (args.path == ) == 3 and args.nope");
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_FIELD"]);
    expect(r.model.complete).toBe(false);
  });
});
