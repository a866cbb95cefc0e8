/**
 * Properties of `parseDocument` on arbitrary input (STYLE.md habit 13): it never
 * throws, always returns a well-formed Document, and only reports `E_SYNTAX` errors
 * with spans inside the text. Runs are bounded to keep the file to a few seconds.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatePolicy } from "./__fixtures__/generate.js";
import { treeProblems } from "./__fixtures__/harness.js";
import { parseDocument } from "./parse.js";
import { KEYWORDS } from "./tokens.js";

const inventory = readFileSync(new URL("./__fixtures__/inventory.agentpolicy", import.meta.url), "utf8");
const generated = generatePolicy(120);

/** The properties every parse must have; returns a description of the first violation. */
function violation(text: string): string | null {
  let result;
  try {
    result = parseDocument(text, "fuzz.agentpolicy");
  } catch (e) {
    return `threw: ${e instanceof Error ? e.message : String(e)}`;
  }
  const { document, diagnostics } = result;
  if (document.kind !== "Document" || document.text !== text) return "not a Document of this text";
  for (const d of diagnostics) {
    if (d.code !== "E_SYNTAX" || d.severity !== "error") return `unexpected diagnostic ${d.code}`;
    if (d.span.start < 0 || d.span.end > text.length || d.span.start > d.span.end) return `diagnostic span out of range: ${JSON.stringify(d.span)}`;
    if (d.message.startsWith("internal parser error")) return d.message;
    if (d.file !== "fuzz.agentpolicy") return "diagnostic without the file";
  }
  const problems = treeProblems(document);
  if (problems.length > 0) return problems.join("; ");
  for (const c of document.comments) if (c.span.start < 0 || c.span.end > text.length) return "comment span out of range";
  return null;
}

const holds = (text: string): boolean => {
  const v = violation(text);
  if (v !== null) throw new Error(`${v}\n--- input (${text.length} chars) ---\n${text.slice(0, 2000)}`);
  return true;
};

const vocabulary = [
  ...KEYWORDS,
  ...["session", "minute", "minutes", "hour", "days", "second", "price", "model", "input", "output", "1M", "string", "number", "integer", "boolean"],
  ...["args", "ctx", "tool", "inv", "gh", "x", "`create-issue`", "`", "``", "any", "all", "url", "path"],
  ...["(", ")", "[", "]", "{", "}", ",", ".", ":", "?", "??", "|", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "=>", "@", "@id", "!", "&&", "||", "/", "#"],
  ...['"s"', '"a\\nb"', '"\\q"', '"unterminated', "0", "42", "3.5", "1_000", "1__0", ".5", "1e5", "$5", "$0.05", "$", "$1.1234567"],
  ...["// c\n", "/// d\n", "/* b */", "/*", "\n", " ", "\t", "\r\n"],
];

describe("parseDocument never throws and returns a well-formed tree", () => {
  it("on random text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), holds), { numRuns: 150 });
  });

  it("on random ASCII near the language's alphabet", () => {
    const alphabet = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz_ABCZ0123456789 \n\t\"'`$.,:;?|=!<>+-*/@#(){}[]\\");
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 400 }), holds), { numRuns: 200 });
  });

  it("on token soups", () => {
    const soup = fc.array(fc.constantFrom(...vocabulary), { maxLength: 150 }).map((ts) => ts.join(" "));
    fc.assert(fc.property(soup, holds), { numRuns: 400 });
  });

  it("on token soups glued without spaces", () => {
    const soup = fc.array(fc.constantFrom(...vocabulary), { maxLength: 150 }).map((ts) => ts.join(""));
    fc.assert(fc.property(soup, holds), { numRuns: 200 });
  });

  it("on valid policies with chunks deleted, duplicated, swapped or spliced", () => {
    const source = fc.constantFrom(inventory, generated);
    const edit = fc.record({
      op: fc.constantFrom("delete", "duplicate", "swap", "insert"),
      a: fc.nat(),
      b: fc.nat(),
      len: fc.integer({ min: 1, max: 40 }),
      token: fc.constantFrom(...vocabulary),
    });
    const mutate = (text: string, edits: { op: string; a: number; b: number; len: number; token: string }[]) => {
      let t = text;
      for (const { op, a, b, len, token } of edits) {
        if (t.length === 0) break;
        const i = a % t.length;
        const j = b % t.length;
        const chunk = t.slice(i, i + len);
        if (op === "delete") t = t.slice(0, i) + t.slice(i + len);
        else if (op === "duplicate") t = t.slice(0, i) + chunk + t.slice(i);
        else if (op === "insert") t = t.slice(0, i) + token + t.slice(i);
        else {
          const other = t.slice(j, j + len);
          t = i < j ? t.slice(0, i) + other + t.slice(i + len, j) + chunk + t.slice(j + len) : t.slice(0, j) + chunk + t.slice(j + len, i) + other + t.slice(i + len);
        }
      }
      return t;
    };
    fc.assert(
      fc.property(source, fc.array(edit, { minLength: 1, maxLength: 8 }), (text, edits) => holds(mutate(text, edits))),
      { numRuns: 120 },
    );
  });

  it("on valid policies cut off at any point (typing from the top)", () => {
    fc.assert(
      fc.property(fc.constantFrom(inventory, generated), fc.nat(), (text, n) => holds(text.slice(0, n % (text.length + 1)))),
      { numRuns: 100 },
    );
  });

  it("on deeply nested expressions and types", () => {
    const open = fc.constantFrom("(", "[", "{a: ", "f(", "x.any(y => ", "not ", "-", "a ?? ", "a + ", "{", "[[", "((");
    const close = fc.constantFrom(")", "]", "}", "))", "", " ");
    const nested = fc.tuple(fc.array(open, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 }), fc.array(close, { maxLength: 400 })).map(
      ([opens, times, closes]) => `policy p\nconst x = ${opens.join("").repeat(times)}1${closes.join("")}\ncontext { a: ${"[".repeat(times * 3)}string${"]".repeat(times)} }\nconst y = 1`,
    );
    fc.assert(fc.property(nested, holds), { numRuns: 40 });
  });
});

describe("valid input stays valid", () => {
  it("the fixtures parse cleanly", () => {
    for (const text of [inventory, generated]) {
      const { diagnostics } = parseDocument(text, "f");
      expect(diagnostics).toEqual([]);
    }
  });

  it("whitespace and comments between tokens change nothing but spans", () => {
    const tokens = ['policy', 'p', 'allow', 'inv', '.', 'get', ',', 'gh', '.', '*', 'when', 'args', '.', 'n', '>', '1', 'and', 'not', '(', 'args', 'has', 'x', ')', 'because', '"m"'];
    const gap = fc.constantFrom(" ", "\n", "\t", " /* c */ ", "\n// c\n", "\r\n  ");
    fc.assert(
      fc.property(fc.array(gap, { minLength: tokens.length, maxLength: tokens.length }), (gaps) => {
        const text = tokens.map((t, i) => (i === 0 ? t : gaps[i] + t)).join("");
        const { document, diagnostics } = parseDocument(text, "f");
        expect(diagnostics).toEqual([]);
        const rule = document.declarations[0];
        expect(rule.kind === "Rule" && rule.selectors.map((s) => s.text)).toEqual(["inv.get", "gh.*"]);
      }),
      { numRuns: 100 },
    );
  });
});
