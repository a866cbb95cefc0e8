import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Io } from "./io.js";
import { runTest } from "./test.js";

const FIXTURES = fileURLToPath(new URL("../testing/__fixtures__/", import.meta.url));

function memoryIo(): Io & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), color: false, cwd: FIXTURES, stdout, stderr, text: () => stdout.join("\n") };
}

describe("agentpolicy test", () => {
  it("prints a line per test block and invariant, failures with details, and `N passed, N failed`", async () => {
    const io = memoryIo();
    const code = await runTest([`${FIXTURES}workspace-bug.agentpolicy`, `${FIXTURES}refunds.agentpolicy`], { runs: 300, seed: 7, format: "text", engine: "interpreter" }, io);
    expect(code).toBe(1);
    const lines = io.text().split("\n");
    expect(lines[0]).toBe("workspace-bug.agentpolicy (seed 7, 300 runs per invariant)");
    expect(lines[1]).toBe('  ✓ test "reads inside the workspace" (2 expects)');
    expect(lines[2]).toMatch(/^ {2}✗ invariant stays_in_workspace failed: counterexample agent "coder" calls fs\.read_file\(\{ path: "\/workspace\/.*" \}\) \(seed 7, \d+ shrinks?\)$/);
    expect(lines[3]).toBe("      at workspace-bug.agentpolicy:9:1");
    expect(lines[4]).toMatch(/^ {6}expect agent "coder" calls fs\.read_file\(\{ path: "\/workspace\/.*" \}\) => deny$/);
    expect(lines[5]).toBe("      got allow by coder/allow/fs.read_file; the invariant allows only deny");
    expect(lines[6]).toBe("refunds.agentpolicy (seed 7, 300 runs per invariant)");
    expect(lines[7]).toBe('  ✓ test "small refunds pass" (2 expects)');
    expect(lines[8]).toMatch(/^ {2}✓ invariant refunds_capped \(300 runs, \d+ in its set\)$/);
    expect(lines[9]).toBe("3 passed, 1 failed");
    expect(lines).toHaveLength(10);
    expect(io.stderr).toEqual([]);
  });

  it("runs the compiled guard by default and exits 0 when everything passes", async () => {
    const io = memoryIo();
    const code = await runTest([`${FIXTURES}workspace-ok.agentpolicy`], { runs: 200, seed: 1, format: "text" }, io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.text().split("\n").at(-1)).toBe("2 passed, 0 failed");
  });

  it("is deterministic under --seed", async () => {
    const run = async () => {
      const io = memoryIo();
      await runTest([`${FIXTURES}extends-bug.agentpolicy`, `${FIXTURES}refunds-loosened.agentpolicy`], { runs: 400, seed: 12345, format: "text", engine: "interpreter" }, io);
      return io.text();
    };
    const a = await run();
    expect(await run()).toBe(a);
    expect(a).toContain("seed 12345");
  });

  it("prints JSON with --format json", async () => {
    const io = memoryIo();
    const code = await runTest([`${FIXTURES}extends-bug.agentpolicy`], { runs: 200, seed: 3, format: "json", engine: "interpreter" }, io);
    expect(code).toBe(1);
    const out = JSON.parse(io.text()) as { passed: number; failed: number; seed: number; files: { file: string; results: Record<string, unknown>[] }[] };
    expect(out).toMatchObject({ passed: 0, failed: 1, seed: 3 });
    expect(out.files[0].file).toBe("extends-bug.agentpolicy");
    expect(out.files[0].results[0]).toMatchObject({
      kind: "invariant",
      name: "etc_protected",
      ok: false,
      location: { file: "extends-bug.agentpolicy", line: 16, column: 1 },
      counterexample: { request: { agent: "intern", tool: "fs.write_file" }, decision: { effect: "allow" } },
    });
  });

  it("a policy with errors fails; an unreadable file or a bad option is a usage error", async () => {
    let io = memoryIo();
    expect(await runTest([`${FIXTURES}broken.agentpolicy`], { format: "text", engine: "interpreter" }, io)).toBe(1);
    expect(io.stderr.join("\n")).toContain("E_UNKNOWN_TOOL");
    expect(io.text()).toContain("0 passed, 1 failed");
    io = memoryIo();
    expect(await runTest([`${FIXTURES}missing.agentpolicy`], { format: "text" }, io)).toBe(2);
    expect(io.stderr.join("\n")).toContain("cannot read");
    io = memoryIo();
    expect(await runTest([`${FIXTURES}refunds.agentpolicy`], { runs: 0, format: "text" }, io)).toBe(2);
    expect(await runTest([`${FIXTURES}refunds.agentpolicy`], { seed: 1.5, format: "text" }, io)).toBe(2);
  });
});
