import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeDecision, parseContextOption } from "./guard-setup.js";

describe("parseContextOption", () => {
  it("reads inline JSON and @FILE relative to the working directory", () => {
    expect(parseContextOption('{"tenant": "t1"}', "/")).toEqual({ ok: true, context: { tenant: "t1" } });
    const dir = mkdtempSync(join(tmpdir(), "agentpolicy-ctx-"));
    writeFileSync(join(dir, "ctx.json"), '{"user": {"id": "u"}}');
    expect(parseContextOption("@ctx.json", dir)).toEqual({ ok: true, context: { user: { id: "u" } } });
    expect(parseContextOption(undefined, dir)).toEqual({ ok: true, context: undefined });
  });
  it("refuses what is not a JSON object, and unreadable files", () => {
    for (const v of ["nope", "[1]", "null", "3", "@/no/such/file.json"]) expect(parseContextOption(v, "/"), v).toMatchObject({ ok: false });
  });
});

describe("describeDecision", () => {
  it("words every effect", () => {
    const base = { limit: null, errors: [], policy: "p", policyHash: "h" } as const;
    expect(describeDecision({ ...base, effect: "allow", rules: ["r"], reasons: [] }, "t")).toBe("allowed `t` by policy `p` (rule `r`)");
    expect(describeDecision({ ...base, effect: "review", rules: ["a", "b"], reasons: ["x", "y"] }, "t")).toBe("review needed for `t` by policy `p` (rules `a`, `b`): x; y");
  });
});
