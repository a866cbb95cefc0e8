import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Span } from "./ast.js";
import { lex, limitNesting } from "./lexer.js";
import * as T from "./tokens.js";

function scan(text: string) {
  const errors: { span: Span; message: string }[] = [];
  const result = lex(text, (span, message) => errors.push({ span, message }));
  return { ...result, errors, types: result.tokens.map((t) => t.tokenType.name), payloads: result.tokens.map((t) => t.payload) };
}

describe("keywords", () => {
  it("KEYWORDS is the reserved list of LANGUAGE.md §3", () => {
    expect([...T.KEYWORDS]).toEqual(
      "policy version tools from context const label on cost per call calls agent extends allow deny review when unless because limit to by tokens repeats invariant test expect with default and or not in true false null has".split(
        " ",
      ),
    );
    expect(Object.isFrozen(T.KEYWORDS)).toBe(true);
  });

  it("every keyword scans as its own token type, which is also a name", () => {
    for (const word of T.KEYWORDS) {
      const { tokens, errors } = scan(word);
      expect(errors).toEqual([]);
      expect(tokens).toHaveLength(1);
      expect(tokens[0].tokenType.name.toLowerCase()).toBe(word);
      expect(T.NameLike.categoryMatchesMap?.[tokens[0].tokenTypeIdx]).toBe(true);
      expect(T.PlainName.categoryMatchesMap?.[tokens[0].tokenTypeIdx] ?? false).toBe(false);
    }
  });

  it("contextual words are identifiers with a role", () => {
    const { types } = scan("session minute days price model input output string foo");
    expect(types).toEqual(["Session", "TimeUnit", "TimeUnit", "Price", "Model", "Input", "Output", "Identifier", "Identifier"]);
    for (const t of scan("session minute price").tokens) expect(T.Identifier.categoryMatchesMap?.[t.tokenTypeIdx]).toBe(true);
  });
});

describe("punctuation and names", () => {
  it("longest match for two-character operators", () => {
    expect(scan("== != <= >= => ?? < > = ? | . , : @ * + - ( ) [ ] { }").types).toEqual([
      "EqEq", "NotEq", "Le", "Ge", "Arrow", "QQ", "Lt", "Gt", "Equals", "Question", "Pipe", "Dot", "Comma", "Colon", "At", "Star", "Plus", "Minus",
      "LParen", "RParen", "LBracket", "RBracket", "LCurly", "RCurly",
    ]);
  });

  it("backtick names keep their text and strip the backticks", () => {
    const r = scan("gh.`create-issue` `a b`");
    expect(r.types).toEqual(["Identifier", "Dot", "BacktickName", "BacktickName"]);
    expect(r.payloads.slice(2)).toEqual(["create-issue", "a b"]);
    expect(r.tokens[2].image).toBe("`create-issue`");
  });

  it("reports unterminated and empty backtick names", () => {
    expect(scan("`abc\nx").errors.map((e) => e.message)).toEqual(["unterminated name: a backtick name must end with `` ` `` on the same line"]);
    expect(scan("``").errors.map((e) => e.message)).toEqual(["empty name: write a name between the backticks"]);
  });

  it("offsets are UTF-16 offsets, endOffset inclusive", () => {
    const r = scan('"é😀" x');
    expect(r.tokens[0].startOffset).toBe(0);
    expect(r.tokens[0].endOffset).toBe(4);
    expect(r.tokens[1].startOffset).toBe(6);
  });

  it("skips a leading byte order mark", () => {
    expect(scan("\ufeffpolicy p").types).toEqual(["Policy", "Identifier"]);
  });

  it("one error per run of unknown characters, then carries on", () => {
    const r = scan("a #%^ b ~ c");
    expect(r.types).toEqual(["Identifier", "Identifier", "Identifier"]);
    expect(r.errors.map((e) => [e.span.start, e.span.end, e.message])).toEqual([
      [2, 5, "unexpected characters `#%^`"],
      [8, 9, "unexpected character `~`"],
    ]);
  });

  it("suggests `and`, `or`, `not` for C-style operators", () => {
    const r = scan("a && b || !c");
    expect(r.types).toEqual(["Identifier", "And", "Identifier", "Or", "Not", "Identifier"]);
    expect(r.errors.map((e) => e.message)).toEqual(["`&&` is not an operator: write `and`", "`||` is not an operator: write `or`", "`!` is not an operator: write `not`"]);
  });
});

