import { describe, expect, it } from "vitest";
import { checkFs, spanText } from "../test-support.js";

const diag = (body: string) => {
  const r = checkFs(body);
  return r.semantic.map((d) => `${d.code} ${spanText(r.text, d)}`);
};

describe("limits", () => {
  it("builds limit models with units", () => {
    const r = checkFs(
      'agent "a" {\n  limit fs.read_file to 60 calls per minute\n  limit tokens to 200_000 per day\n  limit cost to $25 per day by session.id\n  limit repeats to 3\n  limit fs.* to 5 calls per session by ctx.user\n}\ncontext { user: string }',
    );
    expect(r.semantic).toEqual([]);
    expect(r.model.limits.map((l) => [l.id, l.kind, l.max, l.window, l.tools.length])).toEqual([
      ["a/limit/calls/fs.read_file", "calls", 60, 60_000, 1],
      ["a/limit/tokens", "tokens", 200_000, 86_400_000, 0],
      ["a/limit/cost", "cost", 25_000_000, 86_400_000, 0],
      ["a/limit/repeats", "repeats", 3, null, 0],
      ["a/limit/calls/fs.*", "calls", 5, "session", 3],
    ]);
  });
  it("keys tokens and cost only by the agent or session.id", () => {
    expect(diag("context { user: string }\nlimit tokens to 10 per day by ctx.user")).toEqual(["E_TYPE ctx.user"]);
    expect(diag("limit cost to $1 per hour by tool.name")).toEqual(["E_TYPE tool.name"]);
  });
  it("requires positive whole amounts and money for cost", () => {
    expect(diag("limit fs.read_file to 0 calls per minute")).toEqual(["E_TYPE 0"]);
    expect(diag("limit repeats to 2.5")).toEqual(["E_TYPE 2.5"]);
  });
  it("types `by` keys against the limited tools and wants scalars", () => {
    expect(diag("limit fs.read_file to 5 calls per minute by args.path")).toEqual([]);
    expect(diag("limit fs.read_file to 5 calls per minute by args.limit")).toEqual(["W_OPTIONAL args.limit"]);
    expect(diag("limit fs.write_file to 5 calls per minute by args.content.length > 1")).toEqual([]);
    expect(diag("limit fs.write_file to 5 calls per minute by args.options")).toEqual(["E_TYPE args.options", "W_OPTIONAL args.options"]);
    expect(diag("limit fs.read_file to 5 calls per minute by args.nope")).toEqual(["E_UNKNOWN_FIELD nope"]);
  });
});
