// Hover, definition, references, highlights and rename over the shop fixture.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { Position } from "vscode-languageserver";
import { positionOf, SHOP_DIR, SHOP_TEXT, shopWith, snapshotOf } from "../test-support.js";
import { handleDefinition } from "./definition.js";
import { handleHover } from "./hover.js";
import { handleDocumentHighlight, handlePrepareRename, handleReferences, handleRename, RenameError } from "./references.js";

const snap = snapshotOf(SHOP_TEXT);
const doc = { uri: snap.uri };
const hoverAt = (position: Position, s = snap) => {
  const h = handleHover(s, { textDocument: { uri: s.uri }, position });
  return h ? (h.contents as { value: string }).value : null;
};
const definitionAt = (position: Position) => handleDefinition(snap, { textDocument: doc, position });
const textOf = (range: { start: Position; end: Position }) => snap.text.slice(snap.lines.offset(range.start), snap.lines.offset(range.end));
const refsAt = (position: Position, includeDeclaration = true) =>
  handleReferences(snap, { textDocument: doc, position, context: { includeDeclaration } }).map((l) => textOf(l.range));
const ordersManifest = pathToFileURL(join(SHOP_DIR, "orders.tools.json")).href;

describe("hover", () => {
  it("shows a tool's description and input type", () => {
    const h = hoverAt(positionOf(SHOP_TEXT, "orders.refund when", 8));
    expect(h).toContain("tool orders.refund");
    expect(h).toContain("Refund an order, fully or in part.");
    expect(h).toContain("amount: number  // Dollars to refund.");
    expect(h).toContain("destructive");
  });

  it("shows a field's type and description, marking optional fields", () => {
    expect(hoverAt(positionOf(SHOP_TEXT, "args.amount <=", 6))).toContain("args.amount: number");
    expect(hoverAt(positionOf(SHOP_TEXT, "args.amount <=", 6))).toContain("Dollars to refund.");
    const s = snapshotOf(shopWith("allow orders.get, orders.search", "allow orders.get, orders.search\n  allow orders.search when args.limit < 5"));
    const h = hoverAt(positionOf(s.text, "args.limit", 6), s);
    expect(h).toContain("args.limit?: integer");
    expect(h).toContain("Page size.");
    expect(h).toContain("optional");
  });

  it("shows a const's value, a label's tools and an agent's parents", () => {
    expect(hoverAt(positionOf(SHOP_TEXT, "<= max_refund", 4))).toContain("const max_refund: 100 = 100");
    expect(hoverAt(positionOf(SHOP_TEXT, "<= max_refund", 4))).toContain("Largest refund without review");
    expect(hoverAt(positionOf(SHOP_TEXT, "has(customer_data)", 5))).toContain("`orders.search`, `orders.get`");
    expect(hoverAt(positionOf(SHOP_TEXT, '"lead" extends', 2))).toContain("extends `support`");
  });

  it("summarizes a rule on its effect keyword and on its id", () => {
    const onEffect = hoverAt(positionOf(SHOP_TEXT, "review orders.refund", 1));
    expect(onEffect).toContain("**review** rule `support/review/orders.refund`");
    expect(onEffect).toContain('because: "big refund"');
    expect(onEffect).toContain("when: `args.amount > max_refund`");
    const onId = hoverAt(positionOf(SHOP_TEXT, '=> allow "small-refunds"', 11));
    expect(onId).toContain("**allow** rule `small-refunds` in agent `support`");
    expect(onId).toContain("tools: `orders.refund`");
  });

  it("summarizes a limit on its keyword", () => {
    const h = hoverAt(positionOf(SHOP_TEXT, "limit orders.search", 2));
    expect(h).toContain("**limit** `support/limit/calls/orders.search` in agent `support`: 60 calls per minute");
  });

  it("documents built-in methods and keywords", () => {
    expect(hoverAt(positionOf(SHOP_TEXT, "endsWith(", 2))).toContain("endsWith(suffix: string): boolean");
    expect(hoverAt(positionOf(SHOP_TEXT, "because", 2))).toContain("reason given to the agent");
  });
});

