// Document symbols and semantic tokens.
import { describe, expect, it } from "vitest";
import { SymbolKind } from "vscode-languageserver";
import { SHOP_TEXT, snapshotOf } from "../test-support.js";
import { handleDocumentSymbols } from "./document-symbols.js";
import { classify, handleSemanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from "./semantic-tokens.js";

const snap = snapshotOf(SHOP_TEXT);

describe("document symbols", () => {
  it("lists the declarations, with agents' rules and limits and tests' expectations as children", () => {
    const symbols = handleDocumentSymbols(snap, { textDocument: { uri: snap.uri } });
    expect(symbols.map((s) => [s.name, s.kind])).toEqual([
      ["shop", SymbolKind.Namespace],
      ["orders", SymbolKind.Module],
      ["mail", SymbolKind.Module],
      ["context", SymbolKind.Struct],
      ["max_refund", SymbolKind.Constant],
      ["corp", SymbolKind.Constant],
      ["customer_data", SymbolKind.Key],
      ["*/deny/*", SymbolKind.Method],
      ["support", SymbolKind.Class],
      ["lead", SymbolKind.Class],
      ["no_big_refunds", SymbolKind.Boolean],
      ["support can read", SymbolKind.Function],
    ]);
    const support = symbols.find((s) => s.name === "support")!;
    expect(support.children?.map((c) => c.name)).toEqual([
      "support/allow/orders.get,orders.search",
      "small-refunds",
      "support/review/orders.refund",
      "support/deny/mail.send",
      "support/limit/calls/orders.search",
    ]);
    expect(symbols.find((s) => s.name === "context")!.children?.map((c) => c.name)).toEqual(["user", "tenant"]);
    expect(symbols.find((s) => s.name === "orders")!.detail).toBe('from "./orders.tools.json", 3 tools');
    expect(symbols.find((s) => s.name === "support can read")!.children).toHaveLength(2);
  });

  it("keeps every selection range inside its range, also for a broken document", () => {
    const broken = snapshotOf(`${SHOP_TEXT}\nagent "x" {\n  allow orders.\n`);
    const check = (ss: ReturnType<typeof handleDocumentSymbols>) => {
      for (const s of ss) {
        const r = broken.lines.span(s.range);
        const sel = broken.lines.span(s.selectionRange);
        expect(sel.start >= r.start && sel.end <= r.end, s.name).toBe(true);
        check(s.children ?? []);
      }
    };
    check(handleDocumentSymbols(broken, { textDocument: { uri: broken.uri } }));
  });
});

describe("semantic tokens", () => {
  const kinds = classify(snap).map((c) => [snap.text.slice(c.start, c.end), c.type, c.modifiers.join(",")] as const);
  const of = (text: string) => kinds.filter(([t]) => t === text).map(([, type, mods]) => (mods ? `${type}+${mods}` : type));

  it("classifies names by what the checker resolved them to", () => {
    expect(of("orders")).toContain("namespace+declaration");
    expect(of("orders")).toContain("namespace");
    expect(of("refund")).toContain("function");
    expect(of("amount")).toContain("property");
    expect(of("max_refund")).toEqual(expect.arrayContaining(["variable+declaration,readonly", "variable+readonly"]));
    expect(of("customer_data")).toEqual(expect.arrayContaining(["label+declaration", "label"]));
    expect(of('"support"')).toEqual(expect.arrayContaining(["class+declaration", "class"]));
    expect(of("args")).toContain("variable+defaultLibrary");
    expect(of("a")).toEqual(expect.arrayContaining(["parameter+declaration", "parameter"]));
    expect(of("endsWith")).toEqual(["method+defaultLibrary"]);
    expect(of("@id")).toEqual(["decorator"]);
  });

  it("marks keywords, effects, strings, numbers and comments", () => {
    expect(of("deny")).toContain("keyword+effect");
    expect(of("when")).toContain("keyword");
    expect(of("minute")).toEqual(["keyword"]);
    expect(of('"big refund"')).toEqual(["string"]);
    expect(of("100")).toEqual(["number"]);
    expect(of("/// Support desk: reads orders, refunds small amounts.")).toEqual(["comment+documentation"]);
  });

  it("encodes sorted, non-overlapping, single-line tokens", () => {
    const text = `${SHOP_TEXT}\n/* a\n   block */\n`;
    const s = snapshotOf(text);
    const { data } = handleSemanticTokens(s);
    expect(data.length % 5).toBe(0);
    let line = 0;
    let char = 0;
    let lastEnd = -1;
    let lastLine = -1;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      char = data[i] === 0 ? char + data[i + 1] : data[i + 1];
      const length = data[i + 2];
      expect(length).toBeGreaterThan(0);
      expect(data[i + 3]).toBeLessThan(TOKEN_TYPES.length);
      expect(data[i + 4]).toBeLessThan(1 << TOKEN_MODIFIERS.length);
      if (line === lastLine) expect(char).toBeGreaterThanOrEqual(lastEnd);
      expect(char + length).toBeLessThanOrEqual(s.lines.lineText(line).length);
      lastLine = line;
      lastEnd = char + length;
    }
    const range = handleSemanticTokens(s, { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } });
    expect(range.data.length).toBeLessThan(data.length);
  });
});
