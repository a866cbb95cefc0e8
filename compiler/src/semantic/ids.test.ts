import { describe, expect, it } from "vitest";
import { checkFs, codes, spanText } from "./test-support.js";

describe("rule and limit ids", () => {
  it("follows AGENT/EFFECT/SELECTORS with #N for repeats, in source order", () => {
    const r = checkFs(
      [
        "deny *",
        "allow fs.read_file, fs.list_directory",
        "allow fs.read_file, fs.list_directory when args.path == \"/\"",
        'agent "coder" {',
        "  allow fs.read_file",
        "  limit fs.write_file to 3 calls per minute",
        "  limit repeats to 3",
        '  @id("mine") deny fs.write_file',
        "  allow fs.read_file",
        "}",
      ].join("\n"),
    );
    expect(r.semantic).toEqual([]);
    expect(r.model.rules.map((x) => x.id)).toEqual([
      "*/deny/*",
      "*/allow/fs.read_file,fs.list_directory",
      "*/allow/fs.read_file,fs.list_directory#2",
      "coder/allow/fs.read_file",
      "mine",
      "coder/allow/fs.read_file#2",
    ]);
    expect(r.model.limits.map((x) => x.id)).toEqual(["coder/limit/calls/fs.write_file", "coder/limit/repeats"]);
    expect([...r.model.rules.map((x) => x.order), ...r.model.limits.map((x) => x.order)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
  it("reports two @ids naming one id across rules and limits", () => {
    const r = checkFs('@id("x") allow fs.read_file\n@id("x") limit fs.read_file to 1 calls per minute');
    expect(codes(r.semantic)).toEqual(["E_DUPLICATE_ID"]);
    expect(spanText(r.text, r.semantic[0])).toBe('"x"');
  });
  it("keeps annotations other than @id", () => {
    const r = checkFs('@id("x") @owner("sec") allow fs.read_file');
    expect(r.model.rules[0].annotations).toEqual({ owner: "sec" });
  });
});
