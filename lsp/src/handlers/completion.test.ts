import { describe, expect, it } from "vitest";
import type { CompletionItem } from "vscode-languageserver";
import { LineIndex } from "../convert.js";
import { windowStart } from "../cursor.js";
import { CURSOR, SHOP_TEXT, shopWith, snapshotOf, withCursor } from "../test-support.js";
import { handleCompletion } from "./completion.js";

/** Completion labels at the `‸` in `marked` (optionally with a clean text before it). */
function complete(marked: string, before?: string): CompletionItem[] {
  const { text, position } = withCursor(marked);
  const snap = snapshotOf(text, before !== undefined ? { before } : {});
  return handleCompletion(snap, { textDocument: { uri: snap.uri }, position }).items;
}
const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const item = (items: CompletionItem[], label: string) => items.find((i) => i.label === label);

/** The shop fixture with a line appended inside the `support` agent block. */
const inSupport = (line: string) => shopWith("  limit orders.search to 60 calls per minute\n", `  limit orders.search to 60 calls per minute\n  ${line}\n`);
/** The shop fixture with text appended at the end. */
const atEnd = (tail: string) => `${SHOP_TEXT}\n${tail}`;

describe("selectors", () => {
  it("offers the tools of an alias after `ALIAS.` in a half-typed rule at the end of the file", () => {
    const items = complete(atEnd(`allow orders.${CURSOR}`));
    expect(labels(items)).toEqual(expect.arrayContaining(["search", "refund", "get", "*"]));
    expect(labels(items)).not.toContain("send");
    const refund = item(items, "refund")!;
    expect(refund.detail).toContain("orders.refund");
    expect(JSON.stringify(refund.documentation)).toContain("Refund an order");
  });

  it("completes the word being typed after the dot and replaces only it", () => {
    const { text, position } = withCursor(atEnd(`deny orders.re${CURSOR}`));
    const snap = snapshotOf(text);
    const items = handleCompletion(snap, { textDocument: { uri: snap.uri }, position }).items;
    const refund = item(items, "refund")!;
    expect(refund.textEdit).toMatchObject({ newText: "refund", range: { start: { character: position.character - 2 }, end: position } });
  });

  it("offers aliases and `*` after an effect, and clause keywords after a selector", () => {
    expect(labels(complete(inSupport(`review ${CURSOR}`)))).toEqual(expect.arrayContaining(["orders", "mail", "*"]));
    expect(labels(complete(inSupport(`allow orders.get ${CURSOR}`)))).toEqual(expect.arrayContaining(["when", "unless", "because"]));
    expect(labels(complete(inSupport(`allow orders.get, ${CURSOR}`)))).toEqual(expect.arrayContaining(["orders", "mail"]));
  });

  it("offers limit kinds after `limit`, `to` after its selector, windows after `per`", () => {
    expect(labels(complete(inSupport(`limit ${CURSOR}`)))).toEqual(expect.arrayContaining(["orders", "*", "tokens", "cost", "repeats"]));
    expect(labels(complete(inSupport(`limit orders.get ${CURSOR}`)))).toContain("to");
    expect(labels(complete(inSupport(`limit orders.get to 5 ${CURSOR}`)))).toContain("calls");
    expect(labels(complete(inSupport(`limit orders.get to 5 calls per ${CURSOR}`)))).toEqual(expect.arrayContaining(["minute", "hour", "day", "session"]));
    expect(labels(complete(inSupport(`limit orders.get to 5 calls per minute ${CURSOR}`)))).toContain("by");
  });
});

