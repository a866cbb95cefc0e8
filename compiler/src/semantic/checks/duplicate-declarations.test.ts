import { describe, expect, it } from "vitest";
import { checkFs, codes, spanText } from "../test-support.js";

const dupes = (body: string) => {
  const r = checkFs(body);
  return r.semantic.filter((d) => d.code === "E_DUPLICATE_ID").map((d) => `${spanText(r.text, d)} | ${d.message}`);
};

describe("duplicate declarations", () => {
  it("reports each namespace's duplicates at the later one, with the first as related", () => {
    const r = checkFs('const a = 1\nconst a = 2\nlabel l on fs.read_file\nlabel l on fs.write_file\nagent "x" {}\nagent "x" {}');
    expect(codes(r.semantic)).toEqual(["E_DUPLICATE_ID", "E_DUPLICATE_ID", "E_DUPLICATE_ID"]);
    for (const d of r.semantic) {
      expect(d.related[0].message).toBe("first declared here");
      expect(d.related[0].span.start).toBeLessThan(d.span.start);
    }
  });
  it("keeps namespaces apart", () => {
    expect(dupes('const x = 1\nlabel x on fs.read_file\nagent "x" {}\ninvariant x: fs.read_file => deny\ntest "x" {}')).toEqual([]);
  });
  it("covers aliases, invariants, tests, defaults, contexts, prices and annotations", () => {
    expect(dupes('tools fs from "./fs.json"')).toEqual(["fs | tools alias `fs` is declared more than once"]);
    expect(dupes("invariant i: fs.read_file => deny\ninvariant i: fs.read_file => allow")).toEqual(["i | invariant `i` is declared more than once"]);
    expect(dupes('test "t" {}\ntest "t" {}')).toEqual(['"t" | test `t` is declared more than once']);
    expect(dupes("default deny\ndefault deny")).toEqual(["default deny | declaration `default` is declared more than once"]);
    expect(dupes("context { a: string }\ncontext { b: string }")).toHaveLength(1);
    expect(dupes('price model "m" input $1 output $2 per 1M tokens\nprice model "m" input $1 output $2 per 1M tokens')).toHaveLength(1);
    expect(dupes('@team("a") @team("b") allow fs.read_file')).toEqual(['@team("b") | annotation `@team` is declared more than once']);
    expect(dupes("context { a: string, a: integer }")).toEqual(["a | context field `a` is declared more than once"]);
  });
});
