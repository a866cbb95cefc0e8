import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runDiff } from "./diff.js";
import type { Io } from "./io.js";

const FIXTURES = fileURLToPath(new URL("../testing/__fixtures__/", import.meta.url));
const f = (name: string) => `${FIXTURES}${name}`;

function memoryIo(): Io & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), color: false, cwd: FIXTURES, stdout, stderr, text: () => stdout.join("\n") };
}

describe("agentpolicy diff", () => {
  it("reports nothing for a reformatted policy, even with --fail-on-looser", async () => {
    const io = memoryIo();
    const code = await runDiff(f("refunds.agentpolicy"), f("refunds-reformatted.agentpolicy"), { format: "text", failOnLooser: true, engine: "interpreter" }, io);
    expect(code).toBe(0);
    expect(io.text()).toMatch(/^refunds\.agentpolicy → refunds-reformatted\.agentpolicy: no differences \(\d+ requests compared\)$/);
  });

  it("reports a concrete newly-allowed request with both sides' rules; --fail-on-looser exits 1 (compiled guards)", async () => {
    const io = memoryIo();
    const code = await runDiff(f("refunds.agentpolicy"), f("refunds-loosened.agentpolicy"), { format: "text", failOnLooser: true }, io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(1);
    const lines = io.text().split("\n");
    expect(lines[0]).toMatch(/: 1 change in decisions \(1 more permissive, 0 more restrictive\), 1 limit change/);
    expect(lines[2]).toBe('agent "support", shop.refund');
    expect(lines[3]).toMatch(/^ {2}deny → allow {2}more permissive \(\d+ of \d+ requests\)$/);
    const request = JSON.parse(lines[4].replace(/^ {4}request {2}/, "")) as { agent: string; tool: string; args: { amount: number } };
    expect(request).toMatchObject({ agent: "support", tool: "shop.refund" });
    expect(request.args.amount > 5000 && request.args.amount <= 5001).toBe(true);
    expect(lines[5]).toBe("    old      deny by default");
    expect(lines[6]).toBe("    new      allow by support/allow/shop.refund");
    expect(io.text()).toContain("limit shop.refund to 10 calls per hour  →  limit shop.refund to 20 calls per hour");
  }, 60_000);

  it("exits 0 on differences without --fail-on-looser, and prints JSON", async () => {
    const io = memoryIo();
    const code = await runDiff(f("extends-ok.agentpolicy"), f("extends-bug.agentpolicy"), { format: "json", failOnLooser: false, engine: "interpreter" }, io);
    expect(code).toBe(0);
    const out = JSON.parse(io.text()) as { looser: boolean; differences: Record<string, unknown>[] };
    expect(out.looser).toBe(true);
    expect(out.differences[0]).toMatchObject({ agent: "intern", tool: "fs.write_file", direction: "looser", old: { effect: "deny", rules: ["etc-is-read-only"] }, new: { effect: "allow" } });
  });

  it("policy errors exit 1, unreadable files 2", async () => {
    let io = memoryIo();
    expect(await runDiff(f("refunds.agentpolicy"), f("broken.agentpolicy"), { format: "text", failOnLooser: false }, io)).toBe(1);
    expect(io.stderr.join("\n")).toContain("E_UNKNOWN_TOOL");
    io = memoryIo();
    expect(await runDiff(f("nope.agentpolicy"), f("refunds.agentpolicy"), { format: "text", failOnLooser: false }, io)).toBe(2);
  });
});
