import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type * as A from "./ast.js";
import { generatePolicy } from "./__fixtures__/generate.js";
import { parse, parseClean, sexpr, treeProblems } from "./__fixtures__/harness.js";
import { parseDocument } from "./parse.js";
import { getParser } from "./parser.js";

const inventory = readFileSync(new URL("./__fixtures__/inventory.agentpolicy", import.meta.url), "utf8");

function only<K extends A.Declaration["kind"]>(text: string, kind: K): Extract<A.Declaration, { kind: K }> {
  const doc = parseClean(`policy p\n${text}`);
  expect(doc.declarations).toHaveLength(1);
  const d = doc.declarations[0];
  expect(d.kind).toBe(kind);
  return d as Extract<A.Declaration, { kind: K }>;
}

const slice = (text: string, span: A.Span) => text.slice(span.start, span.end);

describe("the inventory policy (LANGUAGE.md §2)", () => {
  const doc = parseClean(inventory);

  it("parses with zero diagnostics into the expected declarations", () => {
    expect(doc.header?.name.name).toBe("inventory");
    expect(doc.header?.version?.value).toBe("1.2.0");
    expect(doc.header?.doc).toBe("Inventory assistant: reads stock, never buys.");
    expect(doc.declarations.map((d) => d.kind)).toEqual([
      "ToolsDecl", "ToolsDecl", "ToolsDecl", "ContextDecl", "ConstDecl", "LabelDecl", "CostDecl", "Rule", "Rule", "AgentDecl", "AgentDecl", "Invariant", "Invariant", "TestDecl",
    ]);
    expect(treeProblems(doc)).toEqual([]);
  });

  it("keeps every comment in order", () => {
    expect(doc.comments.map((c) => [c.style, c.text])).toEqual([
      ["doc", "/// Inventory assistant: reads stock, never buys."],
      ["line", "// Rules outside an agent block apply to every agent."],
    ]);
  });

  it("builds the agent blocks", () => {
    const reader = doc.declarations[9] as A.AgentDecl;
    expect(reader.id.value).toBe("inventory-reader");
    expect(reader.body.map((m) => (m.kind === "Rule" ? `${m.effect} ${m.selectors.map((s) => s.text).join(",")}` : `limit ${m.limitKind}`))).toEqual([
      "allow inv.get_item,inv.search",
      "allow inv.market_price",
      "deny inv.create_purchase_order",
      "review crm.export",
      "allow crm.export",
      "limit calls",
      "limit calls",
      "limit tokens",
      "limit cost",
      "limit repeats",
    ]);
    const buyer = doc.declarations[10] as A.AgentDecl;
    expect(buyer.extends.map((e) => e.value)).toEqual(["inventory-reader"]);
  });
});

