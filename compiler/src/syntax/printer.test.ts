/**
 * The canonical layout, decision by decision (see the header of printer.ts). Each case
 * formats an input and compares with the exact expected text; every expected text is
 * also checked to be a fixpoint (formatting it again changes nothing).
 */
import { describe, expect, it } from "vitest";
import { formatText } from "../format/format.js";

/** Formats `input` (which must succeed) and checks the result is stable. */
function fmt(input: string): string {
  const r = formatText(input, "test.agentpolicy");
  if (!r.ok) throw new Error(`formatText refused: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  const again = formatText(r.text, "test.agentpolicy");
  expect(again.ok && again.text).toBe(r.text);
  return r.text;
}

/** Lines joined with `\n`, plus the final newline. */
const lines = (...ls: string[]): string => `${ls.join("\n")}\n`;

describe("blocks and blank lines", () => {
  it("puts one blank line between kinds, keeps the author's choice within a kind, collapses runs", () => {
    const input = [
      "policy p version \"1\"",
      "tools inv from \"./inv.json\"",
      "tools crm from \"./crm.json\"",
      "",
      "",
      "",
      "tools mail from \"./mail.json\"",
      "const a = 1",
      "label pii on crm.get",
      "allow inv.get",
      "",
      "deny inv.put",
      "review inv.post",
      "limit inv.get to 5 calls per minute",
      "invariant i: inv.put => deny",
      "default deny",
    ].join("\n");
    expect(fmt(input)).toBe(
      lines(
        'policy p version "1"',
        "",
        'tools inv from "./inv.json"',
        'tools crm from "./crm.json"',
        "",
        'tools mail from "./mail.json"',
        "",
        "const a = 1",
        "",
        "label pii on crm.get",
        "",
        "allow inv.get",
        "",
        "deny inv.put",
        "review inv.post",
        "",
        "limit inv.get to 5 calls per minute",
        "",
        "invariant i: inv.put => deny",
        "",
        "default deny",
      ),
    );
  });

  it("sets context, agent and test blocks apart and indents their bodies by two spaces", () => {
    const input = 'policy p\ncontext { a: string, b?: number, }\nagent "x" extends "y", "z" { allow inv.a\nlimit repeats to 3 }\nagent "y" {}\ntest "t" { expect agent "x" calls inv.a({}) => allow }';
    expect(fmt(input)).toBe(
      lines(
        "policy p",
        "",
        "context {",
        "  a: string",
        "  b?: number",
        "}",
        "",
        'agent "x" extends "y", "z" {',
        "  allow inv.a",
        "",
        "  limit repeats to 3",
        "}",
        "",
        'agent "y" {}',
        "",
        'test "t" {',
        '  expect agent "x" calls inv.a({}) => allow',
        "}",
      ),
    );
  });

  it("prints nested record types inline when they fit, else one field per line without commas", () => {
    const long = Array.from({ length: 8 }, (_, i) => `field_number_${i}: string`).join(", ");
    const input = `policy p\ncontext { user: {id: string,role: "viewer"|"buyer"}\n tags: [string]\n big: { ${long} } }`;
    const out = fmt(input);
    expect(out).toContain('  user: { id: string, role: "viewer" | "buyer" }\n  tags: [string]\n  big: {\n    field_number_0: string\n');
    expect(out).toContain("    field_number_7: string\n  }\n}\n");
  });

  it("normalizes line ends to LF, drops a byte-order mark and ends with exactly one newline", () => {
    expect(fmt("\ufeffpolicy p\r\nallow inv.a\r\n\r\n\r\n")).toBe(lines("policy p", "", "allow inv.a"));
  });
});

describe("rules", () => {
  const head = "allow inv.a when args.x == 1 because ";
  it("keeps a rule on one line up to 100 columns and breaks each clause onto its own line beyond", () => {
    const fits = `${head}"${"m".repeat(100 - head.length - 2)}"`;
    expect(fits.length).toBe(100);
    expect(fmt(`policy p\n${fits}`)).toBe(lines("policy p", "", fits));
    const over = `${head}"${"m".repeat(101 - head.length - 2)}"`;
    expect(fmt(`policy p\n${over}`)).toBe(lines("policy p", "", "allow inv.a", "  when args.x == 1", `  because "${"m".repeat(101 - head.length - 2)}"`));
  });

  it("breaks long and/or chains before the operator, nested chains indented further", () => {
    const input = "policy p\ndeny * when args.aaaaaaaaaaaaaaaaaaaaaaa == 1 and args.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb == 2 and (args.cccccccccccccccccc == 3 or args.ddddddddddddddddddddddddd == 4) unless ctx.admin";
    expect(fmt(input)).toBe(
      lines(
        "policy p",
        "",
        "deny *",
        "  when args.aaaaaaaaaaaaaaaaaaaaaaa == 1",
        "    and args.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb == 2",
        "    and (args.cccccccccccccccccc == 3 or args.ddddddddddddddddddddddddd == 4)",
        "  unless ctx.admin",
      ),
    );
  });

  it("puts each annotation on its own line above the rule", () => {
    expect(fmt('policy p\n@id("r1") @owner("sec") deny inv.a')).toBe(lines("policy p", "", '@id("r1")', '@owner("sec")', "deny inv.a"));
  });

  it("wraps a selector list that does not fit one per line, and prints selectors as written without spaces", () => {
    const sels = ["fs.read_text_file", "fs.read_media_file", "fs.list_directory", "fs.list_directory_with_sizes", "fs.search_files"];
    expect(fmt(`policy p\nallow ${sels.join(" ,  ")}, gh . \`create-issue\` when ctx.ok`)).toBe(
      lines("policy p", "", `allow ${sels[0]},`, ...sels.slice(1).map((s) => `    ${s},`), "    gh.`create-issue`", "  when ctx.ok"),
    );
  });
});

