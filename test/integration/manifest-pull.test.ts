/** `agentpolicy manifest pull` against real MCP servers over stdio (the built CLI). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");
const fsServer = join(root, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const pagedServer = join(import.meta.dirname, "fixtures/paged-server.mjs");

function cli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("agentpolicy manifest pull", () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "agentpolicy-pull-")));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints server-filesystem's tools/list as a manifest, the one committed in examples/coding-agent", () => {
    const r = cli(["manifest", "pull", "--", process.execPath, fsServer, dir]);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(r.out) as { tools: { name: string; inputSchema: unknown }[] };
    expect(Object.keys(manifest)).toEqual(["tools"]);
    const names = manifest.tools.map((t) => t.name);
    expect(names).toContain("read_text_file");
    expect(names).toContain("write_file");
    const committed = JSON.parse(readFileSync(join(root, "examples/coding-agent/fs.tools.json"), "utf8"));
    expect(manifest).toEqual(committed);
  });

  it("follows nextCursor to the last page, and writes --out", () => {
    const r = cli(["manifest", "pull", "--out", join(dir, "echo.tools.json"), "--", process.execPath, pagedServer]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toContain("5 tools");
    const manifest = JSON.parse(readFileSync(join(dir, "echo.tools.json"), "utf8")) as { tools: { name: string }[] };
    expect(manifest.tools.map((t) => t.name)).toEqual(["t0", "t1", "t2", "t3", "t4"]);
    // The pulled manifest is one `agentpolicy check` accepts.
    const policy = join(dir, "p.agentpolicy");
    writeFileSync(policy, 'policy p\ntools echo from "./echo.tools.json"\nagent "a" {\n  allow echo.*\n}\n');
    expect(cli(["check", policy]).code).toBe(0);
  });

  it("fails with exit 1 when the server cannot start, and 2 without a command", () => {
    const missing = cli(["manifest", "pull", "--", "no-such-command-xyz"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("command not found");
    expect(missing.out).toBe("");
    const crashing = cli(["manifest", "pull", "--", process.execPath, "-e", "process.exit(3)"]);
    expect(crashing.code).toBe(1);
    expect(cli(["manifest", "pull"]).code).toBe(2);
  });
});
