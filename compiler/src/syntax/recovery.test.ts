import { describe, expect, it } from "vitest";
import type * as A from "./ast.js";
import { allNodes, parse, sexpr, treeProblems } from "./__fixtures__/harness.js";
import { MAX_EXPRESSION_DEPTH, MAX_NESTING } from "./parse.js";

/** One line per declaration (and agent member), for comparing recovered trees. */
function outline(doc: A.Document): string[] {
  const line = (d: A.Declaration): string => {
    switch (d.kind) {
      case "Rule":
        return `${d.effect} ${d.selectors.map((s) => s.text).join(",")}${d.when ? ` when ${sexpr(d.when)}` : ""}${d.because ? ` because ${JSON.stringify(d.because.value)}` : ""}`;
      case "Limit":
        return `limit ${d.limitKind} ${d.selectors.map((s) => s.text).join(",")}`.trimEnd();
      case "AgentDecl":
        return `agent ${d.id.value} {${d.body.map(line).join("; ")}}`;
      case "TestDecl":
        return `test ${d.name.value} {${d.expects.map((e) => `${e.tool.text} ${sexpr(e.args)} => ${e.effect.effect}`).join("; ")}}`;
      case "ConstDecl":
        return `const ${d.name.name} = ${sexpr(d.value)}`;
      case "Invariant":
        return `invariant ${d.name.name} => ${d.effects.map((e) => e.effect).join("|")}`;
      case "ContextDecl":
        return `context ${d.fields.map((f) => `${f.name.name}:${f.type.kind}`).join(",")}`;
      default:
        return d.kind;
    }
  };
  return doc.declarations.map(line);
}

describe("one run reports every error and keeps the rest", () => {
  const text = `policy p
allow inv.search when args.x >
deny inv.y because
agent "a" {
  allow inv.z when (args.q
  limit repeats to 3
  allow inv.
  deny inv.w
  review inv.v when args.
}
const c = f(1 when
test "t" { expect agent "a" calls inv.z({ a: }) => allow }
invariant i: agent "a" x.y when => deny
const ok = 1`;
  const { document, errors } = parse(text);

  it("reports each error once, in order, with its span", () => {
    const after = (needle: string) => text.indexOf(needle) + needle.length;
    expect(errors.map((e) => [e.start, e.text, e.message])).toEqual([
      [after("args.x >"), "", "expected an expression but found `deny`"],
      [after("because"), "", "expected a string but found `agent`"],
      [after("(args.q"), "", "expected `)` but found `limit`"],
      [after("allow inv.\n") - 1, "", "expected a tool name or `*` but found `deny`"],
      [after("review inv.v when args."), "", "expected a name but found `}`"],
      [text.indexOf("when", after("f(1 ")), "when", "expected `)` but found `when`"],
      [text.indexOf("}", after("{ a:")), "}", "expected an expression but found `}`"],
      [text.indexOf("=>", after("x.y when")), "=>", "expected an expression but found `=>`"],
    ]);
  });

  it("still yields every declaration, with partial nodes", () => {
    expect(outline(document)).toEqual([
      "allow inv.search when (args.x > <error>)",
      'deny inv.y because ""',
      "agent a {allow inv.z when args.q; limit repeats; allow inv.; deny inv.w; review inv.v when args.?}",
      "const c = f(1)",
      "test t {inv.z {a: <error>} => allow}",
      "invariant i => deny",
      "const ok = 1",
    ]);
    expect(treeProblems(document)).toEqual([]);
  });
});

