import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileLinearRegex, MAX_LINEAR_REGEX_STATES } from "./linear-regex.js";

/**
 * ECMA-262's answer for `new RegExp(pattern, "u").test(s)`, computed with the native engine: a
 * match starting at some code point boundary (RegExpBuiltinExec advances `lastIndex` by whole
 * code points in `u` mode). V8 (Node 20) also tries to start inside a surrogate pair, where a
 * zero-width `\B` matches: it finds `/\B/u` in "a😀a" at index 2, which the specification (and
 * the linear matcher) does not.
 */
function specTest(pattern: string, s: string): boolean {
  const sticky = new RegExp(pattern, "uy");
  for (let i = 0; i <= s.length; i++) {
    sticky.lastIndex = i;
    if (sticky.test(s)) return true;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return false;
}

const SAFE_PATTERNS = [
  "",
  "a",
  "^a",
  "a$",
  "^$",
  "^abc$",
  "ab|cd",
  "^(ab|cd)$",
  "a|b|",
  "(?:a|b)*c",
  "(?<word>\\w+)-\\d",
  "a*",
  "^a+$",
  "^a+?b$",
  "^a??b",
  "^a{2}$",
  "^a{2,}$",
  "^a{1,3}$",
  "^a{0}b$",
  "^(?:ab){2,3}$",
  "x{0,2}?y",
  "[abc]",
  "^[^abc]+$",
  "[a-z0-9_]+@",
  "[\\]\\-]",
  "[]",
  "[^]",
  "^.$",
  "^.*$",
  "a.c",
  "\\d+",
  "^\\D\\w\\W\\s\\S$",
  "^\\p{L}+$",
  "\\P{L}",
  "^\\p{Script=Greek}$",
  "\\u{1F600}",
  "^\\uD83D\\uDE00$",
  "\\uD83D",
  "^[\\uD800-\\uDFFF]$",
  "\\x41",
  "\\cJ",
  "\\t|\\n|\\r",
  "\\0",
  "\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\/\\\\",
  "😀+",
  "^[😀-😂]$",
  "\\b",
  "\\bab",
  "ab\\b",
  "\\Ba",
  "a\\B",
  "^\\b$",
  "(^a|b$)",
  "(a|^)b",
  "()*",
  "(a*)*b",
  "(?:)",
  "^(a|ab)(c|bcd)(d*)$",
  "é|e\\u0301",
];

/** Code points the random strings draw from: ASCII letters, the pattern specials, astral, lone surrogates, line terminators. */
const ALPHABET = ["a", "b", "c", "d", "x", "y", "A", "Z", "0", "9", "_", "-", " ", "\n", "\r", "\u2028", "\t", "@", ".", "é", "α", "Ω", "😀", "😂", "\uD83D", "\uDE00", "\uD800", "\0", "\u0301"];

const inputs = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }).map((xs) => xs.join(""));

