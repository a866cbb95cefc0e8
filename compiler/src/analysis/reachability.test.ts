import { describe, expect, it } from "vitest";
import { analyzePolicy, summarize } from "./test-support.js";

const unreachable = (body: string) => summarize(analyzePolicy(body), "W_UNREACHABLE");
const atOf = (body: string) => unreachable(body).map((g) => g.at);

describe("W_UNREACHABLE", () => {
  it("conditions that fold to false, consts included", () => {
    expect(atOf(`allow fs.fetch when false`)).toEqual(["false"]);
    expect(atOf(`allow fs.fetch when 1 > 2`)).toEqual(["1 > 2"]);
    expect(atOf(`const debug = false\nallow fs.fetch when debug and args.url.contains("x")`)).toEqual(['debug and args.url.contains("x")']);
    expect(atOf(`const cap = 3\nallow shop.order when cap > 5 or args.qty > cap`)).toEqual(["cap > 5"]);
    expect(atOf(`allow fs.fetch when true`)).toEqual([]);
  });

  it("an empty numeric interval on one value, with related spans at both bounds", () => {
    const got = unreachable(`allow shop.order when args.unit_price > 5 and args.unit_price < 3`);
    expect(got).toEqual([
      {
        at: "args.unit_price > 5 and args.unit_price < 3",
        related: ["args.unit_price > 5", "args.unit_price < 3"],
        message: "this condition is never true: `args.unit_price` cannot be > 5 and < 3 at once",
      },
    ]);
    expect(atOf(`allow shop.order when args.unit_price >= 3 and args.unit_price < 3`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.unit_price >= 3 and args.unit_price <= 3`)).toEqual([]);
    expect(atOf(`allow shop.order when not (args.unit_price <= 5) and 3 > args.unit_price`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.unit_price == 7 and args.unit_price < 3`)).toHaveLength(1);
  });

  it("integers have no value strictly between neighbours; numbers do", () => {
    expect(atOf(`allow shop.order when args.qty > 3 and args.qty < 4`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.unit_price > 3 and args.unit_price < 4`)).toEqual([]);
    expect(atOf(`allow shop.order when args.qty == 2.5`)).toHaveLength(1);
  });

  it("works on any pure term, not only fields", () => {
    expect(atOf(`allow shop.order when args.qty * args.unit_price > 100 and args.qty * args.unit_price < 50`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.sku.length > 3 and args.sku.length < 2`)).toHaveLength(1);
    expect(atOf(`allow fs.fetch when tool.name == "fetch" and tool.name == "read_file"`)).toHaveLength(1);
  });

  it("== with two different literals, == L with != L, in-lists", () => {
    const got = unreachable(`allow shop.order when args.sku == "a" and args.sku == "b"`);
    expect(got.map((g) => [g.at, g.related])).toEqual([['args.sku == "a" and args.sku == "b"', ['args.sku == "a"', 'args.sku == "b"']]]);
    expect(atOf(`allow shop.order when args.sku == "a" and args.sku != "a"`)).toHaveLength(1);
    expect(atOf(`allow shop.order when not (args.sku != "a") and not (args.sku == "a")`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.sku in ["a", "b"] and args.sku == "c"`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.sku in ["a", "b"] and args.sku != "a" and args.sku != "b"`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.sku in ["a", "b"] and args.sku != "a"`)).toEqual([]);
    expect(atOf(`allow shop.order when args.express and not args.express`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.sku == "a" or args.sku == "b"`)).toEqual([]);
  });

  it("a when that requires a field absent and then reads it", () => {
    expect(unreachable(`allow shop.order when not (args has note) and args.note.length > 0`).map((g) => [g.at, g.related])).toEqual([
      ["not (args has note) and args.note.length > 0", ["args has note", "args.note"]],
    ]);
    expect(atOf(`allow shop.order when args.note == null and args.note.startsWith("x")`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args.note == null and args.note == "x"`)).toHaveLength(1);
    expect(atOf(`allow shop.order when args has note and not (args has note)`)).toHaveLength(1);
    // guarded reads are fine
    expect(atOf(`allow shop.order when not (args has note) or args.note.length > 0`)).toEqual([]);
    expect(atOf(`allow shop.order when args.note == null or args.note.startsWith("x")`)).toEqual([]);
    expect(atOf(`allow shop.order when not (args has note) and (args.note ?? "") == ""`)).toEqual([]);
    expect(atOf(`allow shop.order when args has note and args.note != null and args.note.length > 0`)).toEqual([]);
  });

  it("a dead branch of an `or` is reported at the branch", () => {
    const got = unreachable(`allow shop.order when args.sku == "x" or (args.qty > 5 and args.qty < 3)`);
    expect(got.map((g) => [g.at, g.related])).toEqual([["args.qty > 5 and args.qty < 3", ["args.qty > 5", "args.qty < 3"]]]);
    // a branch that contradicts the rest of the condition
    expect(atOf(`allow shop.order when args.qty > 10 and (args.qty < 5 or args.sku == "x")`)).toEqual(["args.qty < 5"]);
    // when every branch is dead, the whole condition is reported once
    expect(atOf(`allow shop.order when args.qty > 10 and (args.qty < 5 or args.qty == 3)`)).toEqual(["args.qty > 10 and (args.qty < 5 or args.qty == 3)"]);
  });

  it("an unless that always holds, and invariants' conditions", () => {
    expect(unreachable(`deny fs.fetch unless 2 > 1`).map((g) => [g.at, g.message])).toEqual([
      ["2 > 1", "this condition is never true: its `unless` always holds, so the rule never applies"],
    ]);
    expect(atOf(`allow fs.fetch\ninvariant i: fs.fetch when args.url == "a" and args.url == "b" => allow`)).toEqual(['args.url == "a" and args.url == "b"']);
  });

  it("lambda bodies and unknown shapes constrain nothing", () => {
    expect(atOf(`allow shop.order when (args.tags ?? []).all(t => t == "a" and t == "b")`)).toEqual([]);
    expect(atOf(`allow shop.order when args.sku.matches("^a") and not args.sku.startsWith("a")`)).toEqual([]);
    expect(atOf(`allow shop.order when args.sku.startsWith("a") and not args.sku.startsWith("a")`)).toHaveLength(1);
  });
});
