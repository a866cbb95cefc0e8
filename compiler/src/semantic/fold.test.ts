/**
 * Compile-time folding: `foldExpr`'s answers on the shapes the analyses meet (a name
 * without a value first, a failure later in the evaluation, short-circuits, deep chains),
 * and `createFolder` giving exactly `foldExpr`'s answer for every subexpression,
 * in any order; answers are the interpreter's. Bounded runs (a few seconds).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as ast from "../syntax/ast.js";
import { parseDocument } from "../syntax/parse.js";
import { createFolder, foldExpr } from "./fold.js";
import type { Value } from "./model.js";

const CONSTS: Readonly<Record<string, Value>> = { k: 3, s: "abc", l: [1, 2, "x"], r: { a: 1, b: [true] }, n: null, t: true, f: false };
const lookup = (name: string): Value | undefined => (Object.hasOwn(CONSTS, name) ? CONSTS[name] : undefined);

/** The expression of `const x = SRC`. */
function expr(src: string): ast.Expr {
  const doc = parseDocument(`policy p\nconst x = ${src}\n`, "/f.agentpolicy").document;
  const d = doc.declarations[0];
  if (d?.kind !== "ConstDecl") throw new Error(`not a const: ${src}`);
  return d.value;
}

function subexpressions(e: ast.Expr, out: ast.Expr[] = []): ast.Expr[] {
  out.push(e);
  switch (e.kind) {
    case "BinaryExpr":
      subexpressions(e.left, out);
      subexpressions(e.right, out);
      break;
    case "UnaryExpr":
      subexpressions(e.operand, out);
      break;
    case "MemberExpr":
    case "HasExpr":
      subexpressions(e.object, out);
      break;
    case "CallExpr":
      subexpressions(e.callee, out);
      for (const a of e.args) subexpressions(a, out);
      break;
    case "LambdaExpr":
      subexpressions(e.body, out);
      break;
    case "ListLiteral":
      for (const x of e.elements) subexpressions(x, out);
      break;
    case "RecordLiteral":
      for (const x of e.entries) subexpressions(x.value, out);
      break;
    default:
      break;
  }
  return out;
}

const text = (src: string, span: ast.Span) => `const x = ${src}\n`.slice(span.start - "policy p\n".length, span.end - "policy p\n".length);