describe("limits", () => {
  it("prints the four forms canonically; windows keep their unit, drop a count of 1, pluralize other counts", () => {
    const input = [
      "policy p",
      "limit inv.a,inv.b to 60 calls per 1 minutes",
      "limit * to 500 calls per hour by ctx.user.id",
      "limit tokens to 200_000 per 5 hour",
      "limit cost to $25 per 60 seconds by session.id",
      "limit cost to $1 per session",
      "limit repeats to 3",
    ].join("\n");
    expect(fmt(input)).toBe(
      lines(
        "policy p",
        "",
        "limit inv.a, inv.b to 60 calls per minute",
        "limit * to 500 calls per hour by ctx.user.id",
        "limit tokens to 200_000 per 5 hours",
        "limit cost to $25 per 60 seconds by session.id",
        "limit cost to $1 per session",
        "limit repeats to 3",
      ),
    );
  });
});

describe("expressions", () => {
  const value = (src: string): string => {
    const out = fmt(`policy p\nconst x = ${src}`);
    return out.slice("policy p\n\nconst x = ".length, -1);
  };

  it("uses canonical spacing for operators, commas, records and lists", () => {
    expect(value("{a:1,\"b c\":[1,2 ,3],`d-e`:{}, `ok`:[]}")).toBe('{ a: 1, "b c": [1, 2, 3], `d-e`: {}, ok: [] }');
    expect(value("args.to.all(a=>a.endsWith(\"@x\"))")).toBe('args.to.all(a => a.endsWith("@x"))');
    expect(value("session.count(inv.*)+session.count(*)")).toBe("session.count(inv.*) + session.count(*)");
    expect(value("args   has    cc")).toBe("args has cc");
  });

  it("keeps only the parentheses precedence needs", () => {
    expect(value("((a and b)) or c")).toBe("a and b or c");
    expect(value("(a or b) and c")).toBe("(a or b) and c");
    expect(value("a and (b and c)")).toBe("a and (b and c)");
    expect(value("(a and b) and c")).toBe("a and b and c");
    expect(value("(not a) == b")).toBe("(not a) == b");
    expect(value("not (a == b)")).toBe("not a == b");
    expect(value("not (a and b)")).toBe("not (a and b)");
    expect(value("a - (b - c)")).toBe("a - (b - c)");
    expect(value("(a - b) - c")).toBe("a - b - c");
    expect(value("-(a + b) * (c)")).toBe("-(a + b) * c");
    expect(value("a ?? (b ?? c)")).toBe("a ?? b ?? c");
    expect(value("(a ?? b) ?? c")).toBe("(a ?? b) ?? c");
    expect(value("(a ?? []).all(x => x > 1)")).toBe("(a ?? []).all(x => x > 1)");
    expect(value("(a.b) has c")).toBe("a.b has c");
    expect(value("(a == b) == c")).toBe("(a == b) == c");
    expect(value("(args has x) and (args.x > 1)")).toBe("args has x and args.x > 1");
  });

  it("re-escapes strings canonically and keeps numbers and money as written", () => {
    expect(value('"a\\/b\\u0041\\u00e9\\u200b\\u0007\\t\\"\\\\"')).toBe('"a/bAé\\u200b\\u0007\\t\\"\\\\"');
    expect(value("[5_000, 3.5, 007, $0.05, $1_000, -1]")).toBe("[5_000, 3.5, 007, $0.05, $1_000, -1]");
  });

  it("breaks records, lists and call arguments that do not fit, one item per line with a trailing comma", () => {
    const out = fmt('policy p\nconst x = { user: { id: "a-very-long-user-identifier", role: "viewer" }, tenant: "tenant-with-a-long-name", ticket: 1 }');
    expect(out).toBe(
      lines(
        "policy p",
        "",
        "const x = {",
        '  user: { id: "a-very-long-user-identifier", role: "viewer" },',
        '  tenant: "tenant-with-a-long-name",',
        "  ticket: 1,",
        "}",
      ),
    );
  });
});

