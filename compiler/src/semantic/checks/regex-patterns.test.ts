import { describe, expect, it } from "vitest";
import { checkFs, codes } from "../test-support.js";

describe("regex patterns", () => {
  it("accepts safe patterns and rejects invalid and catastrophic ones", () => {
    expect(checkFs('deny fs.read_file when args.path.matches("(https?://|www\\\\.)")').semantic).toEqual([]);
    expect(codes(checkFs('deny fs.read_file when args.path.matches("(a*b?)*")').semantic)).toEqual(["E_REGEX_UNSAFE"]);
    expect(codes(checkFs('deny fs.read_file when args.path.matches("(?=x)")').semantic)).toEqual(["E_REGEX_UNSAFE"]);
    expect(codes(checkFs('deny fs.read_file when args.path.matches("[")').semantic)).toEqual(["E_REGEX"]);
  });
  it("does not check glob patterns as regexes", () => {
    expect(checkFs('deny fs.read_file when args.path.glob("(a+)+")').semantic).toEqual([]);
  });
});
