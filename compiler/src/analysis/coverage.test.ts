import { describe, expect, it } from "vitest";
import { analyzePolicy, summarize } from "./test-support.js";

describe("I_UNCOVERED", () => {
  it("reports each tool no rule mentions, at its tools line, related to its manifest entry", () => {
    const a = analyzePolicy(`
allow fs.read_file
deny shop.*`);
    const got = summarize(a, "I_UNCOVERED");
    expect(got.map((g) => g.message)).toEqual(["no rule mentions tool `fs.write_file`", "no rule mentions tool `fs.fetch`"]);
    expect(got.map((g) => g.at)).toEqual(['tools fs from "./tools.json"', 'tools fs from "./tools.json"']);
    expect(got[0].related).toHaveLength(1);
    expect(got[0].related[0]).toContain("write_file");
    const d = a.diagnostics.find((x) => x.code === "I_UNCOVERED")!;
    expect(d.severity).toBe("info");
    expect(d.related[0].file.endsWith("tools.json")).toBe(true);
  });

  it("ALIAS.* and * mention every tool they cover; limits and labels do not count", () => {
    expect(summarize(analyzePolicy(`deny *`), "I_UNCOVERED")).toEqual([]);
    expect(summarize(analyzePolicy(`allow fs.*\nreview shop.*`), "I_UNCOVERED")).toEqual([]);
    const got = summarize(analyzePolicy(`allow fs.*\nlabel l on shop.order\nlimit shop.cancel to 1 calls per minute`), "I_UNCOVERED");
    expect(got.map((g) => g.message)).toEqual(["no rule mentions tool `shop.order`", "no rule mentions tool `shop.cancel`"]);
  });

  it("rules inside agent blocks count", () => {
    expect(summarize(analyzePolicy(`agent "a" {\n  allow fs.*\n}\nagent "b" {\n  deny shop.order, shop.cancel\n}`), "I_UNCOVERED")).toEqual([]);
  });
});
