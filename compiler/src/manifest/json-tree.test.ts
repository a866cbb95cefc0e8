/**
 * `parseJsonTree` (load.ts's fast tree) against jsonc-parser's `parseTree` with the options
 * manifests are read with: on any text it accepts, jsonc reports no error and builds the
 * same tree (types, offsets, lengths, values, children, colon offsets), and `JSON.parse` of
 * a node's text is the node's value; it accepts every strict JSON text it is given, and
 * declines text jsonc would reject or read differently. Bounded runs (a few seconds).
 */
import fc from "fast-check";
import * as jsoncModule from "jsonc-parser";
import type { Node as JsonNode, ParseError } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { parseJsonTree, valueOf } from "./load.js";

const jsonc: typeof jsoncModule = (jsoncModule as unknown as Record<string, typeof jsoncModule | undefined>)["default"] ?? jsoncModule;

type Plain = { type: string; offset: number; length: number; value?: unknown; colonOffset?: number; children?: Plain[] };

/** A tree without `parent` links, keys in a fixed order. */
function plain(n: JsonNode): Plain {
  const out: Plain = { type: n.type, offset: n.offset, length: n.length };
  if (n.value !== undefined || n.type === "null") out.value = n.value;
  if (n.colonOffset !== undefined) out.colonOffset = n.colonOffset;
  if (n.children !== undefined) out.children = n.children.map(plain);
  return out;
}

function walk(n: JsonNode, f: (n: JsonNode) => void): void {
  f(n);
  for (const c of n.children ?? []) walk(c, f);
}

/** Checks the contract on one text; returns whether the fast tree accepted it. */
function agrees(text: string): boolean {
  const fast = parseJsonTree(text);
  if (fast === undefined) return false;
  const errors: ParseError[] = [];
  const reference = jsonc.parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  expect(errors, text).toEqual([]);
  expect(plain(fast), text).toEqual(plain(reference!));
  walk(fast, (n) => {
    if (n.type === "property") return;
    const parsed = JSON.parse(text.slice(n.offset, n.offset + n.length));
    const expected = valueOf(n);
    expect(parsed).toStrictEqual(expected);
    expect(Object.keys(parsed ?? {})).toEqual(Object.keys(expected ?? {}));
  });
  return true;
}

const layout = (value: unknown, indent: number | string): string => JSON.stringify(value, null, indent);

describe("parseJsonTree", () => {
  it("builds jsonc-parser's tree for any JSON value, however laid out", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom<number | string>(0, 1, 2, "\t", "\r\n "), (v, indent) => {
        expect(agrees(layout(v, indent))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("handles escapes, surrogates, repeated and special keys, and number forms", () => {
    const texts = [
      String.raw`{"a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\ud83d\ude00\udc00": "x\u0000y"}`,
      `{"a": 1, "a": 2, "__proto__": {"x": 1}, "constructor": null, "1": true, "0": false}`,
      `[0, -0, 1.5, -2.25e10, 3E-2, 4e+3, 123456789012345678901234567890, 1e400]`,
      `  {"tools": [ ] , "x" : { } }  `,
      `"just a string"`,
      `null`,
      `[[[[[[]]]]]]`,
      `{"é": "\u2028\u2029", "": ""}`,
    ];
    for (const t of texts) expect(agrees(t), t).toBe(true);
  });

  it("declines what jsonc rejects or reads differently, and text nested too deeply", () => {
    const bad = [
      "", " ", "{", "[1,]", '{"a":1,}', "01", "1.", ".5", "-", "+1", "1e", "tru", "truex", "nul", "[1 2]", '{"a" 1}', '{a: 1}',
      "'s'", '"unterminated', '"tab\there"', '"bad \\x escape"', '"\\u12"', "// c\n1", "/* c */ 1", "1 /", "\u00a01", "1\u000b", "\ufeff1",
      "[1]]", "{} {}", "NaN", "Infinity", '{"a":1}x',
    ];
    for (const t of bad) expect(parseJsonTree(t), JSON.stringify(t)).toBeUndefined();
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    // `depthOf` counts enclosing containers: 256 nested arrays are fine, 258 too deep; the
    // fast tree stops one level early (an empty container at the limit goes to jsonc).
    expect(agrees(deep(256))).toBe(true);
    expect(parseJsonTree(deep(257))).toBeUndefined();
    expect(agrees(`{"a": ${deep(255)}}`)).toBe(true);
    expect(parseJsonTree(deep(300))).toBeUndefined();
  });

  it("never accepts a mutation jsonc rejects, and agrees on the ones it accepts", () => {
    const base = layout({ tools: [{ name: "a", inputSchema: { type: "object", properties: { p: { type: ["string", "null"], enum: ["x", 1.5, true, null] } }, required: ["p"] } }] }, 1);
    const pieces = ["{", "}", "[", "]", ",", ":", '"', "\\", " ", "\n", "\t", "\u00a0", "0", "-", ".", "e", "true", "null", "/", "*", "x", "\u0001"];
    fc.assert(
      fc.property(fc.nat({ max: base.length }), fc.nat({ max: 3 }), fc.constantFrom(...pieces), (at, drop, piece) => {
        const text = base.slice(0, at) + piece + base.slice(at + drop);
        const fast = parseJsonTree(text);
        if (fast === undefined) return;
        agrees(text);
      }),
      { numRuns: 500 },
    );
  });
});
