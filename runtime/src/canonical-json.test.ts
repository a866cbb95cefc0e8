import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { EvaluationError } from "./errors.js";

describe("canonicalJson (RFC 8785)", () => {
  it.each<[string, unknown, string]>([
    ["null", null, "null"],
    ["true", true, "true"],
    ["false", false, "false"],
    ["integer", 42, "42"],
    ["1.0 is 1", 1.0, "1"],
    ["-0 is 0", -0, "0"],
    ["fraction", 0.5, "0.5"],
    ["shortest round-trip", 0.1 + 0.2, "0.30000000000000004"],
    ["large uses exponent", 1e21, "1e+21"],
    ["below exponent threshold", 1e20, "100000000000000000000"],
    ["small uses exponent", 1e-7, "1e-7"],
    ["0.000001 plain", 0.000001, "0.000001"],
    ["max safe", 9007199254740991, "9007199254740991"],
    ["negative", -3.25, "-3.25"],
    ["string plain", "abc", '"abc"'],
    ["quote and backslash", 'a"b\\c', '"a\\"b\\\\c"'],
    ["short escapes", "\b\t\n\f\r", '"\\b\\t\\n\\f\\r"'],
    ["other controls as lower-case \\u00xx", "\u0001\u001f", '"\\u0001\\u001f"'],
    ["DEL literal", "\u007f", '"\u007f"'],
    ["slash not escaped", "a/b", '"a/b"'],
    ["non-ASCII literal", "é€😀", '"é€😀"'],
    ["U+2028 literal", "\u2028", '"\u2028"'],
    ["lone surrogate escaped", "\ud800", '"\\ud800"'],
    ["empty array", [], "[]"],
    ["empty object", {}, "{}"],
    ["array", [1, "a", null, [true]], '[1,"a",null,[true]]'],
    ["keys sorted", { b: 1, a: 2, c: { z: 0, y: [] } }, '{"a":2,"b":1,"c":{"y":[],"z":0}}'],
    ["undefined member omitted", { a: undefined, b: null }, '{"b":null}'],
    // UTF-16 code unit order: U+FF61 (0xFF61) sorts after U+1F600 (0xD83D 0xDE00) is false:
    // 0xD83D < 0xFF61, so the emoji key comes first although its code point is larger.
    ["keys by UTF-16 code units", { "\uff61": 1, "\u{1f600}": 2, "\u00e9": 3, a: 4, A: 5, "": 6 }, '{"":6,"A":5,"a":4,"é":3,"😀":2,"｡":1}'],
    ["digit keys sorted as strings", { "10": 1, "9": 2, "1": 3 }, '{"1":3,"10":1,"9":2}'],
  ])("%s", (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it("matches the RFC 8785 §3.2.3 sorting example", () => {
    const value = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // (Object.keys would list the integer-like "1" first, so read the order off the text.)
    const values = [...canonicalJson(value).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual([
      "Carriage Return",
      "One",
      "Control",
      "Latin Small Letter O With Diaeresis",
      "Euro Sign",
      "Emoji: Grinning Face",
      "Hebrew Letter Dalet With Dagesh",
    ]);
  });

  it("matches the RFC 8785 appendix example", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it.each<[string, unknown]>([
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity in array", [-Infinity]],
    ["undefined at top level", undefined],
    ["undefined in array", [1, undefined]],
    ["hole in array", [1, , 2]], // eslint-disable-line no-sparse-arrays
    ["function", () => 1],
    ["bigint", 1n],
    ["symbol member", { a: Symbol("x") }],
  ])("rejects %s", (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(EvaluationError);
  });

  it("rejects cycles but accepts shared references", () => {
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(EvaluationError);
  });

  it("ignores key order and round-trips through JSON.parse", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          const reversed = Object.fromEntries(Object.entries(value).reverse());
          expect(canonicalJson(reversed)).toBe(text);
        }
      }),
      { numRuns: 300 },
    );
  });
});
