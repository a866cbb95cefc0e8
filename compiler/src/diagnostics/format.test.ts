import { describe, expect, it } from "vitest";
import { createDiagnostic } from "./diagnostic.js";
import { codeFrame, formatDiagnosticText, LineMap, toJsonDiagnostics } from "./format.js";
import { Messages } from "./messages.js";

describe("LineMap", () => {
  it("maps offsets to 1-based lines and UTF-16 columns across \\n, \\r\\n and \\r", () => {
    const m = new LineMap("ab\ncd\r\nef\rg😀h");
    expect(m.position(0)).toEqual({ line: 1, column: 1 });
    expect(m.position(3)).toEqual({ line: 2, column: 1 });
    expect(m.position(7)).toEqual({ line: 3, column: 1 });
    expect(m.position(10)).toEqual({ line: 4, column: 1 });
    // the emoji is two UTF-16 code units
    expect(m.position(13)).toEqual({ line: 4, column: 4 });
    expect(m.lineText(2)).toBe("cd");
    expect(m.offset({ line: 3, column: 2 })).toBe(8);
  });
  it("clamps offsets outside the text", () => {
    const m = new LineMap("x\ny");
    expect(m.position(-5)).toEqual({ line: 1, column: 1 });
    expect(m.position(99)).toEqual({ line: 2, column: 2 });
  });
});

describe("diagnostic rendering", () => {
  const text = "policy p\ntools inv from \"./inv.json\"\nallow inv.get_items\n";
  const start = text.indexOf("inv.get_items");
  const d = createDiagnostic(Messages.UnknownTool, "/p/a.agentpolicy", { start, end: start + 13 }, ["inv", "get_items"], {
    suggestion: "get_item",
    related: [{ file: "/p/a.agentpolicy", span: { start: 9, end: 14 }, message: "manifest loaded here" }],
  });
  const sources = (f: string) => (f === "/p/a.agentpolicy" ? text : undefined);

  it("renders path:line:col, code, message, source line and carets", () => {
    expect(formatDiagnosticText(d, sources)).toBe(
      [
        "/p/a.agentpolicy:3:7 - error E_UNKNOWN_TOOL: manifest `inv` has no tool `get_items` (did you mean `get_item`?)",
        "3 | allow inv.get_items",
        "  |       ^^^^^^^^^^^^^",
        "  = manifest loaded here: /p/a.agentpolicy:2:1",
      ].join("\n"),
    );
  });

  it("produces the JSON shape of check --format json, end exclusive", () => {
    const [j] = toJsonDiagnostics([d], sources);
    expect(j).toMatchObject({
      code: "E_UNKNOWN_TOOL",
      severity: "error",
      file: "/p/a.agentpolicy",
      range: { start: { line: 3, column: 7 }, end: { line: 3, column: 20 } },
      related: [{ range: { start: { line: 2, column: 1 } } }],
      suggestion: "get_item",
    });
  });

  it("underlines at least one caret for an empty span and at most three lines", () => {
    const m = new LineMap("a\nb\nc\nd\ne");
    expect(codeFrame(m, { start: 2, end: 2 })).toEqual(["2 | b", "  | ^"]);
    expect(codeFrame(m, { start: 0, end: 9 }).length).toBe(6);
  });
});
