import { describe, expect, it } from "vitest";
import { analyzePolicy, summarize } from "./test-support.js";

const shadowed = (body: string) => summarize(analyzePolicy(body), "W_SHADOWED");

describe("W_SHADOWED", () => {
  it("an allow covered by an unconditional deny of the same agent", () => {
    const got = shadowed(`
agent "coder" {
  allow fs.write_file when args.path.startsWith("/tmp")
  @id("no-writes")
  deny fs.write_file because "read-only"
}`);
    expect(got).toEqual([
      {
        at: "allow fs.write_file",
        related: ["deny fs.write_file"],
        message: "this allow can never win: the unconditional deny `no-writes` covers every tool it selects",
      },
    ]);
  });

  it("a deny inherited through extends covers the child's allow, reported with the parent's rule", () => {
    const a = analyzePolicy(`
agent "reader" {
  allow fs.read_file
  @id("no-writes")
  deny fs.write_file
}
agent "writer" extends "reader" {
  allow fs.write_file
}`);
    const got = summarize(a, "W_SHADOWED");
    expect(got.map((g) => [g.at, g.related])).toEqual([["allow fs.write_file", ["deny fs.write_file"]]]);
    const d = a.diagnostics.find((x) => x.code === "W_SHADOWED")!;
    expect(d.related[0].message).toContain("from agent `reader`");
    // the related span is the parent's rule, not the child's
    expect(d.related[0].span.start).toBeLessThan(d.span.start);
  });

  it("a top-level deny covers an agent's allow; an agent's deny never covers a top-level allow", () => {
    expect(shadowed(`
deny fs.*
agent "a" {
  allow fs.fetch
}`).map((g) => [g.at, g.related])).toEqual([["allow fs.fetch", ["deny fs.*"]]]);
    expect(shadowed(`
allow fs.fetch
agent "a" {
  deny fs.fetch
}`)).toEqual([]);
  });

  it("a deny in a child agent does not shadow the parent's allow", () => {
    expect(shadowed(`
agent "parent" {
  allow fs.fetch
}
agent "child" extends "parent" {
  deny fs.fetch
}`)).toEqual([]);
  });

  it("conditional rules do not cover; conditions that fold to true (or an unless that folds to false) do", () => {
    expect(shadowed(`
deny fs.fetch when args.url.startsWith("http:")
allow fs.fetch`)).toEqual([]);
    expect(shadowed(`
deny fs.fetch unless tool.readOnly
allow fs.fetch`)).toEqual([]);
    expect(shadowed(`
const locked = true
deny fs.fetch when locked
allow fs.fetch`).map((g) => g.at)).toEqual(["allow fs.fetch"]);
    expect(shadowed(`
deny fs.fetch when 1 < 2 unless false
allow fs.fetch`).map((g) => g.at)).toEqual(["allow fs.fetch"]);
  });

  it("review is covered by deny; allow by review; review not by review", () => {
    expect(shadowed(`
deny fs.fetch
review fs.fetch when args.url.contains("x")`).map((g) => g.at)).toEqual(["review fs.fetch"]);
    expect(shadowed(`
review fs.fetch
allow fs.fetch`).map((g) => [g.at, g.related])).toEqual([["allow fs.fetch", ["review fs.fetch"]]]);
    expect(shadowed(`
review fs.fetch
review fs.fetch when args.url.contains("x")`)).toEqual([]);
  });

  it("every selected tool must be covered; several covering rules are all related", () => {
    expect(shadowed(`
deny fs.read_file
allow fs.read_file, fs.fetch`)).toEqual([]);
    const got = shadowed(`
deny fs.read_file
review fs.fetch
allow fs.read_file, fs.fetch`);
    expect(got.map((g) => [g.at, g.related])).toEqual([["allow fs.read_file, fs.fetch", ["deny fs.read_file", "review fs.fetch"]]]);
    expect(got[0].message).toContain("unconditional rules");
  });

  it("wildcards cover what they select", () => {
    expect(shadowed(`
deny *
agent "a" {
  allow shop.order
  allow fs.*
}`).map((g) => g.at)).toEqual(["allow shop.order", "allow fs.*"]);
  });
});