describe("fields and members", () => {
  it("offers the args fields of the tool the rule selects, with types and descriptions", () => {
    const items = complete(inSupport(`allow orders.refund when args.${CURSOR}`));
    expect(labels(items)).toEqual(expect.arrayContaining(["order_id", "amount", "reason", "note"]));
    const amount = item(items, "amount")!;
    expect(amount.detail).toBe("number");
    expect(JSON.stringify(amount.documentation)).toContain("Dollars to refund.");
    expect(item(items, "note")!.detail).toBe("string | null");
  });

  it("works while the rest of the rule does not parse yet", () => {
    const marked = atEnd(`deny orders.search when args.${CURSOR}`);
    const { text } = withCursor(marked);
    expect(snapshotOf(text).checked.diagnostics.some((d) => d.code === "E_SYNTAX")).toBe(true);
    expect(labels(complete(marked))).toEqual(expect.arrayContaining(["query", "limit", "filter"]));
  });

  it("offers nested fields (`args.filter.`) and marks optional ones", () => {
    const items = complete(inSupport(`allow orders.search when args.filter.${CURSOR}`));
    expect(labels(items)).toEqual(["status", "customer"]);
    expect(item(items, "status")!.detail).toBe('(optional) "open" | "shipped" | "cancelled"');
  });

  it("offers only the fields every selected tool has", () => {
    const items = complete(inSupport(`allow orders.get, orders.refund when args.${CURSOR}`));
    expect(labels(items)).toEqual(["order_id"]);
  });

  it("offers string methods, list methods and url members by the receiver's type", () => {
    expect(labels(complete(inSupport(`allow orders.search when args.query.${CURSOR}`)))).toEqual(
      expect.arrayContaining(["length", "lower", "upper", "startsWith", "endsWith", "contains", "matches", "glob"]),
    );
    const list = complete(inSupport(`deny mail.send when args.to.${CURSOR}`));
    expect(labels(list)).toEqual(["length", "contains", "any", "all"]);
    expect(item(list, "all")!.textEdit).toMatchObject({ newText: "all(${1:x} => $0)" });
    expect(labels(complete(inSupport(`deny mail.send when url(args.subject).${CURSOR}`)))).toEqual(["scheme", "host", "port", "path", "query"]);
    expect(labels(complete(inSupport(`deny mail.send when args.subject.lower().${CURSOR}`)))).toContain("startsWith");
  });

  it("types a lambda parameter by its list's elements", () => {
    expect(labels(complete(inSupport(`deny mail.send when args.to.any(x => x.${CURSOR}`)))).toContain("endsWith");
  });

  it("offers ctx fields, tool properties and session members", () => {
    expect(labels(complete(inSupport(`allow orders.get when ctx.${CURSOR}`)))).toEqual(["user", "tenant"]);
    expect(labels(complete(inSupport(`allow orders.get when ctx.user.${CURSOR}`)))).toEqual(["id", "role"]);
    expect(labels(complete(atEnd(`deny * when tool.${CURSOR}`)))).toEqual(["name", "alias", "readOnly", "destructive", "idempotent", "openWorld"]);
    expect(labels(complete(atEnd(`deny * when session.${CURSOR}`)))).toEqual(["id", "has", "count"]);
  });

  it("offers the fields after `has`", () => {
    expect(labels(complete(inSupport(`allow orders.search when args has ${CURSOR}`)))).toEqual(["query", "limit", "filter"]);
  });
});

describe("values and names", () => {
  it("offers enum values after `==`, inside a started string and in an `in` list", () => {
    const eq = complete(inSupport(`allow orders.search when args.filter.status == ${CURSOR}`));
    expect(labels(eq).slice(0, 3)).toEqual(['"open"', '"shipped"', '"cancelled"']);
    expect(labels(complete(inSupport(`allow orders.get when ctx.user.role != ${CURSOR}`)))).toEqual(expect.arrayContaining(['"agent"', '"lead"']));
    const started = complete(inSupport(`allow orders.search when args.filter.status == "sh${CURSOR}`));
    expect(labels(started)).toEqual(["open", "shipped", "cancelled"]);
    expect(item(started, "shipped")!.textEdit).toMatchObject({ newText: '"shipped"' });
    expect(labels(complete(inSupport(`allow orders.refund when args.reason in [${CURSOR}`)))).toEqual(expect.arrayContaining(['"damaged"', '"late"', '"other"']));
    expect(labels(complete(inSupport(`allow orders.refund when args.reason in ${CURSOR}`)))).toContain('["damaged", "late", "other"]');
  });

  it("offers roots, consts and functions where an operand starts, but no roots in a const", () => {
    const items = complete(inSupport(`allow orders.refund when args.amount <= ${CURSOR}`));
    expect(labels(items)).toEqual(expect.arrayContaining(["max_refund", "args", "ctx", "tool", "session", "agent", "url", "path", "not"]));
    expect(item(items, "max_refund")!.detail).toBe("const max_refund: 100");
    const inConst = labels(complete(shopWith("const corp = [", `const c2 = ${CURSOR}\nconst corp = [`)));
    expect(inConst).toContain("max_refund");
    expect(inConst).not.toContain("args");
  });

  it("offers labels inside `session.has(`", () => {
    expect(labels(complete(inSupport(`deny mail.send when session.has(${CURSOR}`)))).toEqual(["customer_data"]);
  });

  it("offers tools inside `session.count(`", () => {
    expect(labels(complete(inSupport(`deny mail.send when session.count(orders.${CURSOR}`)))).toEqual(expect.arrayContaining(["get", "search"]));
  });

  it("offers agent ids after `extends` and in an invariant, not when declaring an agent", () => {
    expect(labels(complete(atEnd(`agent "x" extends ${CURSOR}`)))).toEqual(['"support"', '"lead"']);
    expect(labels(complete(atEnd(`agent "x" extends "su${CURSOR}`)))).toEqual(["support", "lead"]);
    expect(labels(complete(atEnd(`invariant i: agent ${CURSOR}`)))).toEqual(['"support"', '"lead"']);
    expect(labels(complete(atEnd(`agent "${CURSOR}`)))).toEqual([]);
  });

  it("offers clause and operator keywords after a condition", () => {
    const items = labels(complete(inSupport(`allow orders.refund when args.amount <= 5 ${CURSOR}`)));
    expect(items).toEqual(expect.arrayContaining(["and", "or", "unless", "because"]));
  });
});

