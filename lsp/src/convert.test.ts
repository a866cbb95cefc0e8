import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LineIndex, pathToUri, uriToPath } from "./convert.js";

describe("LineIndex", () => {
  it("maps offsets to UTF-16 positions across \\n, \\r\\n and \\r", () => {
    const text = "ab\r\ncd\ref\nπ😀x";
    const li = new LineIndex(text);
    expect(li.position(0)).toEqual({ line: 0, character: 0 });
    expect(li.position(4)).toEqual({ line: 1, character: 0 });
    expect(li.position(7)).toEqual({ line: 2, character: 0 });
    // `😀` is two UTF-16 units: `x` is at character 3 of the last line.
    expect(li.position(text.indexOf("x"))).toEqual({ line: 3, character: 3 });
    expect(li.offset({ line: 3, character: 3 })).toBe(text.indexOf("x"));
  });

  it("clamps out-of-range positions and offsets", () => {
    const li = new LineIndex("abc\ndef");
    expect(li.offset({ line: 0, character: 99 })).toBe(3);
    expect(li.offset({ line: 9, character: 0 })).toBe(7);
    expect(li.position(99)).toEqual({ line: 1, character: 3 });
    expect(li.range({ start: 5, end: 2 })).toEqual({ start: { line: 1, character: 1 }, end: { line: 1, character: 1 } });
  });

  it("round-trips every offset", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "\n", "\r", "😀", "é", " ") }), (text) => {
        const li = new LineIndex(text);
        for (let o = 0; o <= text.length; o++) {
          // An offset inside a CRLF maps to the end of its line.
          if (text[o - 1] === "\r" && text[o] === "\n") continue;
          expect(li.offset(li.position(o))).toBe(o);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("URIs", () => {
  it("turns file URIs into paths and back, and rejects other schemes", () => {
    expect(uriToPath("file:///tmp/a%20b.agentpolicy")).toBe("/tmp/a b.agentpolicy");
    expect(pathToUri("/tmp/a b.agentpolicy")).toBe("file:///tmp/a%20b.agentpolicy");
    expect(uriToPath("untitled:Untitled-1")).toBeNull();
  });
});
