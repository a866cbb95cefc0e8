/**
 * Test helpers for the syntax layer: one place that parses, renders expressions as
 * S-expressions and checks that a tree is well formed.
 */
import * as A from "../ast.js";
import { parseDocument } from "../parse.js";

export interface Parsed {
  readonly document: A.Document;
  readonly errors: { message: string; text: string; start: number; end: number }[];
}

export function parse(text: string): Parsed {
  const { document, diagnostics } = parseDocument(text, "test.agentpolicy");
  return { document, errors: diagnostics.map((d) => ({ message: d.message, text: text.slice(d.span.start, d.span.end), start: d.span.start, end: d.span.end })) };
}

/** Parses and requires zero diagnostics. */
export function parseClean(text: string): A.Document {
  const { document, errors } = parse(text);
  if (errors.length > 0) throw new Error(`unexpected diagnostics:\n${errors.map((e) => `  ${e.start}: ${e.message}`).join("\n")}`);
  return document;
}

/** The value of `const x = TEXT` and the diagnostics. */
export function expr(text: string): { expr: A.Expr; errors: string[] } {
  const { document, errors } = parse(`policy p\nconst x = ${text}`);
  const decl = document.declarations[0];
  if (!decl || decl.kind !== "ConstDecl") throw new Error(`no const: ${JSON.stringify(errors)}`);
  return { expr: decl.value, errors: errors.map((e) => e.message) };
}

/** `expr(text)` shown as an S-expression; requires zero diagnostics. */
export function show(text: string): string {
  const r = expr(text);
  if (r.errors.length > 0) throw new Error(`unexpected diagnostics for ${text}: ${r.errors.join("; ")}`);
  return sexpr(r.expr);
}

export function sexpr(e: A.Expr | null): string {
  if (!e) return "-";
  switch (e.kind) {
    case "BinaryExpr":
      return `(${sexpr(e.left)} ${e.op} ${sexpr(e.right)})`;
    case "UnaryExpr":
      return `(${e.op} ${sexpr(e.operand)})`;
    case "MemberExpr":
      return `${sexpr(e.object)}.${e.property.name || "?"}`;
    case "CallExpr":
      return `${sexpr(e.callee)}(${e.args.map(sexpr).join(", ")})`;
    case "LambdaExpr":
      return `(${e.param.name} => ${sexpr(e.body)})`;
    case "HasExpr":
      return `(${sexpr(e.object)} has ${e.field.name || "?"})`;
    case "NameRef":
      return e.quoted ? `\`${e.name}\`` : e.name;
    case "StringLiteral":
      return JSON.stringify(e.value);
    case "NumberLiteral":
      return String(e.value);
    case "MoneyLiteral":
      return `$${e.micros}u`;
    case "BooleanLiteral":
      return String(e.value);
    case "NullLiteral":
      return "null";
    case "ListLiteral":
      return `[${e.elements.map(sexpr).join(", ")}]`;
    case "RecordLiteral":
      return `{${e.entries.map((x) => `${x.keyQuoted ? JSON.stringify(x.key) : x.key}: ${sexpr(x.value)}`).join(", ")}}`;
    case "ErrorExpr":
      return "<error>";
  }
}

/**
 * Checks the tree invariants of ast.ts: every node has a kind and a span inside the
 * text with start ≤ end, and no field is `undefined`. Iterative, so it also works
 * on the deepest trees the parser accepts. Returns the problems found.
 */
export function treeProblems(doc: A.Document): string[] {
  const problems: string[] = [];
  const stack: A.Node[] = [doc];
  const len = doc.text.length;
  let count = 0;
  while (stack.length > 0 && problems.length < 20) {
    const n = stack.pop()!;
    count++;
    if (typeof n.kind !== "string") problems.push(`node without kind: ${JSON.stringify(n).slice(0, 80)}`);
    const s = n.span;
    if (!s || !Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > len || s.start > s.end) {
      problems.push(`${n.kind}: bad span ${JSON.stringify(s)} (text length ${len})`);
    }
    for (const [k, v] of Object.entries(n)) if (v === undefined) problems.push(`${n.kind}.${k} is undefined`);
    for (const c of A.childrenOf(n)) stack.push(c);
  }
  if (count === 0) problems.push("empty tree");
  return problems;
}

/** Every node of a tree, iteratively (for searching). */
export function allNodes(doc: A.Document): A.Node[] {
  const out: A.Node[] = [];
  const stack: A.Node[] = [doc];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    for (const c of A.childrenOf(n)) stack.push(c);
  }
  return out;
}