describe("invariants and tests", () => {
  it("breaks an invariant after the colon, then before `when` and `=>`", () => {
    const input =
      'policy p\ninvariant big_orders_reviewed: agent "buyer" inv.create_purchase_order when args.qty * args.unit_price > 5_000 => deny | review';
    expect(fmt(input)).toBe(
      lines(
        "policy p",
        "",
        "invariant big_orders_reviewed:",
        '  agent "buyer" inv.create_purchase_order when args.qty * args.unit_price > 5_000 => deny | review',
      ),
    );
  });

  it("breaks an expect line before `calls`, `with` and `=>`", () => {
    const input =
      'policy p\ntest "t" { expect agent "inventory-reader" calls inv.create_purchase_order({ sku: "A-1", qty: 1 }) with { user: { id: "u1" } } => deny "no-purchases" }';
    expect(fmt(input)).toBe(
      lines(
        "policy p",
        "",
        'test "t" {',
        '  expect agent "inventory-reader"',
        '    calls inv.create_purchase_order({ sku: "A-1", qty: 1 })',
        '    with { user: { id: "u1" } }',
        '    => deny "no-purchases"',
        "}",
      ),
    );
  });
});

describe("comments", () => {
  it("keeps own-line, trailing, block and doc comments where they were", () => {
    const input = [
      "// file header",
      "",
      "/// The policy.",
      "policy p // trailing the header",
      "/* a block */ tools inv from \"./i.json\"",
      "",
      "// about the rules",
      "/// Documented rule.",
      "allow inv.a /* inline */ when args.x == 1 // why",
      "deny inv.b",
      "// the end",
    ].join("\n");
    expect(fmt(input)).toBe(
      lines(
        "// file header",
        "",
        "/// The policy.",
        "policy p // trailing the header",
        "",
        '/* a block */ tools inv from "./i.json"',
        "",
        "// about the rules",
        "/// Documented rule.",
        "allow inv.a /* inline */ when args.x == 1 // why",
        "deny inv.b",
        "// the end",
      ),
    );
  });

  it("moves a comment that stood before a clause above the clause keyword, and one inside a chain above its operator", () => {
    const input = "policy p\ndeny mail.send\n  // explain\n  when a\n  // second\n  and b // after b\n  because \"no\"";
    expect(fmt(input)).toBe(lines("policy p", "", "deny mail.send", "  // explain", "  when a", "    // second", "    and b // after b", '  because "no"'));
  });

  it("keeps comments inside records, lists, calls and empty blocks", () => {
    const input = [
      "policy p",
      "const r = { // first",
      "  a: 1, // one",
      "  /* before b */ b: [ 1, // in list",
      "  2 ],",
      "  c: f( /* no args */ ),",
      "}",
      "agent \"x\" {",
      "  // nothing yet",
      "}",
      "agent \"y\" { /* empty */ }",
    ].join("\n");
    expect(fmt(input)).toBe(
      lines(
        "policy p",
        "",
        "const r = { // first",
        "  a: 1, // one",
        "  /* before b */ b: [",
        "    1, // in list",
        "    2,",
        "  ],",
        "  c: f(/* no args */),",
        "}",
        "",
        'agent "x" {',
        "  // nothing yet",
        "}",
        "",
        'agent "y" { /* empty */ }',
      ),
    );
  });

  it("keeps context field docs and trailing comments", () => {
    const input = 'policy p\ncontext {\n  /// Who asks.\n  user: string, // required\n  tenant?: string\n}';
    expect(fmt(input)).toBe(lines("policy p", "", "context {", "  /// Who asks.", "  user: string // required", "  tenant?: string", "}"));
  });
});

describe("refusal", () => {
  it("refuses a text with syntax errors and returns the parser's diagnostics", () => {
    const r = formatText("policy p\nallow when", "bad.agentpolicy");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics.every((d) => d.code === "E_SYNTAX" && d.file === "bad.agentpolicy")).toBe(true);
    }
  });

  it("never throws, whatever the input", () => {
    for (const text of ["", "\u0000", "policy", "policy p\nconst x = " + "(".repeat(300), "policy p\n/* open"]) {
      expect(() => formatText(text)).not.toThrow();
    }
  });
});
