import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRegex } from "./regex-safety.js";

describe("checkRegex", () => {
  const safe = [
    "abc",
    "^a+$",
    "(https?://|www\\.)",
    "^(https?://|www\\.)[a-z.]+$",
    "[a-z]+",
    "(ab)",
    "((ab))+",
    "(a)+",
    "(?:ab)c*",
    "\\d{3}-\\d{4}",
    "[(+)]+",
    "\\(a+\\)+",
    "(a|b)*",
    "(?<year>\\d{4})-(?<month>\\d{2})",
    "\\p{L}+\\P{N}*",
    "a{2,}b{1,3}",
    "x*y*z?",
    "[\\]+]+",
    "[^)]+",
    "\\u{1F600}+",
    "😀+",
    "^$",
    "\\bword\\b",
    "[]",
    "[^]*",
  ];
  it.each(safe)("accepts %s", (p) => {
    expect(checkRegex(p)).toEqual({ ok: true });
  });

  const unsafe: [string, RegExp][] = [
    ["(a+)+", /quantifier/],
    ["(a*b?)*", /quantifier/],
    ["(x{1,3})+", /quantifier/],
    ["((a+))*", /quantifier/],
    ["(a+){2}", /quantifier/],
    ["(?:a+)+", /quantifier/],
    ["(a|b+)*", /quantifier/],
    ["^(\\d+)*$", /quantifier/],
    ["(a+)?", /quantifier/],
    ["(?<n>a+)+", /quantifier/],
    ["(a)\\1", /backreference/],
    ["(?<n>a)\\k<n>", /backreference/],
    ["(?=a)b", /lookahead/],
    ["a(?!b)", /lookahead/],
    ["(?<=a)b", /lookbehind/],
    ["(?<!a)b", /lookbehind/],
  ];
  it.each(unsafe)("rejects %s as unsafe", (p, reason) => {
    const r = checkRegex(p);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.kind).toBe("unsafe");
      expect(r.reason).toMatch(reason);
    }
  });

  const invalid = ["(", "[", "a{2,1}", "\\k", "(?<n>a)(?<n>b)", "a**", "\\1", "{", "a{", "\\p{Nope}", "(?<=", "\\c"];
  it.each(invalid)("rejects %s as invalid", (p) => {
    const r = checkRegex(p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.kind).toBe("invalid");
  });

  it("never throws, and agrees with the RegExp constructor on validity", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-c()+*?{}|\\[\]^$.,0-9<>=!:k-]{0,12}$/), (p) => {
        const r = checkRegex(p);
        let compiles = true;
        try {
          new RegExp(p, "u");
        } catch {
          compiles = false;
        }
        expect(r.ok || r.kind === "unsafe").toBe(compiles);
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
});
