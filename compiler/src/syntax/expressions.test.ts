import { describe, expect, it } from "vitest";
import type * as A from "./ast.js";
import { expr, parse, parseClean, sexpr, show } from "./__fixtures__/harness.js";

describe("precedence (LANGUAGE.md §8, low → high)", () => {
  it.each([
    // or < and < not
    ["a or b and c", "(a or (b and c))"],
    ["a and b or c", "((a and b) or c)"],
    ["a or b or c", "((a or b) or c)"],
    ["not a or b", "((not a) or b)"],
    ["not a and b", "((not a) and b)"],
    ["a and not b or c", "((a and (not b)) or c)"],
    ["not not a", "(not (not a))"],
    // not < comparisons
    ["not a == b", "(not (a == b))"],
    ["not a in b", "(not (a in b))"],
    ["not x has y", "(not (x has y))"],
    ["not a < b and c", "((not (a < b)) and c)"],
    // comparisons < ??
    ["a == b ?? c", "(a == (b ?? c))"],
    ["a ?? b == c", "((a ?? b) == c)"],
    ["a ?? b in c", "((a ?? b) in c)"],
    // ?? is right-associative, below + -
    ["a ?? b ?? c", "(a ?? (b ?? c))"],
    ["a ?? b + c", "(a ?? (b + c))"],
    ["a + b ?? c - d", "((a + b) ?? (c - d))"],
    // + - < *
    ["a + b * c", "(a + (b * c))"],
    ["a * b + c", "((a * b) + c)"],
    ["a - b - c", "((a - b) - c)"],
    ["a - b + c", "((a - b) + c)"],
    ["a * b * c", "((a * b) * c)"],
    // * < unary - < member/call
    ["-a * b", "((- a) * b)"],
    ["a * -b", "(a * (- b))"],
    ["- -a", "(- (- a))"],
    ["-a.b", "(- a.b)"],
    ["-f(x).y", "(- f(x).y)"],
    ["not -a < b", "(not ((- a) < b))"],
    // comparisons
    ["a < b + c", "(a < (b + c))"],
    ["a + 1 >= b * 2", "((a + 1) >= (b * 2))"],
    ["a != null and b <= 3", "((a != null) and (b <= 3))"],
    ["x in [1, 2] or y > 0", "((x in [1, 2]) or (y > 0))"],
    ["x has y and z", "((x has y) and z)"],
    ["x.y has z or w", "((x.y has z) or w)"],
    // parentheses
    ["(a or b) and c", "((a or b) and c)"],
    ["not (a and b)", "(not (a and b))"],
    ["(a < b) == (c < d)", "((a < b) == (c < d))"],
    ["(a ?? b) ?? c", "((a ?? b) ?? c)"],
    ["-(a + b)", "(- (a + b))"],
    // postfix chains
    ["a.b.c(d)(e).f", "a.b.c(d)(e).f"],
    ["(a ?? []).all(x => x.endsWith(\"@corp.example.com\"))", '(a ?? []).all((x => x.endsWith("@corp.example.com")))'],
  ])("%s", (text, expected) => {
    expect(show(text)).toBe(expected);
  });

  it("`not` cannot stand where a tighter operator needs an operand", () => {
    expect(expr("a == not b").errors).toEqual(["`not` binds more loosely than the operator before it: add parentheses, like `(not x)`"]);
    expect(expr("a + not b").errors).toHaveLength(1);
    expect(expr("-not a").errors).toEqual(["`not` cannot follow unary `-`: add parentheses"]);
    expect(show("a == (not b)")).toBe("(a == (not b))");
  });

  it("`has` takes a name, not an expression", () => {
    expect(expr("a has b + c").errors).toEqual(["`has` takes one field name: add parentheses around the left side"]);
  });
});

describe("comparisons do not chain", () => {
  it.each(["a < b < c", "a == b == c", "a != b > c", "a in b in c", "x has y has z", "x has y == true", "a == b has c", "a <= b >= c"])("%s is E_SYNTAX", (text) => {
    const { errors } = expr(text);
    expect(errors).toEqual(["comparisons do not chain: join them with `and`, or add parentheses"]);
  });

  it("reports at the second operator", () => {
    const { errors } = parse("policy p\nconst x = a < b < c");
    expect(errors.map((e) => [e.text, e.start])).toEqual([["<", 25]]);
  });

  it.each(["(a < b) < c", "a < (b < c)", "a < b and b < c", "(x has y) == true", "not (a == b) == c"])("%s is fine", (text) => {
    expect(expr(text).errors).toEqual([]);
  });
});

