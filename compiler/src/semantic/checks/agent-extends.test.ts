import { describe, expect, it } from "vitest";
import { checkFs, codes, spanText } from "../test-support.js";

describe("agents and extends", () => {
  it("computes transitive ancestors, nearest first, each once, forward references allowed", () => {
    const r = checkFs('agent "d" extends "b", "c" {}\nagent "b" extends "a" {}\nagent "c" extends "a" {}\nagent "a" {}');
    expect(r.semantic).toEqual([]);
    expect(r.model.agents.get("d")?.ancestors).toEqual(["b", "c", "a"]);
    expect(r.model.agents.get("a")?.ancestors).toEqual([]);
  });
  it("reports an undeclared parent with a suggestion", () => {
    const r = checkFs('agent "reader" {}\nagent "b" extends "reeder" {}');
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_NAME"]);
    expect(spanText(r.text, r.semantic[0])).toBe('"reeder"');
    expect(r.semantic[0].suggestion).toBe('"reader"');
  });
  it("reports a cycle once, at an agent of the cycle", () => {
    const r = checkFs('agent "a" extends "b" {}\nagent "b" extends "c" {}\nagent "c" extends "a" {}\nagent "d" extends "a" {}');
    expect(codes(r.semantic)).toEqual(["E_CYCLE"]);
    expect(r.semantic[0].message).toContain('"a" → "b" → "c" → "a"');
    expect(r.semantic[0].related).toHaveLength(2);
    expect(r.model.agents.get("d")?.ancestors).toEqual(["a", "b", "c"]);
  });
  it("reports a self-extension", () => {
    expect(codes(checkFs('agent "a" extends "a" {}').semantic)).toEqual(["E_CYCLE"]);
  });
  it("checks the agents that invariants and expectations name", () => {
    const r = checkFs('agent "a" {}\ninvariant i: agent "b" fs.read_file => deny\ntest "t" { expect agent "c" calls fs.read_file({ path: "/x" }) => deny }');
    expect(codes(r.semantic)).toEqual(["E_UNKNOWN_NAME", "E_UNKNOWN_NAME"]);
  });
});