describe("foldExpr", () => {
  it("fails at the first name without a value that the evaluation reads", () => {
    for (const [src, at] of [
      ["args.x == 1", "args"],
      ["(args.x ?? 1) + k", "args"],
      ["ctx.user.id.startsWith(\"a\")", "ctx"],
      ["not args.flag", "args"],
      ["[args.a, 1]", "args"],
      ["{ a: zz, b: 1 }", "zz"],
      ["url(args.u).host", "args"],
      ["k + args.x", "args"],
      ["args has x", "args"],
    ] as const) {
      const r = foldExpr(expr(src), lookup);
      expect(r.ok, src).toBe(false);
      if (!r.ok) {
        expect(r.message, src).toBe(`\`${at}\` has no value at compile time`);
        expect(text(src, r.span), src).toBe(at);
      }
    }
  });

  it("short-circuits and fails where the evaluation fails", () => {
    expect(foldExpr(expr("f and args.x"), lookup)).toEqual({ ok: true, value: false });
    expect(foldExpr(expr("t or args.x"), lookup)).toEqual({ ok: true, value: true });
    expect(foldExpr(expr("s ?? args.x"), lookup)).toEqual({ ok: true, value: "abc" });
    expect(foldExpr(expr("k * 2 > 5 and l.contains(\"x\")"), lookup)).toEqual({ ok: true, value: true });
    const r = foldExpr(expr("s + 1"), lookup);
    expect(r.ok ? null : r.message).toBe("expected a number, found a string");
    if (!r.ok) expect(text("s + 1", r.span)).toBe("s");
    const u = foldExpr(expr("url(1)"), lookup);
    expect(u.ok ? null : u.message).toBe("`url()` needs a string, found a number");
    const bad = foldExpr(expr('url("not a url").host'), lookup);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(text('url("not a url").host', bad.span)).toBe('"not a url"');
    expect(foldExpr(expr('url("https://a.b/c")'), lookup)).toMatchObject({ ok: false, message: "a `url(...)` or `path(...)` value is not a constant value" });
  });

  it("means what the interpreter means: `??` takes the right side of null, `== null` reads one side", () => {
    expect(foldExpr(expr("n ?? 2"), lookup)).toEqual({ ok: true, value: 2 });
    expect(foldExpr(expr("null == n"), lookup)).toEqual({ ok: true, value: true });
    expect(foldExpr(expr("r.a == null"), lookup)).toEqual({ ok: true, value: false });
    expect(foldExpr(expr("r.zz ?? 4"), lookup)).toEqual({ ok: true, value: 4 });
    expect(foldExpr(expr("r.zz"), lookup)).toMatchObject({ ok: false, message: "the value is missing" });
    expect(foldExpr(expr("{ path: {}.path }"), lookup)).toMatchObject({ ok: false, message: "field `path` is missing" });
    expect(foldExpr(expr("[url(\"https://a.b\")]"), lookup)).toMatchObject({ ok: false, message: "a list element cannot be a url" });
  });

  it("folds chains as deep as the parser nests (512 levels), however the chain starts", () => {
    for (const base of ["1", "args.x", "k"]) {
      const r = foldExpr(expr("- ".repeat(500) + base), lookup);
      if (base === "args.x") expect(r.ok ? null : r.message).toBe("`args` has no value at compile time");
      else expect(r).toEqual({ ok: true, value: base === "k" ? 3 : 1 });
    }
  });
});

describe("createFolder", () => {
  const leaf = fc.constantFrom("1", "2.5", '"a"', '"/x/y"', "true", "false", "null", "k", "s", "l", "r", "n", "t", "f", "args", "args.x", "ctx.user", "zz", "$5", "[]", "{}", 'url("https://a.b/c")', 'path("/a/b.txt")');
  const source = fc.letrec((tie) => ({
    e: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.tuple(tie("e"), fc.constantFrom("and", "or", "==", "!=", "<", ">=", "in", "??", "+", "-", "*"), tie("e")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(fc.constantFrom("not ", "-"), tie("e")).map(([p, a]) => `${p}(${a})`),
      fc.tuple(tie("e"), fc.constantFrom(".length", ".a", ".lower()", '.startsWith("a")', ".contains(1)", '.matches("^a")', ".any(v => v == 1)", ".all(v => v != k)", '.under("/a")', ".host", ".ext", " has a")).map(([a, m]) => `(${a})${m}`),
      fc.array(tie("e"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
      fc.array(tie("e"), { maxLength: 2 }).map((xs) => `{${xs.map((x, i) => `f${i}: ${x}`).join(", ")}}`),
    ),
  })).e as fc.Arbitrary<string>;

  it("answers exactly as foldExpr for every subexpression, in any order", () => {
    fc.assert(
      fc.property(source, fc.nat(), (src, seed) => {
        const all = subexpressions(expr(src));
        const fold = createFolder(lookup);
        const order = all.map((e, i) => ({ e, k: (i * 7919 + seed) % all.length })).sort((a, b) => a.k - b.k);
        for (const { e } of order) expect(fold(e)).toEqual(foldExpr(e, lookup));
      }),
      { numRuns: 300 },
    );
  });

  it("answers as foldExpr on deep chains, bottom up and top down", () => {
    for (const depth of [1, 100, 500]) {
      for (const src of ["1" + " + 1".repeat(depth), "k" + " + k".repeat(depth), `[${"1" + " + 1".repeat(depth)}]`]) {
        const all = subexpressions(expr(src));
        const fold = createFolder(lookup);
        for (const e of [...all].reverse().concat(all)) expect(fold(e)).toEqual(foldExpr(e, lookup));
      }
    }
  });
});
