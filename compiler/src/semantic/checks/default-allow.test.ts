import { describe, expect, it } from "vitest";
import { checkFs, codes, spanText } from "../test-support.js";

describe("W_DEFAULT_ALLOW", () => {
  it("warns at `default allow` and sets the default effect", () => {
    const r = checkFs("default allow");
    expect(codes(r.semantic)).toEqual(["W_DEFAULT_ALLOW"]);
    expect(spanText(r.text, r.semantic[0])).toBe("default allow");
    expect(r.model.defaultEffect).toBe("allow");
    expect(r.model.complete).toBe(true);
  });
  it("is silent for `default deny`", () => {
    const r = checkFs("default deny");
    expect(r.semantic).toEqual([]);
    expect(r.model.defaultEffect).toBe("deny");
  });
});