describe("declarations", () => {
  it("header with and without version; backtick name", () => {
    expect(parseClean("policy p").header).toMatchObject({ kind: "PolicyHeader", name: { name: "p", quoted: false }, version: null, span: { start: 0, end: 8 } });
    expect(parseClean('policy `my-policy` version "2.0.0-rc.1"').header).toMatchObject({ name: { name: "my-policy", quoted: true }, version: { value: "2.0.0-rc.1" } });
  });

  it("tools", () => {
    const text = 'tools gh from "./gh.tools.json"';
    const d = only(text, "ToolsDecl");
    expect(d.alias).toEqual({ kind: "Identifier", name: "gh", quoted: false, span: { start: 15, end: 17 } });
    expect(d.path.value).toBe("./gh.tools.json");
    expect(slice(`policy p\n${text}`, d.span)).toBe(text);
  });

  it("context: primitives, unions, lists, nested records, optional fields, optional commas, trailing comma", () => {
    const d = only(
      `context {
        user: { id: string, role: "viewer" | "buyer" | "admin", }
        tenant: string,
        age?: integer
        flags: [boolean] score: number,
        matrix: [[{ a: string b?: "x" }]],
      }`,
      "ContextDecl",
    );
    const render = (t: A.TypeExpr): string => {
      switch (t.kind) {
        case "PrimitiveType":
          return t.name;
        case "LiteralUnionType":
          return t.members.map((m) => JSON.stringify(m.value)).join("|");
        case "ListType":
          return `[${render(t.element)}]`;
        case "RecordType":
          return `{${t.fields.map((f) => `${f.name.name}${f.optional ? "?" : ""}:${render(f.type)}`).join(",")}}`;
        case "ErrorType":
          return "<error>";
      }
    };
    expect(d.fields.map((f) => `${f.name.name}${f.optional ? "?" : ""}:${render(f.type)}`)).toEqual([
      'user:{id:string,role:"viewer"|"buyer"|"admin"}',
      "tenant:string",
      "age?:integer",
      "flags:[boolean]",
      "score:number",
      'matrix:[[{a:string,b?:"x"}]]',
    ]);
  });

  it("context: keywords and backtick names are field names", () => {
    const d = only("context { limit: number, to?: string, `x-y`: boolean, policy: { deny: string } }", "ContextDecl");
    expect(d.fields.map((f) => [f.name.name, f.name.quoted])).toEqual([
      ["limit", false],
      ["to", false],
      ["x-y", true],
      ["policy", false],
    ]);
  });

  it("context: an unknown type name and misplaced commas are errors", () => {
    const { errors, document } = parse("policy p\ncontext { a: str, , b: string,, }");
    expect(errors.map((e) => [e.text, e.message])).toEqual([
      ["str", "unknown type `str`: use `string`, `number`, `integer`, `boolean`, a union of strings, `[T]` or `{ ... }`"],
      [",", "unexpected `,`: a comma may only follow a field"],
      [",", "unexpected `,`: a comma may only follow a field"],
    ]);
    const ctx = document.declarations[0] as A.ContextDecl;
    expect(ctx.fields.map((f) => [f.name.name, f.type.kind])).toEqual([
      ["a", "ErrorType"],
      ["b", "PrimitiveType"],
    ]);
  });

  it("const, label, cost, price, default", () => {
    expect(sexpr(only('const corp = ["a", "b"]', "ConstDecl").value)).toBe('["a", "b"]');
    const label = only("label pii on crm.get_customer, crm.*, *", "LabelDecl");
    expect(label.name.name).toBe("pii");
    expect(label.selectors.map((s) => s.text)).toEqual(["crm.get_customer", "crm.*", "*"]);
    const cost = only("cost inv.a, inv.b = $0.05 per call", "CostDecl");
    expect(cost.selectors.map((s) => s.text)).toEqual(["inv.a", "inv.b"]);
    expect(cost.amount.micros).toBe(50_000);
    const price = only('price model "gpt-4o" input $2.50 output $10 per 1M tokens', "PriceDecl");
    expect([price.model.value, price.input.micros, price.output.micros]).toEqual(["gpt-4o", 2_500_000, 10_000_000]);
    expect(only("default allow", "DefaultDecl").effect).toBe("allow");
    expect(only("default deny", "DefaultDecl").effect).toBe("deny");
  });

  it("price is one fixed phrase", () => {
    expect(parse('policy p\nprice model "m" input $1 output $2 per 1000 tokens').errors.map((e) => e.message)).toEqual(["expected `1M` but found `1000`"]);
    expect(parse('policy p\nprice "m" input $1 output $2 per 1M tokens').errors.map((e) => e.message)).toEqual(['expected `model` but found `"m"`']);
  });

  it("rules: annotations, several selectors, when, unless, because", () => {
    const text = '@id("r-1") @owner("sec team")\ndeny mail.send, gh.`create-issue`, inv.*, * when a unless b because "no"';
    const r = only(text, "Rule");
    const src = `policy p\n${text}`;
    expect(r.annotations.map((a) => [a.name.name, a.value.value])).toEqual([
      ["id", "r-1"],
      ["owner", "sec team"],
    ]);
    expect(r.effect).toBe("deny");
    expect(slice(src, r.effectSpan)).toBe("deny");
    expect(slice(src, r.span)).toBe(text);
    expect(r.selectors.map((s) => [s.text, s.alias?.name ?? null, s.tool?.name ?? null, s.tool?.quoted ?? null, slice(src, s.span)])).toEqual([
      ["mail.send", "mail", "send", false, "mail.send"],
      ["gh.`create-issue`", "gh", "create-issue", true, "gh.`create-issue`"],
      ["inv.*", "inv", null, null, "inv.*"],
      ["*", null, null, null, "*"],
    ]);
    expect([sexpr(r.when), sexpr(r.unless), r.because?.value]).toEqual(["a", "b", "no"]);
  });

  it("selector text has whitespace and comments removed", () => {
    const r = only("allow gh . /* c */ `create issue` , inv .\n *", "Rule");
    expect(r.selectors.map((s) => s.text)).toEqual(["gh.`create issue`", "inv.*"]);
  });

  it("a bare rule has null clauses", () => {
    expect(only("review x.y", "Rule")).toMatchObject({ annotations: [], when: null, unless: null, because: null });
  });

  it.each([
    ["limit inv.search to 60 calls per minute", "calls", ["inv.search"], 60, 60_000, null],
    ["limit a.b, c.* to 5 calls per 10 minutes by ctx.user.id", "calls", ["a.b", "c.*"], 5, 600_000, "ctx.user.id"],
    ["limit * to 1 calls per 1 second", "calls", ["*"], 1, 1000, null],
    ["limit * to 1 calls per 2 seconds", "calls", ["*"], 1, 2000, null],
    ["limit * to 9 calls per hour", "calls", ["*"], 9, 3_600_000, null],
    ["limit * to 9 calls per 3 hour", "calls", ["*"], 9, 10_800_000, null],
    ["limit * to 9 calls per day", "calls", ["*"], 9, 86_400_000, null],
    ["limit * to 9 calls per 7 days", "calls", ["*"], 9, 604_800_000, null],
    ["limit * to 9 calls per second", "calls", ["*"], 9, 1000, null],
    ["limit * to 9 calls per session", "calls", ["*"], 9, "session", null],
    ["limit tokens to 200_000 per day", "tokens", [], 200_000, 86_400_000, null],
    ["limit tokens to 5 per 2 minute by session.id", "tokens", [], 5, 120_000, "session.id"],
    ["limit cost to $25.50 per session", "cost", [], 25_500_000, "session", null],
    ["limit cost to $1 per 1 days by session.id", "cost", [], 1_000_000, 86_400_000, "session.id"],
    ["limit repeats to 3", "repeats", [], 3, null, null],
  ])("%s", (text, kind, selectors, amount, window, by) => {
    const l = only(text, "Limit");
    expect(l.limitKind).toBe(kind);
    expect(l.selectors.map((s) => s.text)).toEqual(selectors);
    expect(l.amount.kind === "MoneyLiteral" ? l.amount.micros : l.amount.value).toBe(amount);
    expect(l.window?.ms ?? null).toBe(window);
    expect(l.by ? sexpr(l.by) : null).toBe(by);
    expect(l.amount.kind).toBe(kind === "cost" ? "MoneyLiteral" : "NumberLiteral");
  });

  it("bad windows are errors", () => {
    const messages = (text: string) => parse(`policy p\n${text}`).errors.map((e) => e.message);
    expect(messages("limit * to 1 calls per minutes")).toEqual(["`per minutes` needs a count: write `per minute` or `per 5 minutes`"]);
    expect(messages("limit * to 1 calls per 0 days")).toEqual(["a window length must be a whole number of at least 1, not `0`"]);
    expect(messages("limit * to 1 calls per 1.5 hours")).toEqual(["a window length must be a whole number of at least 1, not `1.5`"]);
    expect(messages("limit * to 1 calls per week")).toEqual(["expected a window (`second`, `minute`, `hour`, `day`, `N minutes`, ... or `session`) but found `week`"]);
    expect(messages("limit * to 1 calls per 9999999999999 days")).toEqual(["this window is too long"]);
  });

  it("agents: extends several parents, rules and limits with annotations and docs", () => {
    const a = only(
      `/// The buyer.
      agent "buyer" extends "reader", "auditor" {
        /// May buy.
        @id("buy")
        allow inv.order when args.qty < 10
        @id("cap") limit inv.order to 3 calls per day
      }`,
      "AgentDecl",
    );
    expect(a.doc).toBe("The buyer.");
    expect(a.id.value).toBe("buyer");
    expect(a.extends.map((e) => e.value)).toEqual(["reader", "auditor"]);
    expect(a.body.map((m) => [m.kind, m.doc, m.annotations.map((x) => x.value.value)])).toEqual([
      ["Rule", "May buy.", ["buy"]],
      ["Limit", null, ["cap"]],
    ]);
    expect(only('agent "empty" {}', "AgentDecl").body).toEqual([]);
  });

  it("invariants: optional agent, several selectors, optional when, effects joined by |", () => {
    const i = only('invariant never_buy: agent "reader" inv.order, inv.pay when args.qty > 5 => deny | review', "Invariant");
    expect(i.name.name).toBe("never_buy");
    expect(i.agent?.value).toBe("reader");
    expect(i.selectors.map((s) => s.text)).toEqual(["inv.order", "inv.pay"]);
    expect(sexpr(i.when)).toBe("(args.qty > 5)");
    expect(i.effects.map((e) => e.effect)).toEqual(["deny", "review"]);
    const j = only("invariant all: * => allow", "Invariant");
    expect([j.agent, j.when, j.selectors[0].text, j.effects.map((e) => e.effect)]).toEqual([null, null, "*", ["allow"]]);
  });

  it("tests: expect lines with and without context and rule id", () => {
    const t = only(
      `test "reader" {
        expect agent "r" calls inv.get({ sku: "A-1", "odd key": [1, true, null] }) with { user: { id: "u1" } } => deny "no-buy"
        expect agent "r" calls gh.\`list-issues\`({}) => allow
      }`,
      "TestDecl",
    );
    expect(t.name.value).toBe("reader");
    const [a, b] = t.expects;
    expect([a.agent.value, a.tool.text, sexpr(a.args), a.context && sexpr(a.context), a.effect.effect, a.ruleId?.value]).toEqual([
      "r",
      "inv.get",
      '{sku: "A-1", "odd key": [1, true, null]}',
      '{user: {id: "u1"}}',
      "deny",
      "no-buy",
    ]);
    expect([b.tool.alias?.name, b.tool.tool?.name, b.tool.tool?.quoted, b.context, b.ruleId, b.effect.effect]).toEqual(["gh", "list-issues", true, null, null, "allow"]);
    expect(only('test "empty" {}', "TestDecl").expects).toEqual([]);
  });

  it("expect calls one tool", () => {
    expect(parse('policy p\ntest "t" { expect agent "a" calls inv.*({}) => allow }').errors.map((e) => [e.text, e.message])).toEqual([
      ["inv.*", "`expect` calls one tool: write `ALIAS.TOOL`, not `inv.*`"],
    ]);
  });

  it("top-level rules and limits sit among other declarations in source order", () => {
    const doc = parseClean('policy p\nallow a.b\nlimit repeats to 2\nconst c = 1\ndeny *\nagent "x" {}');
    expect(doc.declarations.map((d) => d.kind)).toEqual(["Rule", "Limit", "ConstDecl", "Rule", "AgentDecl"]);
  });
});