describe("strings", () => {
  it("decodes exactly the escapes of §12", () => {
    const r = scan(String.raw`"a\"b\\c\/d\ne\rf\tg\u0041\u00e9\uD83D\uDE00"`);
    expect(r.errors).toEqual([]);
    expect(r.payloads).toEqual(['a"b\\c/d\ne\rf\tgAé😀']);
  });

  it.each([String.raw`"\q"`, String.raw`"\d"`, String.raw`"\'"`, String.raw`"\0"`, String.raw`"\b"`, String.raw`"\f"`, String.raw`"\x41"`, String.raw`"\U0041"`])(
    "rejects the escape in %s",
    (text) => {
      const r = scan(text);
      expect(r.types).toEqual(["StringLit"]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0].message).toMatch(/^invalid escape `\\.+` in a string/);
      expect(r.errors[0].span).toEqual({ start: 1, end: 3 });
    },
  );

  it("requires four hex digits after \\u", () => {
    const r = scan(String.raw`"\u12x" "\u"`);
    expect(r.errors.map((e) => e.message)).toEqual(["invalid escape `\\u12`: `\\u` takes exactly 4 hex digits", "invalid escape `\\u`: `\\u` takes exactly 4 hex digits"]);
  });

  it("rejects a raw newline and reports an unterminated string", () => {
    for (const text of ['"abc\ndef"', '"abc\r\n', '"abc']) {
      const r = scan(text);
      expect(r.errors[0]).toEqual({ span: { start: 0, end: 4 }, message: 'unterminated string: a string must end with `"` on the same line' });
      expect(r.payloads[0]).toBe("abc");
    }
  });

  it("a regex digit class is written with a doubled backslash", () => {
    expect(scan(String.raw`"^\\d+$"`).payloads).toEqual(["^\\d+$"]);
  });
});

describe("numbers", () => {
  it.each([
    ["42", 42],
    ["3.5", 3.5],
    ["1_000_000", 1_000_000],
    ["0.5_5", 0.55],
    ["007", 7],
    ["5_000", 5000],
  ])("%s = %d", (text, value) => {
    const r = scan(text);
    expect(r.errors).toEqual([]);
    expect(r.types).toEqual(["NumberLit"]);
    expect(r.payloads).toEqual([value]);
  });

  it.each([
    ["1__0", "invalid number `1__0`: `_` may stand only between digits"],
    ["1_", "invalid number `1_`: `_` may stand only between digits"],
    ["1_.5", "invalid number `1_.5`: `_` may stand only between digits"],
    ["1._5", "invalid number `1._5`: `_` may stand only between digits"],
    ["1e5", "invalid number `1e5`: exponents are not allowed"],
    ["2E10", "invalid number `2E10`: exponents are not allowed"],
    ["0x1F", "invalid number `0x1F`"],
    ["12abc", "invalid number `12abc`"],
  ])("%s is an error", (text, message) => {
    const r = scan(text);
    expect(r.types).toEqual(["NumberLit"]);
    expect(r.errors.map((e) => e.message)).toEqual([message]);
    expect(r.errors[0].span).toEqual({ start: 0, end: text.length });
  });

  it("a leading `.` is an error (the number still scans)", () => {
    const r = scan("x == .5");
    expect(r.types).toEqual(["Identifier", "EqEq", "NumberLit"]);
    expect(r.payloads[2]).toBe(0.5);
    expect(r.errors.map((e) => e.message)).toEqual(["a number cannot start with `.`: write `0.` before it"]);
  });

  it("`.` after a name or bracket is member access", () => {
    expect(scan("a.b x).y").types).toEqual(["Identifier", "Dot", "Identifier", "Identifier", "RParen", "Dot", "Identifier"]);
  });

  it("`_1` is an identifier; `1.` is a number then a dot", () => {
    expect(scan("_1").types).toEqual(["Identifier"]);
    expect(scan("1.length").types).toEqual(["NumberLit", "Dot", "Identifier"]);
  });

  it("`1M` is its own token", () => {
    expect(scan("1M").types).toEqual(["OneM"]);
    expect(scan("1Mx").errors).toHaveLength(1);
    expect(scan("2M").errors).toHaveLength(1);
  });

  it("a number beyond double range is an error", () => {
    const r = scan("9".repeat(400));
    expect(r.errors.map((e) => e.message)).toEqual([`number \`${"9".repeat(32)}…\` is too large`]);
  });
});

