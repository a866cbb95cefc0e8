import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  codePointLength,
  compileGlob,
  compileRegex,
  deepEqual,
  EvaluationError,
  limitKey,
  parseUrl,
  pathExt,
  pathName,
  pathNormalize,
  pathUnder,
  repeatFingerprint,
  sessionCount,
  sessionHas,
} from "./builtins.js";
import type { UrlParts } from "./builtins.js";

describe("compileGlob", () => {
  it.each<[string, string, boolean]>([
    ["*.ts", "a.ts", true],
    ["*.ts", ".ts", true],
    ["*.ts", ".hidden.ts", true],
    ["*", ".env", true],
    ["*", "", true],
    ["*", "a/b", false],
    ["*.ts", "dir/a.ts", false],
    ["*.ts", "a.tsx", false],
    ["*.TS", "a.ts", false],
    ["a/*/c", "a/b/c", true],
    ["a/*/c", "a//c", true],
    ["a/*/c", "a/b/d/c", false],
    ["**", "", true],
    ["**", "a/b/.c", true],
    ["**/*.ts", "a/b/c.ts", true],
    ["**/*.ts", "/c.ts", true],
    ["**/*.ts", "c.ts", false],
    ["src/**", "src/", true],
    ["src/**", "src/a/.git/x", true],
    ["src/**", "src", false],
    ["src/**/x", "src/x", false],
    ["src/**/x", "src//x", true],
    ["***", "a/b", true],
    ["?", "é", true],
    ["?", "😀", true],
    ["??", "😀", false],
    ["?", "/", false],
    ["?", "", false],
    ["a?c", "abc", true],
    ["a?c", "a.c", true],
    ["a+b(c)[d].{e}^$|", "a+b(c)[d].{e}^$|", true],
    ["a.b", "aXb", false],
    ["[ab]", "a", false],
    ["\\*", "\\anything", true],
    ["\\*", "*", false],
    ["😀*", "😀x", true],
    ["/etc/*", "/etc/passwd", true],
    ["/etc/*", "/etc/ssh/sshd_config", false],
    ["", "", true],
    ["", "a", false],
  ])("%j matches %j: %s", (pattern, input, expected) => {
    expect(compileGlob(pattern)(input)).toBe(expected);
  });

  it("needs no backtracking on adversarial patterns", () => {
    const match = compileGlob("*a*a*a*a*a*a*a*a*b");
    expect(match("a".repeat(20_000))).toBe(false);
    expect(match(`${"a".repeat(20_000)}b`)).toBe(true);
  });

  it("agrees with a backtracking reference on random inputs", () => {
    const chars = fc.constantFrom("a", "b", "/", ".", "é");
    const patterns = fc.array(fc.constantFrom("a", "b", "/", ".", "*", "**", "?"), { maxLength: 6 }).map((p) => p.join(""));
    fc.assert(
      fc.property(patterns, fc.array(chars, { maxLength: 8 }).map((c) => c.join("")), (pattern, input) => {
        expect(compileGlob(pattern)(input)).toBe(reference(pattern, input));
      }),
      { numRuns: 500 },
    );
  });
});

/** A direct regex translation of the §12 glob rules. */
function reference(pattern: string, input: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (pattern[i] === "*") source += "[^/]*";
    else if (pattern[i] === "?") source += "[^/]";
    else source += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "su").test(input);
}

describe("compileRegex", () => {
  it.each<[string, string, boolean]>([
    ["b", "abc", true],
    ["^b", "abc", false],
    ["^a.c$", "abc", true],
    ["^a$", "a\n", false],
    ["^.$", "😀", true],
    ["\\d+", "x12", true],
    ["^\\p{Lu}", "Ä", true],
  ])("%j on %j: %s", (pattern, input, expected) => {
    expect(compileRegex(pattern).test(input)).toBe(expected);
  });

  it("is stateless when reused", () => {
    const regex = compileRegex("a");
    expect([regex.test("a"), regex.test("a"), regex.test("a")]).toEqual([true, true, true]);
    expect(compileRegex("a")).toBe(regex);
  });

  it("throws EvaluationError on an invalid pattern", () => {
    expect(() => compileRegex("(")).toThrow(EvaluationError);
    expect(() => compileRegex("\\q")).toThrow(EvaluationError);
  });
});

