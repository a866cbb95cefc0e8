import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldExpr } from "../semantic/fold.js";
import { parseDocument } from "../syntax/parse.js";
import { expectLine, policyNumber, policyString, policyToolName, policyValue } from "./policy-values.js";

/** Parses `value` where an `expect` puts its arguments, and folds it back to a value. */
function readBack(source: string): unknown {
  const text = `policy p\ntest "t" {\n  expect agent "a" calls x.y(${source}) => allow\n}\n`;
  const parsed = parseDocument(text, "/virtual/p.agentpolicy");
  if (parsed.diagnostics.some((d) => d.severity === "error")) throw new Error(`${source}: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  const test = parsed.document.declarations.find((d) => d.kind === "TestDecl");
  if (!test || test.kind !== "TestDecl") throw new Error("no test block");
  const folded = foldExpr(test.expects[0].args, () => undefined);
  if (!folded.ok) throw new Error(folded.message);
  return folded.value;
}

describe("policy values", () => {
  it("numbers never use exponents", () => {
    expect(policyNumber(1e21)).toBe("1000000000000000000000");
    expect(policyNumber(1.5e-7)).toBe("0.00000015");
    expect(policyNumber(-2.5e-10)).toBe("-0.00000000025");
    expect(policyNumber(-0)).toBe("0");
    expect(policyNumber(123.456)).toBe("123.456");
  });

  it("strings use only the escapes of the language", () => {
    expect(policyString('a"b\\c\n\t\r')).toBe('"a\\"b\\\\c\\n\\t\\r"');
    expect(policyString("\u0000\b\f")).toBe('"\\u0000\\u0008\\u000c"');
  });

  it("tool names take backticks when not identifier-shaped", () => {
    expect(policyToolName("gh.create-issue")).toBe("gh.`create-issue`");
    expect(policyToolName("inv.search")).toBe("inv.search");
  });

  it("expect lines", () => {
    expect(expectLine({ agent: "buyer", tool: "inv.order", args: { qty: 2, "odd key": [true, null] }, context: { user: { id: "u" } } }, "deny")).toBe(
      'expect agent "buyer" calls inv.order({ qty: 2, "odd key": [true, null] }) with { user: { id: "u" } } => deny',
    );
    expect(expectLine({ agent: "a", tool: "fs.read_file", args: { path: "/x" } }, "allow")).toBe('expect agent "a" calls fs.read_file({ path: "/x" }) => allow');
  });

  it("every JSON record reads back as itself", () => {
    const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("limit", "args", "__proto__x", "a-b", "when"));
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "binary", maxLength: 8 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("v"), { maxLength: 3 }),
        fc.dictionary(key, tie("v"), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (record) => {
        expect(readBack(policyValue(record))).toEqual(JSON.parse(JSON.stringify(record)));
      }),
      { numRuns: 100, seed: 42 },
    );
  });
});
