import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, CanonicalJsonWriter, canonicalString, sortCodeUnits } from "./canonical-json.js";
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

/** The first, straightforward implementation (array of parts, `Set` of open objects): the oracle. */
function referenceCanonicalJson(value: unknown): string {
  const out: string[] = [];
  const open = new Set<object>();
  const write = (v: unknown): void => {
    switch (typeof v) {
      case "string":
        out.push(JSON.stringify(v));
        return;
      case "number":
        if (!Number.isFinite(v)) throw new EvaluationError("not a JSON number");
        out.push(Object.is(v, -0) ? "0" : String(v));
        return;
      case "boolean":
        out.push(v ? "true" : "false");
        return;
      case "object": {
        if (v === null) {
          out.push("null");
          return;
        }
        if (open.has(v)) throw new EvaluationError("value is cyclic");
        open.add(v);
        if (Array.isArray(v)) {
          out.push("[");
          for (let i = 0; i < v.length; i++) {
            if (i > 0) out.push(",");
            write(v[i]);
          }
          out.push("]");
        } else {
          const record = v as Record<string, unknown>;
          out.push("{");
          let first = true;
          for (const key of Object.keys(record).sort()) {
            if (record[key] === undefined) continue;
            if (!first) out.push(",");
            first = false;
            out.push(JSON.stringify(key), ":");
            write(record[key]);
          }
          out.push("}");
        }
        open.delete(v);
        return;
      }
      default:
        throw new EvaluationError("not a JSON value");
    }
  };
  write(value);
  return out.join("");
}

/** The text, or the class of the error thrown. */
function outcome(f: () => string): string {
  try {
    return `ok ${f()}`;
  } catch (error) {
    return `throws ${(error as Error).constructor.name}`;
  }
}

/** Any UTF-16 code unit sequence: lone surrogates, controls, quotes and backslashes included. */
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: fc.constantFrom("a", "é", '"', "\\", "\n", "\u0000", "\u001f", "\u007f", "\u2028", "\ud800", "\udfff", "😀"), maxLength: 12 }),
  fc.string({ unit: "grapheme-ascii", minLength: 60, maxLength: 200 }),
);
const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 1e21, 1e-7, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity));
/** JSON-ish values with the awkward cases canonical JSON must get right or reject. */
const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    anyString,
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(anyString, fc.constantFrom("__proto__", "toJSON", "10", "9", "")), tie("value"), { maxKeys: 6 }),
  ),
})).value;

describe("canonicalJson against the reference implementation", () => {
  it("gives the same text, or throws EvaluationError where it throws, on arbitrary values", () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(outcome(() => canonicalJson(value))).toBe(outcome(() => referenceCanonicalJson(value)));
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees on fast-check's JSON values and on objects of any key order", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.string(), { minLength: 17, maxLength: 40 }), (value, keys) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
        const wide = Object.fromEntries(keys.map((k, i) => [k, i]));
        expect(canonicalJson(wide)).toBe(referenceCanonicalJson(wide)); // more keys than the insertion sort takes
      }),
      { numRuns: 300 },
    );
  });

  it("quotes every string exactly as JSON.stringify does", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(canonicalString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 1_000 },
    );
  });

  it("sorts by UTF-16 code units, as Array.prototype.sort does", () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyString, { maxLength: 40 }), (keys) => {
        const sorted = [...keys];
        sortCodeUnits(sorted);
        expect(sorted).toEqual([...keys].sort());
      }),
      { numRuns: 500 },
    );
  });

  it("ignores toJSON, prototypes and non-enumerable members, as the reference does", () => {
    const withToJson = { b: 1, toJSON: () => "x" };
    const date = new Date(0);
    const boxed = [new Number(1), new String("ab"), new Boolean(false)];
    const hidden = Object.defineProperty({ a: 1 }, "h", { value: 2, enumerable: false });
    const inherited = Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } });
    const proto = JSON.parse('{"__proto__": {"x": 1}, "a": [1]}') as unknown;
    for (const value of [withToJson, date, boxed, hidden, inherited, proto, Object.create(null)]) {
      expect(outcome(() => canonicalJson(value))).toBe(outcome(() => referenceCanonicalJson(value)));
    }
    expect(canonicalJson(proto)).toBe('{"__proto__":{"x":1},"a":[1]}');
  });

  it("detects cycles and accepts shared references at any depth (past the linear search too)", () => {
    const deep = (depth: number, leaf: unknown): unknown => {
      let value: unknown = leaf;
      for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { v: value } : [value];
      return value;
    };
    for (const depth of [1, 31, 32, 33, 100, 2_000]) {
      const shared = { s: 1 };
      const value = deep(depth, [shared, shared]);
      expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      const root: { next?: unknown } = {};
      let tip = root as Record<string, unknown>;
      for (let i = 0; i < depth; i++) {
        const next: Record<string, unknown> = {};
        tip.next = next;
        tip = next;
      }
      tip.back = root;
      expect(() => canonicalJson(root)).toThrow(/cyclic/);
    }
  });

  it("stays correct when more member names go by than the memo keeps", () => {
    for (let i = 0; i < 10_000; i += 97) {
      const record = Object.fromEntries(Array.from({ length: 97 }, (_, k) => [`name-${i + k}`, k]));
      expect(canonicalJson(record)).toBe(referenceCanonicalJson(record));
    }
    const long = { ["x".repeat(100)]: 1, ['q"\\'.repeat(30)]: 2 };
    expect(canonicalJson(long)).toBe(referenceCanonicalJson(long));
  });
});

