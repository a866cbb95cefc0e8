/**
 * The CLI as users and scripts run it: the committed launcher over the built output
 * (`npm test` builds first). Exit codes: 0 ok, 1 policy errors / failed checks, 2 usage.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");
const example = join(root, "examples/inventory");

function cli(args: string[], cwd = root, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 60_000, input, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "agentpolicy-cli-"));
  cpSync(join(example, "manifests"), join(dir, "manifests"), { recursive: true });
  return dir;
}

describe("agentpolicy check", () => {
  it("exits 0 on a clean policy and 1 on errors, with code frames", () => {
    expect(cli(["check", join(example, "inventory.agentpolicy")]).code).toBe(0);
    const dir = scratch();
    writeFileSync(join(dir, "bad.agentpolicy"), 'policy p\ntools inv from "./manifests/inventory.tools.json"\nallow inv.get_items\n');
    const r = cli(["check", "bad.agentpolicy"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain("bad.agentpolicy:3:11 - error E_UNKNOWN_TOOL");
    expect(r.out).toContain("3 | allow inv.get_items");
    expect(r.out).toMatch(/\n\s+\| +\^{9}\n/);
  });

  it("prints the JSON array of TOOLCHAIN.md with 1-based ranges and exclusive ends", () => {
    const dir = scratch();
    writeFileSync(join(dir, "bad.agentpolicy"), 'policy p\ntools inv from "./manifests/inventory.tools.json"\nallow inv.get_items\n');
    const r = cli(["check", "bad.agentpolicy", "--format", "json"], dir);
    const diags = JSON.parse(r.out);
    expect(diags).toEqual([
      expect.objectContaining({
        code: "E_UNKNOWN_TOOL",
        severity: "error",
        file: "bad.agentpolicy",
        range: { start: { line: 3, column: 11 }, end: { line: 3, column: 20 } },
        related: expect.any(Array),
      }),
    ]);
  });

  it("turns any bytes into diagnostics and exit 1, never a stack trace", () => {
    const dir = scratch();
    writeFileSync(join(dir, "junk.agentpolicy"), Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x28, 0x28, 0x22, 0x0a, 0x5c]));
    const r = cli(["check", "junk.agentpolicy"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain("E_SYNTAX");
    expect(r.err).not.toMatch(/at .*\.js:\d+/);
  });

  it("reports a missing manifest as E_MANIFEST at the tools line", () => {
    const dir = scratch();
    writeFileSync(join(dir, "m.agentpolicy"), 'policy p\ntools x from "./nope.json"\n');
    const r = cli(["check", "m.agentpolicy", "--format", "json"], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ code: "E_MANIFEST", range: expect.objectContaining({ start: { line: 2, column: 1 } }) })]);
  });

  it("exits 2 on bad usage and unreadable files", () => {
    expect(cli(["check"]).code).toBe(2);
    expect(cli(["check", "/nonexistent/x.agentpolicy"]).code).toBe(2);
    expect(cli(["frobnicate"]).code).toBe(2);
    expect(cli(["check", "--format", "xml", join(example, "inventory.agentpolicy")]).code).toBe(2);
  });
});

describe("agentpolicy eval", () => {
  const requests = [
    '{"agent":"inventory-reader","tool":"inv.get_item","args":{"sku":"A-1"},"context":{"user":{"id":"u1","role":"viewer"},"tenant":"t1"},"at":1000}',
    "this is not json",
    '{"usage":{"agent":"inventory-reader","inputTokens":10,"outputTokens":5},"at":1001}',
    '["not", "an", "object"]',
    '{"agent":"inventory-reader","tool":"inv.nope","args":{}}',
    "",
    '{"agent":"inventory-reader","tool":"inv.get_item","args":{"sku":1},"context":{"user":{"id":"u1","role":"viewer"},"tenant":"t1"}}',
  ].join("\n");

  for (const engine of ["compiled", "interpreter"]) {
    it(`prints one decision line per request line (${engine})`, () => {
      const dir = scratch();
      writeFileSync(join(dir, "req.jsonl"), requests);
      cpSync(join(example, "inventory.agentpolicy"), join(dir, "p.agentpolicy"));
      const r = cli(["eval", "p.agentpolicy", "--requests", "req.jsonl", "--engine", engine], dir);
      expect(r.code).toBe(0);
      const lines = r.out.trim().split("\n").map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.effect, l.rules[0]])).toEqual([
        ["allow", "inventory-reader/allow/inv.get_item,inv.search"],
        ["deny", "invalid_request"],
        ["deny", "invalid_request"],
        ["deny", "unknown_tool"],
        ["deny", "invalid_arguments"],
      ]);
      expect(lines[0]).toMatchObject({ limit: null, errors: [], policy: "inventory", policyHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    });
  }

  it("prints diagnostics and no decisions for a policy with errors", () => {
    const dir = scratch();
    writeFileSync(join(dir, "bad.agentpolicy"), 'policy p\ntools inv from "./manifests/inventory.tools.json"\nallow inv.get_items\n');
    writeFileSync(join(dir, "req.jsonl"), '{"agent":"a","tool":"inv.get_item","args":{"sku":"x"}}\n');
    const r = cli(["eval", "bad.agentpolicy", "--requests", "req.jsonl"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("E_UNKNOWN_TOOL");
  });
});

describe("agentpolicy compile", () => {
  it("writes NAME.guard.ts, or .js and .d.ts with --emit js", () => {
    const dir = scratch();
    cpSync(join(example, "inventory.agentpolicy"), join(dir, "inventory.agentpolicy"));
    expect(cli(["compile", "inventory.agentpolicy", "--out", "out"], dir).code).toBe(0);
    const ts = readFileSync(join(dir, "out/inventory.guard.ts"), "utf8");
    expect(ts).toContain("@agentpolicy/runtime");
    expect(ts).toMatch(/sha256:[0-9a-f]{64}/);
    expect(ts).toContain("no-purchases");
    expect(cli(["compile", "inventory.agentpolicy", "--out", "js", "--emit", "js"], dir).code).toBe(0);
    expect(existsSync(join(dir, "js/inventory.guard.js"))).toBe(true);
    expect(existsSync(join(dir, "js/inventory.guard.d.ts"))).toBe(true);
  });

  it("refuses to write anything when the policy has errors", () => {
    const dir = scratch();
    writeFileSync(join(dir, "bad.agentpolicy"), 'policy p\ntools inv from "./manifests/inventory.tools.json"\nallow inv.get_items\n');
    const r = cli(["compile", "bad.agentpolicy", "--out", "out"], dir);
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});

describe("agentpolicy audit verify", () => {
  it("accepts an intact chain and names the first broken record", () => {
    const dir = scratch();
    // Build a real log through the runtime's file sink by way of a tiny script.
    const script = `
      import { createGuard, FileAuditSink, MemoryStore } from "@agentpolicy/runtime";
      const program = {
        policy: { name: "p", version: null, hash: "sha256:" + "0".repeat(64), source: "p.agentpolicy" },
        evaluate: (r) => ({ effect: r.tool === "a.ok" ? "allow" : "deny", rules: ["r"], reasons: [], errors: [], tool: r.tool }),
        limitsFor: () => [], chargesFor: () => [], labelsFor: () => [], redact: (_t, a) => a, toolsFor: () => [],
      };
      const guard = createGuard(program, { store: new MemoryStore(), audit: new FileAuditSink(process.argv[2]) });
      for (const tool of ["a.ok", "a.no", "a.ok"]) await guard.decide({ agent: "x", tool, args: {} });
    `;
    writeFileSync(join(root, "node_modules/.cache-audit-script.mjs"), script);
    const log = join(dir, "audit.jsonl");
    const made = spawnSync(process.execPath, [join(root, "node_modules/.cache-audit-script.mjs"), log], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const ok = cli(["audit", "verify", log]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("3 records");
    const lines = readFileSync(log, "utf8").trim().split("\n");
    lines[1] = lines[1].replace('"a.no"', '"a.ok"');
    writeFileSync(log, lines.join("\n") + "\n");
    const bad = cli(["audit", "verify", log, "--format", "json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, line: 2 });
  });
});