describe("definition", () => {
  it("goes from a tool to its entry in the manifest file", () => {
    const [loc] = definitionAt(positionOf(SHOP_TEXT, "orders.refund when", 8));
    expect(loc.uri).toBe(ordersManifest);
    expect(loc.range.start.line).toBeGreaterThan(0);
    const manifest = snap.files.lines(join(SHOP_DIR, "orders.tools.json"))!;
    expect(manifest.text.slice(manifest.offset(loc.range.start), manifest.offset(loc.range.end))).toBe('"refund"');
  });

  it("goes from an args field to its property in the manifest", () => {
    const [loc] = definitionAt(positionOf(SHOP_TEXT, "args.amount <=", 6));
    expect(loc.uri).toBe(ordersManifest);
    const manifest = snap.files.lines(join(SHOP_DIR, "orders.tools.json"))!;
    expect(manifest.text.slice(manifest.offset(loc.range.start), manifest.offset(loc.range.end))).toContain('"amount"');
  });

  it("goes to consts, labels, agents, aliases and rule ids", () => {
    const go = (needle: string, delta: number) => definitionAt(positionOf(SHOP_TEXT, needle, delta)).map((l) => textOf(l.range));
    expect(go("<= max_refund", 4)).toEqual(["max_refund"]);
    expect(go("has(customer_data)", 5)).toEqual(["customer_data"]);
    expect(go('extends "support"', 10)).toEqual(['"support"']);
    expect(go("orders.get, orders.search", 2)).toEqual(['tools orders from "./orders.tools.json"']);
    expect(go('=> allow "small-refunds"', 11)).toEqual(['"small-refunds"']);
    expect(go("a.endsWith", 0)).toEqual(["a"]);
  });

  it("goes from a `tools` path to the manifest file", () => {
    const [loc] = definitionAt(positionOf(SHOP_TEXT, '"./orders.tools.json"', 3));
    expect(loc.uri).toBe(ordersManifest);
  });
});

describe("references and rename", () => {
  it("finds every use of a const, a label, an agent and an alias", () => {
    expect(refsAt(positionOf(SHOP_TEXT, "const max_refund", 7))).toEqual(["max_refund", "max_refund", "max_refund", "max_refund"]);
    expect(refsAt(positionOf(SHOP_TEXT, "const max_refund", 7), false)).toHaveLength(3);
    expect(refsAt(positionOf(SHOP_TEXT, "label customer_data", 7))).toEqual(["customer_data", "customer_data"]);
    expect(refsAt(positionOf(SHOP_TEXT, 'agent "support"', 8))).toEqual(['"support"', '"support"', '"support"', '"support"', '"support"']);
    expect(refsAt(positionOf(SHOP_TEXT, "tools mail", 7))).toEqual(["mail", "mail", "mail"]);
  });

  it("finds the rule and the expectations naming an @id", () => {
    expect(refsAt(positionOf(SHOP_TEXT, '@id("small-refunds")', 6))).toEqual(['"small-refunds"', '"small-refunds"']);
  });

  it("highlights reads and the declaration", () => {
    const hs = handleDocumentHighlight(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, "<= max_refund", 4) });
    expect(hs).toHaveLength(4);
    expect(hs.filter((h) => h.kind === 3)).toHaveLength(1);
  });

  it("renames a const everywhere", () => {
    const edit = handleRename(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, "<= max_refund", 4), newName: "refund_cap" });
    if (edit instanceof RenameError) throw edit;
    const edits = edit.changes![snap.uri];
    expect(edits).toHaveLength(4);
    expect(edits.every((e) => e.newText === "refund_cap")).toBe(true);
  });

  it("renames an agent id in strings, and an @id with its expectations", () => {
    const agent = handleRename(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, 'agent "support"', 8), newName: 'tier "1"' });
    if (agent instanceof RenameError) throw agent;
    expect(agent.changes![snap.uri].map((e) => e.newText)).toEqual(Array(5).fill('"tier \\"1\\""'));
    const rule = handleRename(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, '@id("small-refunds")', 6), newName: "tiny-refunds" });
    if (rule instanceof RenameError) throw rule;
    expect(rule.changes![snap.uri].map((e) => e.newText)).toEqual(['"tiny-refunds"', '"tiny-refunds"']);
  });

  it("validates the new name", () => {
    const at = positionOf(SHOP_TEXT, "const max_refund", 7);
    const bad = (newName: string) => {
      const r = handleRename(snap, { textDocument: doc, position: at, newName });
      return r instanceof RenameError ? r.message : null;
    };
    expect(bad("2fast")).toContain("not a valid const name");
    expect(bad("when")).toContain("reserved word");
    expect(bad("corp")).toContain("already exists");
    expect(bad("args")).toContain("built-in");
    expect(bad("refund_cap")).toBeNull();
    const agent = handleRename(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, 'agent "support"', 8), newName: "lead" });
    expect(agent).toBeInstanceOf(RenameError);
  });

  it("prepares a rename with the current name, and refuses tools and rules without @id", () => {
    const p = handlePrepareRename(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, "<= max_refund", 4) });
    expect(p).toMatchObject({ placeholder: "max_refund" });
    expect(handlePrepareRename(snap, { textDocument: doc, position: positionOf(SHOP_TEXT, "orders.refund when", 8) })).toBeInstanceOf(RenameError);
    const withoutId = snapshotOf(shopWith('=> allow "small-refunds"', '=> review "support/review/orders.refund"'));
    const r = handlePrepareRename(withoutId, { textDocument: { uri: withoutId.uri }, position: positionOf(withoutId.text, '"support/review/orders.refund"', 3) });
    expect(r).toBeInstanceOf(RenameError);
    expect((r as RenameError).message).toContain("has no @id");
  });
});