describe("parseUrl", () => {
  it.each<[string, UrlParts]>([
    ["http://user:pw@EXAMPLE.com:8080/a?b=1#f", { scheme: "http", host: "example.com", port: 8080, path: "/a", query: "b=1" }],
    ["https://good.com@evil.com/", { scheme: "https", host: "evil.com", port: 443, path: "/", query: "" }],
    ["https://evil.com\\@good.com/", { scheme: "https", host: "evil.com", port: 443, path: "/@good.com/", query: "" }],
    ["https://Bücher.example/", { scheme: "https", host: "xn--bcher-kva.example", port: 443, path: "/", query: "" }],
    ["http://[::1]:443/", { scheme: "http", host: "[::1]", port: 443, path: "/", query: "" }],
    ["http://[2001:DB8::1]/x", { scheme: "http", host: "[2001:db8::1]", port: 80, path: "/x", query: "" }],
    ["https://a.com:443/x", { scheme: "https", host: "a.com", port: 443, path: "/x", query: "" }],
    ["http://a.com:80/", { scheme: "http", host: "a.com", port: 80, path: "/", query: "" }],
    ["https://a.com:80/", { scheme: "https", host: "a.com", port: 80, path: "/", query: "" }],
    ["http://a.com:0/", { scheme: "http", host: "a.com", port: 0, path: "/", query: "" }],
    ["http://a.com:65535", { scheme: "http", host: "a.com", port: 65535, path: "/", query: "" }],
    [" \thttp://a.b/c d\n ", { scheme: "http", host: "a.b", port: 80, path: "/c%20d", query: "" }],
    ["HTTP://A.B", { scheme: "http", host: "a.b", port: 80, path: "/", query: "" }],
    ["http://0x7f.1/", { scheme: "http", host: "127.0.0.1", port: 80, path: "/", query: "" }],
    ["http://a.com/%2e%2e/x", { scheme: "http", host: "a.com", port: 80, path: "/x", query: "" }],
    ["http://a.com/?", { scheme: "http", host: "a.com", port: 80, path: "/", query: "" }],
    ["http://a.com/p?x=%20&y", { scheme: "http", host: "a.com", port: 80, path: "/p", query: "x=%20&y" }],
    ["ws://a", { scheme: "ws", host: "a", port: 80, path: "/", query: "" }],
    ["wss://a", { scheme: "wss", host: "a", port: 443, path: "/", query: "" }],
    ["ftp://a/", { scheme: "ftp", host: "a", port: 21, path: "/", query: "" }],
    ["file:///etc/passwd", { scheme: "file", host: "", port: null, path: "/etc/passwd", query: "" }],
    ["mailto:x@y.com", { scheme: "mailto", host: "", port: null, path: "x@y.com", query: "" }],
    ["git+ssh://h.com:2222/r", { scheme: "git+ssh", host: "h.com", port: 2222, path: "/r", query: "" }],
    ["custom://h.com/r", { scheme: "custom", host: "h.com", port: null, path: "/r", query: "" }],
  ])("%j", (input, expected) => {
    expect(parseUrl(input)).toEqual(expected);
  });

  it.each(["", "not a url", "http://", "http://exa mple.com", "http://a.com:99999", "//a.com/x", "/relative"])(
    "%j is an evaluation error",
    (input) => {
      expect(() => parseUrl(input)).toThrow(EvaluationError);
    },
  );
});