describe("half-typed text for the language server", () => {
  it("`allow inv.` keeps the selector with an empty tool name where the name goes", () => {
    const text = 'policy p\nagent "a" {\n  allow inv.\n  allow inv.get\n}';
    const { document } = parse(text);
    const agent = document.declarations[0] as A.AgentDecl;
    expect(agent.body).toHaveLength(2);
    const sel = (agent.body[0] as A.Rule).selectors[0];
    expect(sel.alias?.name).toBe("inv");
    expect(sel.tool).toEqual({ kind: "Identifier", name: "", quoted: false, span: { start: text.indexOf("inv.") + 4, end: text.indexOf("inv.") + 4 } });
    expect(sel.text).toBe("inv.");
  });

  it("`allow inv.search when args.` keeps a member access with an empty property", () => {
    const text = "policy p\nallow inv.search when args.\ndeny *";
    const { document, errors } = parse(text);
    expect(errors.map((e) => e.message)).toEqual(["expected a name but found `deny`"]);
    const when = (document.declarations[0] as A.Rule).when as A.MemberExpr;
    expect(when.kind).toBe("MemberExpr");
    expect(when.object).toMatchObject({ kind: "NameRef", name: "args" });
    expect(when.property.span).toEqual({ start: text.indexOf("args.") + 5, end: text.indexOf("args.") + 5 });
    expect(document.declarations[1]).toMatchObject({ kind: "Rule", effect: "deny" });
  });

  it("a lone `@` keeps the rule on the next line", () => {
    const { document, errors } = parse('policy p\nagent "a" {\n  @\n  allow inv.a\n}');
    expect(errors.map((e) => e.message)).toEqual(["expected a name but found `allow`"]);
    const rule = (document.declarations[0] as A.AgentDecl).body[0] as A.Rule;
    expect(rule.selectors[0].text).toBe("inv.a");
    expect(rule.annotations.map((a) => a.name.name)).toEqual([""]);
  });

  it("a half-typed expect keeps the test and its other lines", () => {
    const { document } = parse('policy p\ntest "t" {\n  expect agent "a" calls inv.\n  expect agent "a" calls inv.g({}) => allow\n}');
    const t = document.declarations[0] as A.TestDecl;
    expect(t.expects.map((e) => e.tool.text)).toEqual(["inv.", "inv.g"]);
  });

  it("at the end of the file", () => {
    for (const tail of ["allow", "allow inv", "allow inv.", "allow inv.a when", "allow inv.a when args.", "allow inv.a when args has", "allow inv.a because", "limit", "limit inv.a to", "limit inv.a to 5 calls per", "agent", 'agent "a" {', 'agent "a" { allow', "context {", "context { a:", 'test "t" { expect agent "a" calls inv.x(', "invariant i:", "@id(", "const x = [1, {a: f(x => "]) {
      const { document, errors } = parse(`policy p\nconst before = 1\n${tail}`);
      expect(errors.length, tail).toBeGreaterThan(0);
      expect(document.declarations[0], tail).toMatchObject({ kind: "ConstDecl", name: { name: "before" } });
      expect(treeProblems(document), tail).toEqual([]);
      for (const e of errors) expect(e.start, tail).toBeLessThanOrEqual(document.text.length);
    }
  });

  it("a missing expression is an ErrorExpr at the point where it belongs", () => {
    const text = "policy p\nallow a.b when x == \n";
    const { document } = parse(text);
    const when = (document.declarations[0] as A.Rule).when as A.BinaryExpr;
    expect(when.right).toEqual({ kind: "ErrorExpr", span: { start: text.indexOf("==") + 2, end: text.indexOf("==") + 2 } });
  });
});

describe("recovery points: the next declaration keyword, `@`, or `}`", () => {
  it("an unclosed agent block ends at the next top-level declaration", () => {
    const { document, errors } = parse('policy p\nagent "a" {\n  allow x.y\nagent "b" {\n  deny x.z\n}\nconst c = 1');
    expect(errors.map((e) => e.message)).toEqual(["expected `}` but found `agent`"]);
    expect(outline(document)).toEqual(["agent a {allow x.y}", "agent b {deny x.z}", "const c = 1"]);
  });

  it("an unclosed context block ends at a rule keyword or `@`", () => {
    const { document, errors } = parse('policy p\ncontext {\n  user: string\n@id("x") deny *');
    expect(errors.map((e) => e.message)).toEqual(["expected `}` but found `@`"]);
    expect(outline(document)).toEqual(["context user:PrimitiveType", "deny *"]);
  });

  it("garbage inside a block is skipped up to the next member, one error per run", () => {
    const { document, errors } = parse('policy p\nagent "a" {\n  allow x.y\n  what is this ) ]\n  deny x.z\n  99 ,\n}');
    expect(errors.map((e) => [e.text, e.message])).toEqual([
      ["what is this ) ]", "expected a rule or limit but found `what`"],
      ["99 ,", "expected a rule or limit but found `99`"],
    ]);
    expect(outline(document)).toEqual(["agent a {allow x.y; deny x.z}"]);
  });

  it("garbage at top level and in tests and contexts", () => {
    const { errors } = parse('policy p\n) oops\ntest "t" { nope }\ncontext { 1 2 a: string }\nconst c = 1');
    expect(errors.map((e) => [e.text, e.message])).toEqual([
      [") oops", "expected a declaration but found `)`"],
      ["nope", "expected `expect` but found `nope`"],
      ["1 2", "expected a field (`NAME: TYPE`) but found `1`"],
    ]);
  });

  it("a stray `}` at top level is reported once", () => {
    expect(parse("policy p\n}\n}").errors.map((e) => [e.text, e.message])).toEqual([["}\n}", "expected a declaration but found `}`"]]);
  });

  it("a brace inside a broken record belongs to the record", () => {
    const { document } = parse('policy p\ntest "t" {\n  expect agent "a" calls x.y({ a: }) => allow\n  expect agent "a" calls x.z({}) => deny\n}');
    expect(outline(document)).toEqual(["test t {x.y {a: <error>} => allow; x.z {} => deny}"]);
  });

  it("a missing token is inserted when what follows fits", () => {
    const { document, errors } = parse('policy p\ntools gh "./gh.json"\nlabel pii crm.get');
    expect(errors.map((e) => e.message)).toEqual(['expected `from` but found `"./gh.json"`', "expected `on` but found `crm`"]);
    expect(document.declarations).toMatchObject([
      { kind: "ToolsDecl", alias: { name: "gh" }, path: { value: "./gh.json" } },
      { kind: "LabelDecl", name: { name: "pii" }, selectors: [{ text: "crm.get" }] },
    ]);
  });

  it("message format: expected X but found Y, with the user's text in backticks", () => {
    expect(parse("policy p\nconst x = f(1 when").errors.map((e) => e.message)).toEqual(["expected `)` but found `when`"]);
    expect(parse("policy p\ndefault maybe").errors.map((e) => e.message)).toEqual(["expected `allow` or `deny` but found `maybe`"]);
    expect(parse("policy p\nallow x.y because 42").errors.map((e) => e.message)).toEqual(["expected a string but found `42`"]);
    expect(parse("policy p\nconst x = (1").errors.map((e) => e.message)).toEqual(["expected `)` but found end of file"]);
  });

  it("an error on a later line is shown where the missing text belongs", () => {
    const text = "policy p\nconst x = (1\n\n\nconst y = 2";
    const { errors } = parse(text);
    expect(errors.map((e) => [e.start, e.end])).toEqual([[text.indexOf("(1") + 2, text.indexOf("(1") + 2]]);
  });
});

