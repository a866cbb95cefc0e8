import { describe, expect, it } from "vitest";
import { policySuite } from "./suite.js";
import { fixture } from "./test-support.js";
import { describePolicies, describePolicy } from "./vitest.js";

// The helper as a project would use it: one describe per policy, one it per test and invariant.
describePolicy(new URL("./__fixtures__/workspace-ok.agentpolicy", import.meta.url), { runs: 200, seed: 1 });
describePolicies([fixture("refunds.agentpolicy"), fixture("extends-ok.agentpolicy")], { runs: 200, seed: 1, engine: "interpreter" });

describe("policySuite (what the helper registers)", () => {
  it("names one case per test block and invariant", () => {
    const s = policySuite(fixture("workspace-bug.agentpolicy"), { engine: "interpreter" });
    expect(s.title).toBe(`policy workspace (${fixture("workspace-bug.agentpolicy")})`);
    expect(s.cases.map((c) => c.name)).toEqual(['test "reads inside the workspace"', "invariant stays_in_workspace"]);
  });

  it("a failing invariant rejects with the counterexample as an expect line", async () => {
    const s = policySuite(fixture("workspace-bug.agentpolicy"), { engine: "interpreter", runs: 300, seed: 1 });
    await s.setup();
    await expect(s.cases[0].run()).resolves.toBeUndefined();
    await expect(s.cases[1].run()).rejects.toThrow(/invariant stays_in_workspace failed: counterexample[\s\S]*expect agent "coder" calls fs\.read_file/);
  });

  it("a policy with errors, or an unreadable file, is one failing case", async () => {
    const broken = policySuite(fixture("broken.agentpolicy"));
    expect(broken.cases.map((c) => c.name)).toEqual(["checks without errors"]);
    await expect(broken.cases[0].run()).rejects.toThrow(/E_UNKNOWN_TOOL/);
    const missing = policySuite(fixture("missing.agentpolicy"));
    await expect(missing.cases[0].run()).rejects.toThrow(/cannot read/);
  });

  it("cases fail clearly when setup did not run", async () => {
    const s = policySuite(fixture("refunds.agentpolicy"), { engine: "interpreter" });
    await expect(s.cases[0].run()).rejects.toThrow(/setup did not run/);
  });
});