describe("path()", () => {
  it.each<[string, string]>([
    ["", "."],
    [".", "."],
    ["./", "."],
    ["/", "/"],
    ["//", "/"],
    ["///a", "/a"],
    ["/a//b///c/", "/a/b/c"],
    ["a/b/", "a/b"],
    ["/..", "/"],
    ["/../etc/passwd", "/etc/passwd"],
    ["/a/./b/../../c", "/c"],
    ["a/..", "."],
    ["a/../..", ".."],
    ["./../a", "../a"],
    ["../../a/./b", "../../a/b"],
    ["a\\b/../c", "c"],
    ["a\\..\\b", "a\\..\\b"],
    ["%2e%2e/x", "%2e%2e/x"],
    ["/tmp/%2e%2e/etc", "/tmp/%2e%2e/etc"],
    [".../x", ".../x"],
    ["a/.b/..c", "a/.b/..c"],
  ])("normalizes %j to %j", (input, expected) => {
    expect(pathNormalize(input)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ["/etc/passwd", "/etc", true],
    ["/etc", "/etc", true],
    ["/etc", "/etc/", true],
    ["/etc/", "/etc", true],
    ["/etc//passwd", "/etc", true],
    ["/etcetera", "/etc", false],
    ["/etc/../root", "/etc", false],
    ["/home/u/../../etc", "/home", false],
    ["/home/u/./x", "/home/u", true],
    ["/home/u/x", "/home/u/../u", true],
    ["/Etc/x", "/etc", false],
    ["etc/x", "/etc", false],
    ["/etc/x", "etc", false],
    ["a/b", "a", true],
    ["a/b", "a/b/c", false],
    ["../a", "a", false],
    ["../a", ".", false],
    ["a", ".", true],
    ["a", "", true],
    ["..", "..", true],
    ["../x", "..", true],
    ["../../x", "..", false],
    ["/x", "/", true],
    ["/", "/", true],
    ["/..", "/", true],
    ["/tmp/%2e%2e/etc", "/tmp", true],
    ["/tmp/..%2f/etc", "/tmp", true],
    ["/tmp\\..\\etc", "/tmp", false],
    ["/a%2f..%2fb", "/a", false],
    ["/data/x", "/data\\", false],
  ])("%j under %j: %s", (p, dir, expected) => {
    expect(pathUnder(p, dir)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ["/a/b.txt", "b.txt", ".txt"],
    ["/", "", ""],
    ["a/b/", "b", ""],
    ["", ".", ""],
    ["/a/..", "", ""],
    ["..", "..", ""],
    [".env", ".env", ""],
    ["dir/.env.local", ".env.local", ".local"],
    ["a.tar.gz", "a.tar.gz", ".gz"],
    ["a.", "a.", "."],
    ["/x.d/file", "file", ""],
    ["C:\\dir\\f.txt", "C:\\dir\\f.txt", ".txt"],
  ])("%j: name %j, ext %j", (p, name, ext) => {
    expect(pathName(p)).toBe(name);
    expect(pathExt(p)).toBe(ext);
  });

  it("normalization is idempotent and never leaves `.`, `//` or an inner `..`", () => {
    const segment = fc.constantFrom("a", "b", ".", "..", "", "\\", "%2e");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.boolean(), (segs, absolute) => {
        const p = (absolute ? "/" : "") + segs.join("/");
        const n = pathNormalize(p);
        expect(pathNormalize(n)).toBe(n);
        expect(n.includes("//")).toBe(false);
        const parts = n.split("/").filter((s) => s !== "");
        const firstOther = parts.findIndex((s) => s !== "..");
        if (firstOther >= 0) expect(parts.slice(firstOther)).not.toContain("..");
        if (n !== ".") expect(parts).not.toContain(".");
        expect(pathUnder(p, p)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("deepEqual", () => {
  it.each<[string, unknown, unknown, boolean]>([
    ["same numbers", 1, 1, true],
    ["-0 == 0", -0, 0, true],
    ["NaN != NaN", NaN, NaN, false],
    ["string vs number", "1", 1, false],
    ["null vs missing", null, undefined, false],
    ["records ignore order", { a: 1, b: [2] }, { b: [2], a: 1 }, true],
    ["undefined member is absent", { a: 1 }, { a: 1, b: undefined }, true],
    ["null member is present", { a: 1 }, { a: 1, b: null }, false],
    ["extra member", { a: 1 }, { a: 1, c: 1 }, false],
    ["nested lists", [1, [2, { x: "y" }]], [1, [2, { x: "y" }]], true],
    ["list order matters", [1, 2], [2, 1], false],
    ["list vs record", [], {}, false],
    ["record vs null", {}, null, false],
    ["lengths differ", [1], [1, 1], false],
  ])("%s", (_name, a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
    expect(deepEqual(b, a)).toBe(expected);
  });
});

describe("codePointLength", () => {
  it.each<[string, number]>([
    ["", 0],
    ["abc", 3],
    ["é", 1],
    ["e\u0301", 2],
    ["😀", 1],
    ["a😀b", 3],
    ["\ud800", 1],
    ["\ud800x", 2],
  ])("%j has %d code points", (s, n) => {
    expect(codePointLength(s)).toBe(n);
  });
});

describe("session built-ins", () => {
  const bySet = { labels: new Set(["pii"]), counts: new Map([["inv.search", 2], ["inv.get", 3]]) };
  const byArray = { labels: ["pii"], counts: { "inv.search": 2, "inv.get": 3 } };

  it.each([
    ["Set/Map", bySet],
    ["array/record", byArray],
  ])("reads a %s view", (_name, view) => {
    expect(sessionHas(view, "pii")).toBe(true);
    expect(sessionHas(view, "secret")).toBe(false);
    expect(sessionCount(view, ["inv.search"])).toBe(2);
    expect(sessionCount(view, ["inv.search", "inv.get", "inv.other"])).toBe(5);
    expect(sessionCount(view, ["inv.search", "inv.search"])).toBe(2);
    expect(sessionCount(view, ["toString", "__proto__", "constructor"])).toBe(0);
  });

  it("treats an absent session as empty", () => {
    expect(sessionHas(undefined, "pii")).toBe(false);
    expect(sessionCount(undefined, ["inv.search"])).toBe(0);
  });
});

describe("limit keys and fingerprints", () => {
  it.each<[string, { agent: string } | { by: unknown }, number | "session" | null, string, string]>([
    ["agent", { agent: "r" }, 60_000, "s1", "agent:r"],
    ["agent per session", { agent: "r" }, "session", "s1", "agent:r|session:s1"],
    ["repeats", { agent: "r" }, null, "", "agent:r|session:"],
    ["by string", { by: "u1" }, 1_000, "s1", 'by:"u1"'],
    ["by record, canonical", { by: { b: 1, a: 2.0 } }, 1_000, "s1", 'by:{"a":2,"b":1}'],
    ["by number", { by: 1.0 }, 1_000, "s1", "by:1"],
    ["by null", { by: null }, "session", "x", "by:null|session:x"],
  ])("%s", (_name, base, window, session, expected) => {
    expect(limitKey(base, window, session)).toBe(expected);
  });

  it("throws EvaluationError for a missing `by` value", () => {
    expect(() => limitKey({ by: undefined }, 1_000, "")).toThrow(EvaluationError);
  });

  it("fingerprints ignore key order and number spelling, not missing vs null", () => {
    expect(repeatFingerprint("a.x", { b: 1, a: 1.0 })).toBe('["a.x",{"a":1,"b":1}]');
    expect(repeatFingerprint("a.x", { a: 1, b: 1 })).toBe(repeatFingerprint("a.x", { b: 1, a: 1 }));
    expect(repeatFingerprint("a.x", { a: null })).not.toBe(repeatFingerprint("a.x", {}));
    expect(repeatFingerprint("a.x", undefined)).toBe('["a.x"]');
    expect(repeatFingerprint("a.x", {})).not.toBe(repeatFingerprint("a.y", {}));
  });
});
