import { describe, expect, it } from "vitest";
import type { Field, RecordType, Type } from "../manifest/types.js";
import {
  ANY,
  BOOLEAN,
  comparable,
  enumValues,
  INTEGER,
  isNullable,
  NEVER,
  NULL,
  NUMBER,
  removeNull,
  showType,
  STRING,
  typeKey,
  unionOf,
  valueConforms,
} from "./type-ops.js";

const lit = (value: string | number | boolean): Type => ({ kind: "literal", value });
const list = (element: Type): Type => ({ kind: "list", element });
const field = (name: string, type: Type, optional = false): Field => ({ name, type, optional, description: null, sensitive: false, source: null });
const record = (fields: Field[], open = true): RecordType => ({ kind: "record", fields: new Map(fields.map((f) => [f.name, f])), open });

describe("unionOf", () => {
  it("flattens, dedupes and absorbs literals into their base", () => {
    expect(showType(unionOf([STRING, lit("a"), STRING]))).toBe("string");
    expect(showType(unionOf([lit("a"), lit("b"), lit("a")]))).toBe('"a" | "b"');
    expect(showType(unionOf([INTEGER, NUMBER]))).toBe("number");
    expect(showType(unionOf([INTEGER, lit(2), lit(2.5)]))).toBe("integer | 2.5");
    expect(unionOf([NEVER, STRING])).toBe(STRING);
    expect(unionOf([ANY, STRING])).toBe(ANY);
    expect(unionOf([])).toBe(NEVER);
  });
  it("merges list members into one list", () => {
    expect(showType(unionOf([list(NEVER), list(STRING)]))).toBe("[string]");
    expect(showType(unionOf([list(lit("a")), list(lit("b")), NULL]))).toBe('["a" | "b"] | null');
  });
});

describe("null handling", () => {
  it("removes and detects null members", () => {
    const t = unionOf([STRING, NULL]);
    expect(isNullable(t)).toBe(true);
    expect(removeNull(t)).toBe(STRING);
    expect(removeNull(NULL)).toBe(NEVER);
    expect(isNullable(ANY)).toBe(false);
  });
});

describe("comparable", () => {
  it("compares by shape", () => {
    expect(comparable(INTEGER, NUMBER)).toBe(true);
    expect(comparable(INTEGER, lit("many"))).toBe(false);
    expect(comparable(lit("a"), STRING)).toBe(true);
    expect(comparable(list(STRING), list(NEVER))).toBe(true);
    expect(comparable(list(STRING), list(INTEGER))).toBe(false);
    expect(comparable(ANY, BOOLEAN)).toBe(true);
    expect(comparable({ kind: "url" }, STRING)).toBe(false);
  });
});

describe("enumValues", () => {
  it("lists the values of literal unions only", () => {
    expect(enumValues(unionOf([lit("a"), lit("b"), NULL]))).toEqual(["a", "b"]);
    expect(enumValues(STRING)).toBeNull();
    expect(enumValues(unionOf([lit("a"), STRING]))).toBeNull();
  });
});

describe("cyclic types", () => {
  it("keys, shows and unions a recursive record in bounded time", () => {
    const fields = new Map<string, Field>();
    const node: RecordType = { kind: "record", fields, open: true };
    const nullable: Type = { kind: "union", members: [node, NULL] };
    for (let i = 0; i < 8; i++) fields.set(`c${i}`, field(`c${i}`, nullable, true));
    fields.set("kids", field("kids", list(node)));
    const t0 = performance.now();
    expect(typeKey(node)).toContain("↺");
    expect(showType(node).length).toBeLessThan(400);
    expect(unionOf([node, node])).toBe(node);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe("shared definitions", () => {
  it("keys a deep DAG of shared records in bounded space", () => {
    let t: Type = STRING;
    for (let i = 0; i < 60; i++) t = record([field("a", t), field("b", t), field("c", list(t))]);
    const k = typeKey(t);
    expect(k.length).toBeLessThan(5000);
    expect(unionOf([t, t])).toBe(t);
    expect(showType(t).length).toBeLessThan(2000);
  });
});

describe("valueConforms", () => {
  const r = record([field("sku", STRING), field("qty", INTEGER, true), field("tags", list(STRING), true)], false);
  it("checks records, lists, integers and closed records", () => {
    expect(valueConforms({ sku: "a", qty: 2 }, r)).toBe(true);
    expect(valueConforms({ sku: "a", qty: 2.5 }, r)).toBe(false);
    expect(valueConforms({ qty: 2 }, r)).toBe(false);
    expect(valueConforms({ sku: "a", extra: 1 }, r)).toBe(false);
    expect(valueConforms({ sku: "a", tags: ["x", 1] }, r)).toBe(false);
    expect(valueConforms(null, unionOf([STRING, NULL]))).toBe(true);
  });
});
