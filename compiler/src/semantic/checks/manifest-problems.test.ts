import { describe, expect, it } from "vitest";
import { checkText, codes, spanText } from "../test-support.js";

describe("manifest problems", () => {
  it("reports an unreadable manifest at the tools declaration", () => {
    const r = checkText('policy p\ntools gh from "./missing.json"\nallow gh.x');
    expect(codes(r.semantic)).toEqual(["E_MANIFEST"]);
    expect(spanText(r.text, r.semantic[0])).toBe('tools gh from "./missing.json"');
  });
  it("reports an invalid manifest as E_MANIFEST and unsupported keywords as warnings", () => {
    const bad = checkText('policy p\ntools gh from "./gh.json"', { "./gh.json": { tools: [{ name: "x" }] } });
    expect(codes(bad.semantic)).toContain("E_MANIFEST");
    const warn = checkText('policy p\ntools gh from "./gh.json"', {
      "./gh.json": { tools: [{ name: "x", inputSchema: { type: "object", properties: { a: { type: "string", not: { const: "b" } } } } }] },
    });
    expect(codes(warn.semantic)).toEqual(["W_SCHEMA_UNSUPPORTED"]);
    expect(warn.model.complete).toBe(true);
  });
});