describe("compileLinearRegex agrees with RegExp (flag u)", () => {
  it.each(SAFE_PATTERNS)("compiles %j", (pattern) => {
    expect(compileLinearRegex(pattern)).not.toBeNull();
  });

  it("on random strings over the alphabet", () => {
    for (const pattern of SAFE_PATTERNS) {
      const linear = compileLinearRegex(pattern)!;
      fc.assert(
        fc.property(inputs, (s) => {
          expect(linear.test(s), `${JSON.stringify(pattern)} on ${JSON.stringify(s)}`).toBe(specTest(pattern, s));
        }),
        { numRuns: 150 },
      );
    }
  });

  it("on random patterns built from safe pieces", () => {
    const atom = fc.constantFrom("a", "b", ".", "\\w", "\\d", "[ab]", "[^a]", "\\p{L}", "😀", "\\s", "(?:ab|c)", "(a|)");
    const quant = fc.constantFrom("", "", "*", "+", "?", "{2}", "{1,2}", "{0,}", "+?");
    const piece = fc.oneof(fc.tuple(atom, quant).map(([a, q]) => a + q), fc.constantFrom("^", "$", "\\b", "\\B"));
    const pattern = fc.array(fc.array(piece, { maxLength: 4 }).map((xs) => xs.join("")), { minLength: 1, maxLength: 3 }).map((alts) => alts.join("|"));
    fc.assert(
      fc.property(pattern, fc.array(inputs, { minLength: 1, maxLength: 8 }), (p, strings) => {
        const linear = compileLinearRegex(p);
        expect(linear).not.toBeNull();
        for (const s of strings) expect(linear!.test(s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`).toBe(specTest(p, s));
      }),
      { numRuns: 300 },
    );
  });

  it("on random full Unicode strings", () => {
    const patterns = ["^\\p{L}*$", "\\P{L}", "[\\u{10000}-\\u{10FFFF}]", "^.+$", "\\w\\b", "^[^a-z]*$"];
    for (const pattern of patterns) {
      const linear = compileLinearRegex(pattern)!;
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 10 }), (s) => {
          expect(linear.test(s)).toBe(specTest(pattern, s));
        }),
        { numRuns: 200 },
      );
    }
  });

  it("does not start a match inside a surrogate pair (ECMA-262; V8 does)", () => {
    expect(compileLinearRegex("\\B")!.test("a😀a")).toBe(false);
    expect(specTest("\\B", "a😀a")).toBe(false);
    expect(compileLinearRegex("\\B")!.test("a😀")).toBe(specTest("\\B", "a😀"));
  });

  it("matches unsafe patterns the way RegExp would on short strings", () => {
    const cases: [string, string, boolean][] = [
      ["^(a+)+$", "aaaa", true],
      ["^(a+)+$", "aaaa!", false],
      ["^(a|aa)+$", "aaaaa", true],
      ["(x+x+)+y", "xxy", true],
      ["(x+x+)+y", "xy", false],
      ["^(\\w+\\s?)*$", "hello world ok", true],
      ["^(\\w+\\s?)*$", "hello world!", false],
      ["^(a{1,3}){2}$", "aaaa", true],
    ];
    for (const [pattern, s, expected] of cases) {
      expect(new RegExp(pattern, "u").test(s)).toBe(expected);
      expect(compileLinearRegex(pattern)!.test(s)).toBe(expected);
    }
  });
});

describe("compileLinearRegex on hostile inputs", () => {
  it.each([
    ["^(a+)+$", "a".repeat(10_000) + "!"],
    ["^(a|aa)+$", "a".repeat(10_000) + "!"],
    ["(x+x+)+y", "x".repeat(10_000)],
    ["^(\\w+\\s?)*$", "ab ".repeat(3_333) + "!"],
  ])("%s finishes on a 10,000-character input", (pattern, s) => {
    expect(compileLinearRegex(pattern)!.test(s)).toBe(false);
  });
});

describe("compileLinearRegex refuses", () => {
  it.each([
    ["a backreference", "(a)\\1"],
    ["a named backreference", "(?<x>a)\\k<x>"],
    ["a lookahead", "a(?=b)"],
    ["a negative lookahead", "a(?!b)"],
    ["a lookbehind", "(?<=a)b"],
    ["a negative lookbehind", "(?<!a)b"],
    ["an invalid pattern", "(a"],
    ["a pattern invalid with the u flag", "\\-"],
    ["an oversized expansion", `(a{100}){${MAX_LINEAR_REGEX_STATES}}`],
    ["a huge bound", "a{99999999999999999999}"],
  ])("%s", (_, pattern) => {
    expect(compileLinearRegex(pattern)).toBeNull();
  });

  it("accepts a bounded repeat under the limit", () => {
    const re = compileLinearRegex("^a{1000}$")!;
    expect(re.test("a".repeat(1000))).toBe(true);
    expect(re.test("a".repeat(999))).toBe(false);
  });
});
