import { describe, expect, it } from "vitest";
import type { Decision } from "@agentpolicy/runtime";
import { checkSource, type CompilerHost } from "../program.js";
import { DECISION_META_KEY, denial, resolveAlias } from "./mcp-proxy.js";

const manifest = (...names: string[]) =>
  JSON.stringify({ tools: names.map((name) => ({ name, inputSchema: { type: "object", properties: {} } })) });

const files: Record<string, string> = {
  "/p/fs.json": manifest("read_file", "write_file", "list_directory"),
  "/p/fs-copy.json": manifest("read_file", "write_file", "list_directory"),
  "/p/gh.json": manifest("create_issue", "list_issues", "read_file"),
};
const host: CompilerHost = {
  readFile: (p) => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    return text;
  },
};

function model(tools: string) {
  const checked = checkSource(`policy p\n${tools}\nallow *\n`, "/p/p.agentpolicy", host);
  return checked.model;
}

describe("resolveAlias", () => {
  const m = model('tools fs from "./fs.json"\ntools gh from "./gh.json"');

  it("picks the alias whose manifest has exactly the upstream's tools", () => {
    expect(resolveAlias(m, ["list_directory", "read_file", "write_file"])).toEqual({ ok: true, alias: "fs", unknown: [], missing: [] });
  });

  it("otherwise picks the alias sharing the most tools, reporting the drift both ways", () => {
    expect(resolveAlias(m, ["read_file", "write_file", "move_file"])).toEqual({ ok: true, alias: "fs", unknown: ["move_file"], missing: ["list_directory"] });
  });

  it("takes --alias as given, and refuses an undeclared one", () => {
    expect(resolveAlias(m, ["read_file"], "gh")).toMatchObject({ ok: true, alias: "gh", missing: ["create_issue", "list_issues"] });
    expect(resolveAlias(m, ["read_file"], "nope")).toMatchObject({ ok: false, error: expect.stringContaining("--alias `nope`") });
  });

  it("asks for --alias on a tie or when nothing matches", () => {
    expect(resolveAlias(m, ["read_file"])).toMatchObject({ ok: false, error: expect.stringContaining("`fs` and `gh`") });
    expect(resolveAlias(m, ["zzz"])).toMatchObject({ ok: false, error: expect.stringContaining("--alias") });
    const twins = model('tools a from "./fs.json"\ntools b from "./fs-copy.json"');
    expect(resolveAlias(twins, ["read_file", "write_file", "list_directory"])).toMatchObject({ ok: false, error: expect.stringContaining("`a` and `b`") });
  });
});

describe("denial", () => {
  it("is an isError tool result whose text names the rule and reason, with the decision line in _meta", () => {
    const decision: Decision = {
      effect: "deny",
      rules: ["outside-workspace"],
      reasons: ["writes stay inside the workspace"],
      limit: null,
      errors: [],
      policy: "coding_agent",
      policyHash: "sha256:00",
    };
    const result = denial(decision, "write_file");
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: "text", text: "denied `write_file` by policy `coding_agent` (rule `outside-workspace`): writes stay inside the workspace" },
    ]);
    expect(result._meta?.[DECISION_META_KEY]).toMatchObject({ effect: "deny", rules: ["outside-workspace"] });
  });

  it("explains a default deny and a rule that erred", () => {
    const decision: Decision = {
      effect: "deny",
      rules: ["default"],
      reasons: [],
      limit: null,
      errors: [{ rule: "r1", message: "`args.x` is missing" }],
      policy: "p",
      policyHash: "sha256:00",
    };
    expect((denial(decision, "t").content[0] as { text: string }).text).toBe(
      "denied `t` by policy `p` (rule `default`): no rule allows this call; rule `r1` failed: `args.x` is missing",
    );
  });
});
