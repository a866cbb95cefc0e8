// Diagnostics, quick fixes and formatting.
import { describe, expect, it } from "vitest";
import { type CodeAction, DiagnosticSeverity } from "vscode-languageserver";
import { LineIndex } from "../convert.js";
import { SHOP_TEXT, shopWith, snapshotOf } from "../test-support.js";
import { handleCodeActions } from "./code-actions.js";
import { handleDiagnostics } from "./diagnostics.js";
import { handleFormatting } from "./formatting.js";

const inSupport = (line: string) => shopWith("  limit orders.search to 60 calls per minute\n", `  limit orders.search to 60 calls per minute\n  ${line}\n`);

/** Applies one workspace edit's changes for `uri` to `text`. */
function apply(text: string, uri: string, action: CodeAction): string {
  const edits = [...(action.edit?.changes?.[uri] ?? [])];
  const lines = new LineIndex(text);
  edits.sort((a, b) => lines.offset(b.range.start) - lines.offset(a.range.start));
  let out = text;
  for (const e of edits) out = out.slice(0, lines.offset(e.range.start)) + e.newText + out.slice(lines.offset(e.range.end));
  return out;
}

/** The quick fixes offered on the line holding `needle`. */
function fixesAt(text: string, needle: string) {
  const snap = snapshotOf(text);
  const diagnostics = handleDiagnostics(snap);
  const line = new LineIndex(text).position(text.indexOf(needle)).line;
  const range = { start: { line, character: 0 }, end: { line, character: 200 } };
  const actions = handleCodeActions(snap, { textDocument: { uri: snap.uri }, range, context: { diagnostics } });
  return { snap, actions };
}

describe("diagnostics", () => {
  it("converts severity, code, range and related information (into the manifest)", () => {
    const text = inSupport("allow orders.search when args.limit < 50");
    const snap = snapshotOf(text);
    const ds = handleDiagnostics(snap, (code) => `https://docs.example/${code}`);
    const w = ds.find((d) => d.code === "W_OPTIONAL")!;
    expect(w.severity).toBe(DiagnosticSeverity.Warning);
    expect(text.slice(snap.lines.offset(w.range.start), snap.lines.offset(w.range.end))).toBe("args.limit");
    expect(w.codeDescription).toEqual({ href: "https://docs.example/W_OPTIONAL" });
    expect(w.source).toBe("agentpolicy");
    expect(w.relatedInformation?.[0].location.uri).toMatch(/orders\.tools\.json$/);
    expect(w.relatedInformation?.[0].message).toContain("declares `limit` optional");
  });

  it("reports syntax errors of half-typed text and nothing for the clean fixture", () => {
    expect(handleDiagnostics(snapshotOf(SHOP_TEXT))).toEqual([]);
    const ds = handleDiagnostics(snapshotOf(`${SHOP_TEXT}\nallow orders.`));
    expect(ds.map((d) => d.code)).toContain("E_SYNTAX");
  });
});

describe("quick fixes", () => {
  it("applies a diagnostic's `did you mean` fix", () => {
    const text = inSupport("allow orders.refnd");
    const { snap, actions } = fixesAt(text, "orders.refnd");
    const fix = actions.find((a) => a.title === "Change to `refund`")!;
    expect(fix.diagnostics?.[0].code).toBe("E_UNKNOWN_TOOL");
    expect(apply(text, snap.uri, fix)).toBe(inSupport("allow orders.refund"));
  });

  it("guards an optional field with `has` before the comparison", () => {
    const text = inSupport("allow orders.search when args.limit < 50");
    const { snap, actions } = fixesAt(text, "args.limit < 50");
    const fix = actions.find((a) => a.title === "Add the guard `args has limit`")!;
    expect(fix.isPreferred).toBe(true);
    const fixed = apply(text, snap.uri, fix);
    expect(fixed).toBe(inSupport("allow orders.search when args has limit and args.limit < 50"));
    expect(handleDiagnostics(snapshotOf(fixed)).filter((d) => d.code === "W_OPTIONAL")).toEqual([]);
  });

  it("guards a nullable field with `!= null`, inside `or` and `not`, and a nested optional field", () => {
    const cases: [string, string][] = [
      ['allow orders.refund when args.note.startsWith("x")', 'allow orders.refund when args.note != null and args.note.startsWith("x")'],
      ['allow orders.search when args.query == "a" or args.limit < 5', 'allow orders.search when args.query == "a" or args has limit and args.limit < 5'],
      ["deny orders.search when not (args.limit < 5)", "deny orders.search when args has limit and not (args.limit < 5)"],
      ['allow orders.search when args.filter.status == "open"', 'allow orders.search when args has filter and args.filter has status and args.filter.status == "open"'],
    ];
    for (const [before, after] of cases) {
      let text = inSupport(before);
      // Fix until no W_OPTIONAL is left (a nested read needs one guard per level).
      for (let i = 0; i < 3; i++) {
        const { snap, actions } = fixesAt(text, before.slice(-12));
        const fix = actions.find((a) => a.title.startsWith("Add the guard"));
        if (!fix) break;
        text = apply(text, snap.uri, fix);
      }
      const remaining = handleDiagnostics(snapshotOf(text)).filter((d) => d.code === "W_OPTIONAL");
      expect(remaining, text).toEqual([]);
      expect(text).toBe(inSupport(after));
    }
  });

  it("offers nothing where no diagnostic is", () => {
    expect(fixesAt(SHOP_TEXT, "allow orders.get").actions).toEqual([]);
  });
});

describe("formatting", () => {
  it("formats a clean document with one minimal edit, and refuses a broken one", () => {
    const messy = SHOP_TEXT.replace("const max_refund = 100", "const   max_refund   =   100");
    const snap = snapshotOf(messy);
    const edits = handleFormatting(snap, { textDocument: { uri: snap.uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    const out = messy.slice(0, snap.lines.offset(edits[0].range.start)) + edits[0].newText + messy.slice(snap.lines.offset(edits[0].range.end));
    expect(out).toContain("const max_refund = 100");
    const again = snapshotOf(out);
    expect(handleFormatting(again, { textDocument: { uri: again.uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    const broken = snapshotOf(`${messy}\nallow orders.`);
    expect(handleFormatting(broken, { textDocument: { uri: broken.uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});