describe("declarations and tests", () => {
  it("offers declaration keywords at top level (no second `policy`) and member keywords in an agent block", () => {
    const top = labels(complete(atEnd(CURSOR)));
    expect(top).toEqual(expect.arrayContaining(["tools", "context", "const", "label", "agent", "allow", "deny", "limit", "invariant", "test", "@id"]));
    expect(top).not.toContain("policy");
    const member = labels(complete(inSupport(CURSOR)));
    expect(member).toEqual(expect.arrayContaining(["allow", "deny", "review", "limit", "@id"]));
    expect(member).not.toContain("tools");
  });

  it("completes inside a test: `expect`, tools after `calls`, argument keys, rule ids", () => {
    const inTest = (line: string) => shopWith('test "support can read" {\n', `test "support can read" {\n  ${line}\n`);
    expect(labels(complete(inTest(CURSOR)))).toEqual(["expect"]);
    expect(labels(complete(inTest(`expect agent "support" calls orders.${CURSOR}`)))).toEqual(["search", "refund", "get"]);
    const keys = complete(inTest(`expect agent "support" calls orders.refund({ order_id: "o", ${CURSOR}`));
    expect(labels(keys)).toEqual(["amount", "reason", "note"]);
    expect(item(keys, "amount")!.textEdit).toMatchObject({ newText: "amount: " });
    expect(labels(complete(inTest(`expect agent "support" calls orders.get({ order_id: "o" }) with { user: { ${CURSOR}`)))).toEqual(["id", "role"]);
    expect(labels(complete(inTest(`expect agent "support" calls orders.get({ order_id: "o" }) => allow "${CURSOR}`)))).toContain("small-refunds");
  });

  it("offers `string`, `number`... for a context field's type", () => {
    expect(labels(complete(shopWith("  tenant: string\n", `  tenant: string\n  ticket: ${CURSOR}\n`)))).toEqual(["string", "number", "integer", "boolean"]);
  });

  it("uses the last clean version when the current one lost a declaration", () => {
    const clean = SHOP_TEXT;
    // The `context` block is broken while being edited: ctx fields come from the clean version.
    const broken = shopWith("context {\n", "context {\n  x: \n").replace("deny * when tool.destructive", `deny * when ctx.${CURSOR} and tool.destructive`);
    expect(labels(complete(broken, clean))).toEqual(expect.arrayContaining(["user", "tenant"]));
  });

  it("offers nothing inside a comment", () => {
    expect(complete(atEnd(`// allow orders.${CURSOR}`))).toEqual([]);
  });
});

describe("speed and staleness", () => {
  it("answers from an older checked version paired with the current text", () => {
    const old = snapshotOf(SHOP_TEXT);
    const { text, position } = withCursor(inSupport(`deny orders.refund when args.${CURSOR}`));
    const input = { text, lines: new LineIndex(text), checked: old.checked, lastGood: old.lastGood };
    expect(labels(handleCompletion(input, { textDocument: { uri: old.uri }, position }).items)).toEqual(["order_id", "amount", "reason", "note"]);
  });

  it("scans only from the nearest top-level declaration before the cursor", () => {
    const { text, offset } = withCursor(inSupport(`deny orders.refund when args.${CURSOR}`));
    expect(text.slice(windowStart(text, offset)).startsWith('agent "support" {')).toBe(true);
    expect(windowStart("allow a.b when x.", 17)).toBe(0);
    // A line that merely contains a keyword, or an indented one, is no restart point.
    const t = 'agent "a" {\n  const_like.x\n  agent_x\n}\n';
    expect(windowStart(t, t.length)).toBe(0);
  });
});
