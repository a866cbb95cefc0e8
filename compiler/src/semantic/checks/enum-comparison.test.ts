import { describe, expect, it } from "vitest";
import { checkFs, codes } from "../test-support.js";

describe("E_ENUM", () => {
  it("lists the enum's values and points at its declaration", () => {
    const r = checkFs('deny fs.read_file when args.encoding != null and args.encoding == "utf-16"');
    expect(codes(r.semantic)).toEqual(["E_ENUM"]);
    expect(r.semantic[0].message).toBe('`args.encoding` can never be "utf-16": its values are "utf8", "base64"');
    expect(r.semantic[0].related[0].file).toMatch(/fs\.json$/);
  });
  it("reports a number literal against a string enum as E_TYPE, not E_ENUM", () => {
    expect(codes(checkFs('deny fs.write_file when args.mode == 3').semantic)).toEqual(["E_TYPE"]);
  });
});