describe("money", () => {
  it.each([
    ["$25", 25_000_000],
    ["$0.05", 50_000],
    ["$1_000", 1_000_000_000],
    ["$0.29", 290_000],
    ["$0.000001", 1],
    ["$1.1", 1_100_000],
    ["$19.99", 19_990_000],
    ["$9007199254.740991", Number.MAX_SAFE_INTEGER],
  ])("%s = %d micro-dollars", (text, micros) => {
    const r = scan(text);
    expect(r.errors).toEqual([]);
    expect(r.types).toEqual(["MoneyLit"]);
    expect(r.payloads).toEqual([micros]);
  });

  it.each([
    ["$1.1234567", "amount `$1.1234567` has more than 6 decimals (money is counted in micro-dollars)"],
    ["$0.0000000", "amount `$0.0000000` has more than 6 decimals (money is counted in micro-dollars)"],
    ["$9007199254.740992", "amount `$9007199254.740992` is too large"],
    ["$99999999999999999999", "amount `$99999999999999999999` is too large"],
    ["$", "expected an amount after `$`, like `$5` or `$0.25`"],
    ["$-5", "expected an amount after `$`, like `$5` or `$0.25`"],
    ["$1__0", "invalid amount `$1__0`: `_` may stand only between digits"],
    ["$5k", "invalid amount `$5k`"],
  ])("%s is an error", (text, message) => {
    const r = scan(text);
    expect(r.errors.map((e) => e.message)).toEqual([message]);
    expect(r.types[0]).toBe("MoneyLit");
  });

  it("is exact: micros equal the decimal text read as an integer (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 9_007_199_253n }), fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 0, maxLength: 6 }), (whole, frac) => {
        const text = frac === "" ? `$${whole}` : `$${whole}.${frac}`;
        const r = scan(text);
        const expected = whole * 1_000_000n + BigInt(frac.padEnd(6, "0"));
        expect(r.errors).toEqual([]);
        expect(BigInt(r.payloads[0] as number)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("comments", () => {
  it("collects every comment in order with its style and text", () => {
    const text = "// line\n/// doc\n//// not doc\n/* block\n */ x /**/";
    const r = scan(text);
    expect(r.comments.map((c) => [c.style, c.text, text.slice(c.span.start, c.span.end)])).toEqual([
      ["line", "// line", "// line"],
      ["doc", "/// doc", "/// doc"],
      ["line", "//// not doc", "//// not doc"],
      ["block", "/* block\n */", "/* block\n */"],
      ["block", "/**/", "/**/"],
    ]);
    expect(r.types).toEqual(["Identifier"]);
  });

  it("block comments do not nest; an unterminated one runs to the end", () => {
    expect(scan("/* a /* b */ x */").types).toEqual(["Identifier", "Star"]);
    const r = scan("x /* never closed");
    expect(r.errors.map((e) => e.message)).toEqual(["unterminated block comment: `/*` has no matching `*/`"]);
    expect(r.comments[0].span).toEqual({ start: 2, end: 17 });
  });

  it("doc comments attach to the next token, joined by newlines, markers stripped", () => {
    const text = "/// one\n///two\n\n  ///   three\npolicy p\n/// lost\n// breaks the run\nx";
    const r = scan(text);
    expect([...r.docBefore.entries()]).toEqual([[text.indexOf("policy"), "one\ntwo\n  three"]]);
  });

  it("tracks lines through comments and CRLF", () => {
    const r = scan("a /* 1\n2\r\n3 */ b\r\nc\rd");
    expect(r.tokens.map((t) => t.startLine)).toEqual([1, 3, 4, 5]);
  });
});

describe("limitNesting", () => {
  const deep = (n: number) => scan(`${"(".repeat(n)}x${")".repeat(n)} y`).tokens;

  it("leaves tokens alone up to the limit", () => {
    const tokens = deep(5);
    expect(limitNesting(tokens, 5, () => {})).toBe(tokens);
  });

  it("collapses a region beyond the limit into one TooDeep token, with one error", () => {
    const errors: Span[] = [];
    const out = limitNesting(deep(8), 5, (span) => errors.push(span));
    expect(out.map((t) => t.tokenType.name)).toEqual([...Array(5).fill("LParen"), "TooDeep", ...Array(5).fill("RParen"), "Identifier"]);
    expect(errors).toEqual([{ start: 5, end: 12 }]);
  });

  it("an unclosed region runs to the end", () => {
    const errors: Span[] = [];
    const out = limitNesting(scan("[[[[ x").tokens, 2, (span) => errors.push(span));
    expect(out.map((t) => t.tokenType.name)).toEqual(["LBracket", "LBracket", "TooDeep"]);
    expect(errors).toEqual([{ start: 2, end: 6 }]);
  });
});

describe("totality", () => {
  it("never throws and every token lies inside the text (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        const r = scan(text);
        const badToken = r.tokens.find((t) => t.startOffset < 0 || t.endOffset! >= text.length || t.startOffset > t.endOffset!);
        const badError = r.errors.find((e) => e.span.start < 0 || e.span.end > text.length || e.span.start > e.span.end);
        return badToken === undefined && badError === undefined;
      }),
      { numRuns: 400 },
    );
  });
});
