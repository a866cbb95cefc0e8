import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHOP_DIR, SHOP_TEXT, shopWith, snapshotOf } from "../test-support.js";
import { runCompileCommand, runTestCommand } from "./commands.js";

const dir = mkdtempSync(join(tmpdir(), "agentpolicy-lsp-commands-"));
cpSync(SHOP_DIR, dir, { recursive: true });
const file = join(dir, "shop.agentpolicy");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("agentpolicy.compile", () => {
  it("writes the guard module into guards/ beside the policy", async () => {
    const out = await runCompileCommand(snapshotOf(SHOP_TEXT, { file }));
    expect(out.ok, out.message).toBe(true);
    expect(out.files).toEqual([join(dir, "guards", "shop.guard.ts")]);
    expect(out.message).toBe("Compiled shop.agentpolicy → guards/shop.guard.ts");
    expect(readFileSync(join(dir, "guards", "shop.guard.ts"), "utf8")).toContain("createGuard");
  });

  it("honours a configured folder and JavaScript output", async () => {
    const out = await runCompileCommand(snapshotOf(SHOP_TEXT, { file }), { outDir: "build/js", emit: "js" });
    expect(out.ok, out.message).toBe(true);
    expect(existsSync(join(dir, "build", "js", "shop.guard.js"))).toBe(true);
    expect(existsSync(join(dir, "build", "js", "shop.guard.d.ts"))).toBe(true);
  });

  it("refuses a policy with errors and writes nothing", async () => {
    const out = await runCompileCommand(snapshotOf(shopWith("allow orders.get,", "allow orders.gett,"), { file }), { outDir: "refused" });
    expect(out.ok).toBe(false);
    expect(out.message).toContain("has 1 error");
    expect(out.details[0]).toContain("E_UNKNOWN_TOOL");
    expect(existsSync(join(dir, "refused"))).toBe(false);
  });
});

describe("agentpolicy.test", () => {
  it("runs the test blocks and invariants", async () => {
    const out = await runTestCommand(snapshotOf(SHOP_TEXT, { file }), { runs: 50, seed: 1 });
    expect(out.message).toBe("shop.agentpolicy: 2 passed, 0 failed");
    expect(out.ok).toBe(true);
    expect(out.details.join("\n")).toContain('test "support can read"');
  });

  it("reports a failing expectation", async () => {
    const failing = shopWith('=> allow "small-refunds"', '=> deny "small-refunds"');
    const out = await runTestCommand(snapshotOf(failing, { file }), { runs: 20, seed: 1 });
    expect(out.ok).toBe(false);
    expect(out.failed).toBe(1);
    expect(out.message).toContain("1 passed, 1 failed");
    expect(out.details.join("\n")).toContain("failed");
  });
});