describe("nesting limits", () => {
  const deep = (open: string, close: string, n: number, inner = "1") => `policy p\nconst x = ${open.repeat(n)}${inner}${close.repeat(n)}\nconst after = 2`;

  it(`accepts ${MAX_NESTING} levels of brackets`, () => {
    for (const [o, c] of [["(", ")"], ["[", "]"], ["{a: ", "}"], ["f(", ")"]]) {
      const { document, errors } = parse(deep(o, c, MAX_NESTING));
      expect(errors).toEqual([]);
      expect(document.declarations).toHaveLength(2);
    }
  });

  it.each([
    ["parentheses", "(", ")"],
    ["lists", "[", "]"],
    ["records", "{a: ", "}"],
    ["calls", "f(", ")"],
    ["lambdas", "x.any(y => ", ")"],
  ])("10,000 nested %s: one clear error, no overflow, the rest parses", (_, open, close) => {
    const { document, errors } = parse(deep(open, close, 10_000));
    expect(errors.map((e) => e.message)).toEqual([`nesting too deep: brackets may nest at most ${MAX_NESTING} levels`]);
    expect(document.declarations.map((d) => d.kind)).toEqual(["ConstDecl", "ConstDecl"]);
    expect(treeProblems(document)).toEqual([]);
    expect(allNodes(document).some((n) => n.kind === "ErrorExpr")).toBe(true);
  });

  it("10,000 unclosed brackets", () => {
    const { document, errors } = parse(`policy p\nconst x = ${"([".repeat(5000)}`);
    expect(errors[0].message).toBe(`nesting too deep: brackets may nest at most ${MAX_NESTING} levels`);
    expect(treeProblems(document)).toEqual([]);
  });

  it("10,000 nested list types in a context", () => {
    const { document, errors } = parse(`policy p\ncontext { a: ${"[".repeat(10_000)}string${"]".repeat(10_000)} }\nconst after = 1`);
    expect(errors.map((e) => e.message)).toEqual([`nesting too deep: brackets may nest at most ${MAX_NESTING} levels`]);
    expect(document.declarations).toHaveLength(2);
    expect(treeProblems(document)).toEqual([]);
  });

  it.each([
    ["not", (n: number) => `${"not ".repeat(n)}x`],
    ["unary minus", (n: number) => `${"-".repeat(n)}x`],
    ["??", (n: number) => `x${" ?? x".repeat(n)}`],
    ["+", (n: number) => `x${" + x".repeat(n)}`],
    ["or", (n: number) => `x${" or x".repeat(n)}`],
    ["member access", (n: number) => `x${".y".repeat(n)}`],
    ["calls", (n: number) => `x${"(1)".repeat(n)}`],
  ])("3,000-long %s chains become one error, not a 3,000-deep tree", (_, make) => {
    const { document, errors } = parse(`policy p\nconst x = ${make(3_000)}\nconst ok = ${make(100)}`);
    expect(errors.map((e) => e.message)).toEqual([`expression nested too deeply: at most ${MAX_EXPRESSION_DEPTH} levels`]);
    expect((document.declarations[0] as A.ConstDecl).value.kind).toBe("ErrorExpr");
    expect((document.declarations[1] as A.ConstDecl).value.kind).not.toBe("ErrorExpr");
  });
});
