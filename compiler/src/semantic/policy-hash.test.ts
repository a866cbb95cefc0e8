import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { policyHash } from "./policy-hash.js";

describe("policyHash", () => {
  it("frames each text so that concatenations cannot collide", () => {
    expect(policyHash("ab", [])).not.toBe(policyHash("a", ["b"]));
    expect(policyHash("a", ["b", ""])).not.toBe(policyHash("a", ["b"]));
    expect(policyHash("a", ["bc"])).not.toBe(policyHash("a", ["b", "c"]));
  });
  it("is sha256 over the framed texts, in order", () => {
    const expected = createHash("sha256").update("agentpolicy 2\né\nmanifest 2\n{}\n").digest("hex");
    expect(policyHash("é", ["{}"])).toBe(`sha256:${expected}`);
  });
});
