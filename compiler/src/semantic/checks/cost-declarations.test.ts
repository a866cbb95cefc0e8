import { describe, expect, it } from "vitest";
import { checkFs, codes, spanText } from "../test-support.js";

describe("cost and price declarations", () => {
  it("records costs per tool and prices per model in micro-dollars", () => {
    const r = checkFs('cost fs.read_file = $0.05 per call\ncost fs.write_file, fs.list_directory = $1 per call\nprice model "gpt" input $2.5 output $10 per 1M tokens');
    expect(r.semantic).toEqual([]);
    expect([...r.model.costs]).toEqual([
      ["fs.read_file", 50_000],
      ["fs.write_file", 1_000_000],
      ["fs.list_directory", 1_000_000],
    ]);
    expect(r.model.prices.get("gpt")).toEqual({ input: 2_500_000, output: 10_000_000 });
  });
  it("reports two costs covering one tool at the later selector", () => {
    const r = checkFs("cost fs.read_file = $1 per call\ncost fs.* = $2 per call");
    expect(codes(r.semantic)).toEqual(["E_DUPLICATE_ID"]);
    expect(spanText(r.text, r.semantic[0])).toBe("fs.*");
    expect(r.semantic[0].message).toContain("fs.read_file");
    expect(r.model.costs.get("fs.read_file")).toBe(1_000_000);
    expect(r.model.costs.get("fs.write_file")).toBe(2_000_000);
  });
});