describe("literals", () => {
  it.each([
    ['"a\\tb"', '"a\\tb"'],
    ["42", "42"],
    ["1_000.5", "1000.5"],
    ["$0.05", "$50000u"],
    ["true", "true"],
    ["false", "false"],
    ["null", "null"],
    ["[]", "[]"],
    ["[1, [2, 3], ]", "[1, [2, 3]]"],
    ["{}", "{}"],
    ['{ a: 1, "any key": 2, `b-c`: 3, }', '{a: 1, "any key": 2, b-c: 3}'],
    ["`odd name`", "`odd name`"],
  ])("%s", (text, expected) => {
    expect(show(text)).toBe(expected);
  });

  it("record keys record how they were written", () => {
    const e = expr('{ to: 1, "to": 2, `to`: 3 }').expr as A.RecordLiteral;
    expect(e.entries.map((x) => [x.key, x.keyQuoted])).toEqual([
      ["to", false],
      ["to", true],
      ["to", false],
    ]);
  });

  it("commas are required between list elements and record entries", () => {
    expect(expr("[1 2]").errors).toEqual(["expected `]` but found `2`"]);
    expect(expr("{ a: 1 b: 2 }").errors).toEqual(["expected `}` but found `b`"]);
  });
});

describe("names where exactly one name can stand", () => {
  it("any identifier-shaped word after `.`, after `has`, as a record key", () => {
    expect(show("args.to")).toBe("args.to");
    expect(show("args.policy.deny.limit")).toBe("args.policy.deny.limit");
    expect(show("args has limit")).toBe("(args has limit)");
    expect(show("args has when and args.when")).toBe("((args has when) and args.when)");
    expect(show("{ limit: 3, null: 1, true: 2 }")).toBe("{limit: 3, null: 1, true: 2}");
    expect(show("args.`x-y` == args.`to`")).toBe("(args.x-y == args.to)");
    expect(show("args has `x-y`")).toBe("(args has x-y)");
  });

  it("any word after `ALIAS.` in a selector; annotations may use any name", () => {
    const doc = parseClean('policy p\n@default("x") allow inv.allow, inv.deny, inv.`policy`');
    const r = doc.declarations[0] as A.Rule;
    expect(r.selectors.map((s) => s.text)).toEqual(["inv.allow", "inv.deny", "inv.`policy`"]);
    expect(r.annotations[0].name.name).toBe("default");
  });

  it("contextual words are ordinary names elsewhere", () => {
    expect(show("session.id == minute.day")).toBe("(session.id == minute.day)");
    expect(show("price + model + input + output + seconds")).toBe("((((price + model) + input) + output) + seconds)");
  });

  it("reserved words cannot stand as other names", () => {
    expect(parse("policy p\nconst to = 1").errors.map((e) => e.message)).toEqual(["expected a name but found `to`"]);
    // `deny` then starts a rule (recovery resumes at a declaration keyword).
    expect(parse('policy p\ntools deny from "x"').errors.map((e) => e.message)).toEqual([
      "expected a name but found `deny`",
      "expected a tool selector (`ALIAS.TOOL`, `ALIAS.*` or `*`) but found `from`",
    ]);
    expect(expr("to + 1").errors).toEqual(["expected an expression but found `to`"]);
    expect(expr("x.any(to => 1)").errors.length).toBeGreaterThan(0);
  });

  it("a reserved word on a later line than the `.` is not taken as the name", () => {
    const { document, errors } = parse("policy p\nallow inv.\ndeny inv.x");
    expect(errors.map((e) => e.message)).toEqual(["expected a tool name or `*` but found `deny`"]);
    expect(document.declarations.map((d) => (d as A.Rule).selectors.map((s) => s.text).join())).toEqual(["inv.", "inv.x"]);
    // On the same line it is a name.
    expect((parseClean("policy p\nallow inv.deny").declarations[0] as A.Rule).selectors[0].text).toBe("inv.deny");
    // A non-reserved word on the next line still is.
    expect((parseClean("policy p\nallow inv.\n  search").declarations[0] as A.Rule).selectors[0].text).toBe("inv.search");
  });
});