describe("CanonicalJsonWriter", () => {
  /** What one shared writer gives for `value`: its bytes, or the class of the error thrown. */
  const bytesOutcome = (writer: CanonicalJsonWriter, value: unknown): string => {
    writer.reset();
    try {
      writer.value(value);
      return `ok ${writer.bytes().toString("hex")}`;
    } catch (error) {
      return `throws ${(error as Error).constructor.name}`;
    }
  };
  const expected = (value: unknown): string => {
    try {
      return `ok ${Buffer.from(referenceCanonicalJson(value), "utf8").toString("hex")}`;
    } catch (error) {
      return `throws ${(error as Error).constructor.name}`;
    }
  };

  it("writes the UTF-8 bytes of the reference text, or throws where it throws, reused across values", () => {
    const writer = new CanonicalJsonWriter();
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(bytesOutcome(writer, value)).toBe(expected(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it("writes every string as the UTF-8 of JSON.stringify, long ones and member names too", () => {
    const writer = new CanonicalJsonWriter();
    const longString = fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\ud800", "\udc00", '"', "\n", "\u007f"), minLength: 60, maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(anyString, longString), (s) => {
        expect(bytesOutcome(writer, s)).toBe(expected(s));
        writer.reset();
        writer.memberName(s);
        expect(writer.bytes().toString("utf8")).toBe(`${JSON.stringify(s)}:`);
      }),
      { numRuns: 1_000 },
    );
  });

  it("appends to what was written, grows past its buffer and starts over on reset", () => {
    const writer = new CanonicalJsonWriter();
    const big = { blob: "€".repeat(400_000), list: Array.from({ length: 5_000 }, (_, i) => ({ i, s: "x".repeat(i % 70) })) };
    writer.raw("prefix\n");
    writer.byte(0x7b);
    writer.value(big);
    expect(writer.bytes().toString("utf8")).toBe(`prefix\n{${referenceCanonicalJson(big)}`);
    writer.reset();
    expect(writer.length).toBe(0);
    writer.value([1, "a"]);
    expect(writer.bytes().toString("utf8")).toBe('[1,"a"]');
  });

  it("recovers from a failed value, deep cycles included", () => {
    const writer = new CanonicalJsonWriter();
    const root: Record<string, unknown> = {};
    let tip = root;
    for (let i = 0; i < 100; i++) tip = tip.next = {};
    tip.back = root;
    expect(bytesOutcome(writer, root)).toBe("throws EvaluationError");
    expect(bytesOutcome(writer, { a: [1, NaN] })).toBe("throws EvaluationError");
    const shared = { s: 1 };
    expect(bytesOutcome(writer, [shared, shared, [shared]])).toBe(expected([shared, shared, [shared]]));
  });

  describe("frozen values (written from a cache from their second write on)", () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === "object" && value !== null) {
        for (const member of Object.values(value)) deepFreeze(member);
        Object.freeze(value);
      }
      return value;
    };

    it("writes a deeply frozen value alike every time, alone or inside other values", () => {
      const writer = new CanonicalJsonWriter();
      fc.assert(
        fc.property(anyValue, (value) => {
          const frozen = deepFreeze(structuredCloneOrSelf(value));
          for (let i = 0; i < 3; i++) {
            expect(bytesOutcome(writer, frozen)).toBe(expected(frozen));
            expect(bytesOutcome(writer, { wrapped: [frozen, frozen] })).toBe(expected({ wrapped: [frozen, frozen] }));
          }
        }),
        { numRuns: 500 },
      );
    });

    it("sees a change below a frozen value that is not deeply frozen", () => {
      const writer = new CanonicalJsonWriter();
      const inner: Record<string, unknown> = { n: 1 };
      const outer = Object.freeze({ inner, list: Object.freeze([inner]) });
      for (let n = 1; n <= 4; n++) {
        inner.n = n;
        expect(bytesOutcome(writer, outer)).toBe(expected({ inner: { n }, list: [{ n }] }));
      }
    });

    it("sees a getter's new answer on a frozen value", () => {
      const writer = new CanonicalJsonWriter();
      let n = 0;
      const withGetter = Object.freeze(Object.defineProperty({ a: 1 }, "n", { enumerable: true, get: () => ++n }));
      expect(bytesOutcome(writer, withGetter)).toBe(expected({ a: 1, n: 1 }));
      expect(bytesOutcome(writer, withGetter)).toBe(expected({ a: 1, n: 2 }));
      expect(bytesOutcome(writer, withGetter)).toBe(expected({ a: 1, n: 3 }));
    });

    it("keeps throwing on a frozen cycle and on frozen values with no JSON form", () => {
      const writer = new CanonicalJsonWriter();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      Object.freeze(cyclic);
      const notJson = Object.freeze({ n: Number.NaN });
      for (let i = 0; i < 3; i++) {
        expect(bytesOutcome(writer, cyclic)).toBe("throws EvaluationError");
        expect(bytesOutcome(writer, notJson)).toBe("throws EvaluationError");
      }
    });
  });
});

/** A copy of a JSON-like value (so freezing it leaves the generator's values alone); the value itself when it cannot be copied. */
function structuredCloneOrSelf<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
