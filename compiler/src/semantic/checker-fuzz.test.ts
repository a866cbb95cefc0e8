/** Property: the checker is total on any well-formed tree, parse-error placeholders included. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadManifest } from "../manifest/load.js";
import type * as ast from "../syntax/ast.js";
import { checkDocument } from "./checker.js";
import { FS_MANIFEST } from "./test-support.js";

const S: ast.Span = { start: 0, end: 1 };
const id = (name: string): ast.Identifier => ({ kind: "Identifier", name, quoted: false, span: S });
const str = (value: string): ast.StringLiteral => ({ kind: "StringLiteral", value, span: S });
const names = ["args", "ctx", "tool", "session", "agent", "k", "l", "x", "url", "path", "*", "fs", "nope", ""];
const props = ["path", "limit", "head", "cc", "options", "backup", "length", "id", "name", "host", "port", "*", "lower", "any", "all", "has", "count", "x"];
const ops: ast.BinaryOp[] = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "??", "+", "-", "*"];

const expr: fc.Arbitrary<ast.Expr> = fc.letrec<{ e: ast.Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<ast.Expr>(
      { kind: "NullLiteral", span: S },
      { kind: "BooleanLiteral", value: true, span: S },
      { kind: "NumberLiteral", value: 3, span: S },
      { kind: "NumberLiteral", value: 2.5, span: S },
      { kind: "MoneyLiteral", micros: 1_500_000, span: S },
      { kind: "ErrorExpr", span: S },
      str("a"),
      str("(a+)+"),
    ),
    fc.constantFrom(...names).map((name): ast.Expr => ({ kind: "NameRef", name, quoted: false, span: S })),
    fc.record({ o: tie("e"), p: fc.constantFrom(...props) }).map(({ o, p }): ast.Expr => ({ kind: "MemberExpr", object: o, property: id(p), span: S })),
    fc.record({ c: tie("e"), a: fc.array(tie("e"), { maxLength: 3 }) }).map(({ c, a }): ast.Expr => ({ kind: "CallExpr", callee: c, args: a, span: S })),
    fc.record({ p: fc.constantFrom("x", "args", "k"), b: tie("e") }).map(({ p, b }): ast.Expr => ({ kind: "LambdaExpr", param: id(p), body: b, span: S })),
    fc.record({ op: fc.constantFrom<"not" | "-">("not", "-"), o: tie("e") }).map(({ op, o }): ast.Expr => ({ kind: "UnaryExpr", op, operand: o, span: S })),
    fc.record({ op: fc.constantFrom(...ops), l: tie("e"), r: tie("e") }).map(({ op, l, r }): ast.Expr => ({ kind: "BinaryExpr", op, opSpan: S, left: l, right: r, span: S })),
    fc.record({ o: tie("e"), f: fc.constantFrom(...props) }).map(({ o, f }): ast.Expr => ({ kind: "HasExpr", object: o, field: id(f), span: S })),
    fc.array(tie("e"), { maxLength: 3 }).map((elements): ast.Expr => ({ kind: "ListLiteral", elements, span: S })),
    fc.array(fc.record({ k: fc.constantFrom("path", "a", "a"), v: tie("e") }), { maxLength: 3 }).map(
      (es): ast.Expr => ({
        kind: "RecordLiteral",
        entries: es.map(({ k, v }) => ({ kind: "RecordEntry", key: k, keySpan: S, keyQuoted: false, value: v, span: S })),
        span: S,
      }),
    ),
  ),
})).e;

const sel = (alias: string | null, tool: string | null): ast.ToolSelector => ({
  kind: "ToolSelector",
  alias: alias === null ? null : id(alias),
  tool: tool === null ? null : id(tool),
  text: alias === null ? "*" : `${alias}.${tool ?? "*"}`,
  span: S,
});
const selector = fc.constantFrom(sel(null, null), sel("fs", null), sel("fs", "read_file"), sel("fs", "write_file"), sel("zz", "q"), sel("fs", "nope"));

function document(consts: ast.Expr[], whens: (ast.Expr | null)[], bys: ast.Expr[], sels: ast.ToolSelector[], rec: ast.Expr): ast.Document {
  const base = { span: S, doc: null };
  const decls: ast.Declaration[] = [
    { ...base, kind: "ToolsDecl", alias: id("fs"), path: str("./fs.json") },
    { ...base, kind: "ContextDecl", fields: [{ kind: "FieldDecl", name: id("user"), optional: true, type: { kind: "PrimitiveType", name: "string", span: S }, doc: null, span: S }] },
    { ...base, kind: "LabelDecl", name: id("l"), selectors: [sels[0]] },
    ...consts.map((value, i): ast.Declaration => ({ ...base, kind: "ConstDecl", name: id(i === 0 ? "k" : "x"), value })),
    ...whens.map(
      (w, i): ast.Declaration => ({
        ...base,
        kind: "Rule",
        annotations: [],
        effect: "allow",
        effectSpan: S,
        selectors: [sels[i % sels.length]],
        when: w,
        unless: whens[(i + 1) % whens.length] ?? null,
        because: null,
      }),
    ),
    ...bys.map(
      (by, i): ast.Declaration => ({
        ...base,
        kind: "Limit",
        annotations: [],
        limitKind: i % 2 ? "calls" : "tokens",
        selectors: i % 2 ? [sels[0]] : [],
        amount: { kind: "NumberLiteral", value: 3, span: S },
        window: { kind: "Window", ms: 60_000, span: S },
        by,
      }),
    ),
    { ...base, kind: "Invariant", name: id("i"), agent: null, selectors: sels, when: whens[0] ?? null, effects: [] },
    {
      ...base,
      kind: "TestDecl",
      name: str("t"),
      expects: [
        {
          kind: "Expect",
          agent: str("a"),
          tool: sel("fs", "read_file"),
          args: rec.kind === "RecordLiteral" ? rec : { kind: "RecordLiteral", entries: [], span: S },
          context: null,
          effect: { kind: "EffectRef", effect: "deny", span: S },
          ruleId: null,
          span: S,
        },
      ],
    },
  ];
  return { kind: "Document", file: "/f.agentpolicy", text: "x".repeat(10), header: null, declarations: decls, comments: [], span: S };
}

describe("checker totality on random trees", () => {
  const manifest = loadManifest("/fs.json", "fs", () => JSON.stringify(FS_MANIFEST));
  it("never throws and never reports an internal error", () => {
    fc.assert(
      fc.property(
        fc.array(expr, { maxLength: 2 }),
        fc.array(fc.option(expr), { minLength: 1, maxLength: 3 }),
        fc.array(expr, { maxLength: 2 }),
        fc.array(selector, { minLength: 1, maxLength: 3 }),
        expr,
        (consts, whens, bys, sels, rec) => {
          const r = checkDocument(document(consts, whens, bys, sels, rec), new Map([["fs", manifest]]));
          expect(r.diagnostics.filter((d) => d.message.includes("internal error"))).toEqual([]);
          for (const w of whens) if (w) expect(r.model.types.has(w)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