describe("calls, lambdas and selector arguments", () => {
  it("lambdas stand as call arguments", () => {
    expect(show("xs.any(x => x > 1 and x < 5)")).toBe("xs.any((x => ((x > 1) and (x < 5))))");
    expect(show("xs.all(x => x.ys.any(y => y == x))")).toBe("xs.all((x => x.ys.any((y => (y == x)))))");
    expect(show("f(a, b,)")).toBe("f(a, b)");
    expect(show("f()")).toBe("f()");
  });

  it("`=>` elsewhere belongs to invariants and expects", () => {
    expect(expr("x => 1").errors).toEqual(["expected a declaration but found `=>`"]);
    const doc = parseClean("policy p\ninvariant i: a.b when xs.any(x => x) => deny");
    expect(sexpr((doc.declarations[0] as A.Invariant).when)).toBe("xs.any((x => x))");
  });

  it("tool selectors as arguments of session.count", () => {
    expect(show("session.count(inv.*) + session.count(*) + session.count(inv.search, gh.`x-y`)")).toBe(
      "((session.count(inv.*) + session.count(*)) + session.count(inv.search, gh.x-y))",
    );
    const star = (expr("session.count(*)").expr as A.CallExpr).args[0];
    expect(star).toMatchObject({ kind: "NameRef", name: "*", quoted: false });
    const all = (expr("session.count(inv.*)").expr as A.CallExpr).args[0];
    expect(all).toMatchObject({ kind: "MemberExpr", object: { kind: "NameRef", name: "inv" }, property: { name: "*" } });
  });

  it("`.*` anywhere else is an error", () => {
    expect(expr("args.*").errors).toEqual(["`.*` selects every tool of a manifest and can only be a call argument, like `session.count(inv.*)`"]);
    expect(expr("f(inv.* + 1)").errors).toHaveLength(1);
    expect(expr("f(inv.a.*)").errors).toHaveLength(1);
  });
});

describe("spans", () => {
  const at = (text: string) => {
    const src = `policy p\nconst x = ${text}`;
    const { document } = parse(src);
    const e = (document.declarations[0] as A.ConstDecl).value;
    return { e, s: (span: A.Span) => src.slice(span.start, span.end) };
  };

  it("binary, unary, member, call and has nodes cover their text", () => {
    const { e, s } = at("not a.b(c, d) >= -1 and x has `y z`");
    expect(s(e.span)).toBe("not a.b(c, d) >= -1 and x has `y z`");
    const and = e as A.BinaryExpr;
    expect(s(and.opSpan)).toBe("and");
    const not = and.left as A.UnaryExpr;
    expect(s(not.span)).toBe("not a.b(c, d) >= -1");
    const ge = not.operand as A.BinaryExpr;
    expect([s(ge.span), s(ge.opSpan), s(ge.left.span), s(ge.right.span)]).toEqual(["a.b(c, d) >= -1", ">=", "a.b(c, d)", "-1"]);
    const call = ge.left as A.CallExpr;
    expect([s(call.callee.span), s((call.callee as A.MemberExpr).property.span)]).toEqual(["a.b", "b"]);
    const has = and.right as A.HasExpr;
    expect([s(has.span), s(has.field.span), has.field.name, has.field.quoted]).toEqual(["x has `y z`", "`y z`", "y z", true]);
  });

  it("a parent covers the parentheses around its operands", () => {
    const { e, s } = at("(a or b) and (c)");
    expect(s(e.span)).toBe("(a or b) and (c)");
    expect(s((e as A.BinaryExpr).left.span)).toBe("a or b");
    for (const text of ["(a).b", "-(a)", "f((a))", "(a)(b)", "x.any(y => (y))", "(a) has b"]) {
      const r = at(text);
      expect(r.s(r.e.span)).toBe(text);
    }
  });

  it("string, number, money, list and record literals span their text", () => {
    const { e, s } = at('[ "a\\n", 1_0, $2.5, { k: null } ]');
    const list = e as A.ListLiteral;
    expect(list.elements.map((x) => s(x.span))).toEqual(['"a\\n"', "1_0", "$2.5", "{ k: null }"]);
    expect(s(list.span)).toBe('[ "a\\n", 1_0, $2.5, { k: null } ]');
    const rec = list.elements[3] as A.RecordLiteral;
    expect([s(rec.entries[0].span), s(rec.entries[0].keySpan)]).toEqual(["k: null", "k"]);
  });
});

describe("the `agent` root", () => {
  it.each([
    ['agent.id == "x"', '(agent.id == "x")'],
    ["args.owner != agent.id", "(args.owner != agent.id)"],
  ])("%s parses although `agent` is reserved", (src, want) => {
    expect(show(src)).toBe(want);
  });
});
