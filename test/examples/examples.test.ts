/**
 * Every example under examples/: `agentpolicy check` is clean (deliberate warnings aside),
 * `agentpolicy test` passes with bounded runs, and its agent script runs to a good end.
 * Uses the built CLI (`npm test` builds first).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");

function run(args: string[], timeout = 170_000) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Example {
  readonly dir: string;
  readonly policy: string;
  /** Warning codes the policy carries on purpose (documented in a comment in the policy). */
  readonly deliberate?: readonly string[];
  readonly agent?: string;
  readonly agentSays?: readonly string[];
}

const examples: readonly Example[] = [
  {
    dir: "examples/inventory",
    policy: "inventory.agentpolicy",
    agent: "agent.mjs",
    agentSays: ["[no-purchases] inventory-reader is read-only", "[small-orders]", "approved in review by", "chain intact"],
  },
  { dir: "examples/inventory", policy: "inventory.spec.agentpolicy", deliberate: ["W_SHADOWED", "W_SHADOWED"] },
  {
    dir: "examples/coding-agent",
    policy: "coding-agent.agentpolicy",
    agent: "agent.mjs",
    agentSays: ["(rule `outside-workspace`)", "(rule `no-secrets`)", "outside/ untouched: true", "hash chain intact"],
  },
  {
    dir: "examples/support-agent",
    policy: "support.agentpolicy",
    agent: "agent.mjs",
    agentSays: ["[pii-stays-inside]", "approved by sam", "the cost budget `session-cost` stopped the session", "hash chain intact"],
  },
];

describe.each(examples)("$dir/$policy", (example) => {
  const policy = join(root, example.dir, example.policy);

  it("checks clean, deliberate warnings aside", () => {
    const r = run([bin, "check", "--format", "json", policy]);
    expect(r.code, r.err).toBe(0);
    const diagnostics = JSON.parse(r.out) as { code: string; severity: string }[];
    const shown = diagnostics.filter((d) => d.severity === "error" || d.severity === "warning").map((d) => d.code);
    expect(shown).toEqual(example.deliberate ?? []);
  }, 120_000);

  it("passes its tests and invariants", () => {
    const r = run([bin, "test", policy, "--runs", "100", "--seed", "7"]);
    expect(r.code, `${r.out}${r.err}`).toBe(0);
    expect(r.out).toMatch(/\d+ passed, 0 failed/);
  }, 180_000);

  if (example.agent !== undefined) {
    it("runs its agent script", () => {
      const script = join(root, example.dir, example.agent as string);
      expect(existsSync(script)).toBe(true);
      const r = run([script]);
      expect(r.code, `${r.out}${r.err}`).toBe(0);
      for (const text of example.agentSays ?? []) expect(r.out).toContain(text);
    }, 180_000);
  }
});

describe("npm run demo", () => {
  it("tours an example end to end and verifies its audit log", () => {
    const r = run([join(root, "examples/demo.mjs")]);
    expect(r.code, `${r.out}${r.err}`).toBe(0);
    expect(r.out).toContain("ok, 12 records, hash chain intact");
    expect(r.out).toContain(":3: broken");
    expect(r.out).toMatch(/budget: session-tokens [\d,]+ tokens left/);
    expect(r.out).toContain("ended the loop");
  }, 180_000);
});