describe("the policy header", () => {
  it("is required", () => {
    expect(parse("allow a.b").errors.map((e) => [e.start, e.message])).toEqual([[0, "expected `policy NAME` at the start of the file"]]);
    expect(parse("").errors.map((e) => e.message)).toEqual(["expected `policy NAME` at the start of the file"]);
    expect(parse("// only a comment\n").document.header).toBeNull();
  });

  it("comes first and only once", () => {
    const { document, errors } = parse("allow a.b\npolicy p\npolicy q");
    expect(errors.map((e) => [e.text, e.message])).toEqual([
      ["policy p", "the `policy` header must come before every other declaration"],
      ["policy q", "a policy has exactly one `policy` header"],
    ]);
    expect(document.header?.name.name).toBe("p");
  });
});

describe("doc comments", () => {
  it("attach to the next declaration, field, rule or limit", () => {
    const doc = parseClean(`/// Header.
policy p
/// Tools.
/// Two lines.
tools t from "x"
// plain comment, not a doc
const c = 1
/// Context.
context {
  /// The user.
  user: string
}
/// Top rule.
@id("x")
deny *`);
    expect(doc.header?.doc).toBe("Header.");
    expect(doc.declarations.map((d) => d.doc)).toEqual(["Tools.\nTwo lines.", null, "Context.", "Top rule."]);
    expect((doc.declarations[2] as A.ContextDecl).fields[0].doc).toBe("The user.");
    expect(doc.comments.map((c) => c.style)).toEqual(["doc", "doc", "doc", "line", "doc", "doc", "doc"]);
  });

  it("a regular comment between the doc and the declaration detaches it", () => {
    const doc = parseClean("policy p\n/// Lost.\n// interrupt\nconst c = 1");
    expect(doc.declarations[0].doc).toBeNull();
  });
});

describe("the facade", () => {
  it("reuses one parser per process", () => {
    expect(getParser()).toBe(getParser());
  });

  it("names the file in the document and every diagnostic", () => {
    const { document, diagnostics } = parseDocument("policy p\nallow", "/tmp/a.agentpolicy");
    expect(document.file).toBe("/tmp/a.agentpolicy");
    expect(document.span).toEqual({ start: 0, end: 14 });
    expect(diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([["E_SYNTAX", "error", "/tmp/a.agentpolicy"]]);
  });

  it("does not throw on a value that is not a string", () => {
    const { document } = parseDocument(undefined as unknown as string, "f");
    expect(document.kind).toBe("Document");
  });

  it("a generated 2,000-line policy parses cleanly (size sanity, not timed)", () => {
    const text = generatePolicy(2000);
    expect(text.split("\n").length).toBeGreaterThanOrEqual(2000);
    const doc = parseClean(text);
    expect(doc.declarations.length).toBeGreaterThan(500);
    expect(treeProblems(doc)).toEqual([]);
  });
});
