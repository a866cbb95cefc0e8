/**
 * Properties of `formatText` (STYLE.md habit 13), over every `.agentpolicy` file of the
 * repository and the shared conformance suite, the parser's generated fixture, and
 * random policies with random whitespace and comments:
 * - a text with syntax errors is refused with exactly the parser's diagnostics;
 * - otherwise the result parses cleanly to the same tree modulo positions, keeps every
 *   comment text (as a multiset) and every rule and limit id;
 * - formatting is idempotent; for comments where people put them (above declarations
 *   and clauses, at line ends, inline blocks) one print already is the fixpoint.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { baseId, explicitIdAnnotation } from "../semantic/ids.js";
import type * as A from "../syntax/ast.js";
import { generatePolicy } from "../syntax/__fixtures__/generate.js";
import { parseDocument } from "../syntax/parse.js";
import { printDocument } from "../syntax/printer.js";
import { randomPolicy } from "./__fixtures__/random-policy.js";
import { commentTexts, firstTreeDifference, sameTree, stripSpans } from "./ast-compare.js";
import { attachComments } from "./comments.js";
import { formatText, isFormatted } from "./format.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const CONFORMANCE = "/work/shared/conformance";

function policyFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) policyFiles(path, out);
    else if (name.endsWith(".agentpolicy")) out.push(path);
  }
  return out;
}

/** Every rule and limit id of a document, in source order (LANGUAGE.md §12 "Ids"). */
function ruleIds(doc: A.Document): string[] {
  const ids: string[] = [];
  const visit = (d: A.Declaration, agent: string | null): void => {
    if (d.kind === "Rule" || d.kind === "Limit") ids.push(explicitIdAnnotation(d)?.value.value ?? baseId(d, agent));
    if (d.kind === "AgentDecl") for (const m of d.body) visit(m, d.id.value);
  };
  for (const d of doc.declarations) visit(d, null);
  return ids;
}

/** Checks every property for one text; throws with a readable message on the first violation. */
function checkFormatting(text: string, file = "prop.agentpolicy"): void {
  const original = parseDocument(text, file);
  const result = formatText(text, file);
  if (original.diagnostics.some((d) => d.severity === "error")) {
    if (result.ok) throw new Error("a text with syntax errors was formatted");
    expect(result.diagnostics).toEqual(original.diagnostics);
    return;
  }
  if (!result.ok) throw new Error(`refused a valid text: ${result.diagnostics[0]?.message}\n---\n${text}`);
  const formatted = parseDocument(result.text, file);
  if (formatted.diagnostics.length > 0) throw new Error(`output does not parse: ${formatted.diagnostics[0].message}\n---\n${result.text}`);
  const difference = firstTreeDifference(original.document, formatted.document);
  if (difference !== null) throw new Error(`tree changed at ${difference}\n---\n${text}\n---\n${result.text}`);
  expect(commentTexts(formatted.document)).toEqual(commentTexts(original.document));
  expect(ruleIds(formatted.document)).toEqual(ruleIds(original.document));
  const again = formatText(result.text, file);
  if (!again.ok || again.text !== result.text) {
    throw new Error(`not idempotent\n--- input\n${text}\n--- once\n${result.text}\n--- twice\n${again.ok ? again.text : again.diagnostics[0].message}`);
  }
  expect(result.text.endsWith("\n") && !result.text.endsWith("\n\n")).toBe(true);
}

/** One print of the parsed text (no fixpoint iteration). */
function printOnce(text: string): string {
  const { document } = parseDocument(text, "once.agentpolicy");
  return printDocument(document, attachComments(document)).text;
}

describe("formatText on the repository's policies", () => {
  const files = [...policyFiles(REPO), ...policyFiles(CONFORMANCE)];

  it("finds the example and fixture policies", () => {
    expect(files.some((f) => f.endsWith("examples/inventory/inventory.agentpolicy"))).toBe(true);
    expect(files.some((f) => f.includes("/syntax/__fixtures__/"))).toBe(true);
  });

  it.each(files.map((f) => [f.startsWith(REPO) ? f.slice(REPO.length) : f, f]))("%s", (_, file) => {
    checkFormatting(readFileSync(file, "utf8"), file);
  });

  it("formats the spec's example to a fixpoint in one print", () => {
    const text = readFileSync(join(REPO, "examples/inventory/inventory.agentpolicy"), "utf8");
    const once = printOnce(text);
    expect(formatText(text)).toEqual({ ok: true, text: once });
    expect(isFormatted(once)).toBe(true);
  });

  it("handles the parser's large generated policy", () => {
    checkFormatting(generatePolicy(300), "generated.agentpolicy");
  });
});

describe("formatText on random policies", () => {
  it("holds every property, and one print is the fixpoint, for comments where people write them", () => {
    fc.assert(
      fc.property(randomPolicy("realistic"), (text) => {
        expect(parseDocument(text, "r.agentpolicy").diagnostics).toEqual([]);
        checkFormatting(text);
        const result = formatText(text);
        expect(result.ok && result.text).toBe(printOnce(text));
      }),
      { numRuns: 150 },
    );
  });

  it("holds every property with every kind of comment in every gap between tokens", () => {
    fc.assert(
      fc.property(randomPolicy("chaos"), (text) => {
        expect(parseDocument(text, "r.agentpolicy").diagnostics).toEqual([]);
        checkFormatting(text);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses broken texts (a character deleted or inserted) and never throws", () => {
    const edits = fc.tuple(randomPolicy("realistic"), fc.nat(), fc.constantFrom("", "(", "{", '"', "`", "/*", "$", "@", ".", "=>"));
    fc.assert(
      fc.property(edits, ([text, at, insert]) => {
        const i = at % (text.length + 1);
        checkFormatting(text.slice(0, i) + insert + text.slice(i + (insert === "" ? 1 : 0)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("the span-stripping comparison", () => {
  it("ignores positions and comments but not names, values, selector text or docs", () => {
    const a = parseDocument("policy p\nallow inv.a when x == 1", "a").document;
    const b = parseDocument("// c\npolicy   p\n\nallow inv . a\n  when x==1", "b").document;
    expect(sameTree(a, b)).toBe(true);
    expect(stripSpans(a)).toEqual(stripSpans(b));
    const c = parseDocument("policy p\nallow inv.a when x == 2", "c").document;
    expect(firstTreeDifference(a, c)).toBe("document.declarations[0].when.right.value (1 vs 2)");
    const d = parseDocument("policy p\n/// doc\nallow inv.a when x == 1", "d").document;
    expect(firstTreeDifference(a, d)).toBe('document.declarations[0].doc (null vs "doc")');
  });
});
