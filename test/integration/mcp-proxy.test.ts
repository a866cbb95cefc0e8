/**
 * `agentpolicy mcp-proxy` end to end: the real @modelcontextprotocol/server-filesystem as the
 * upstream, the SDK's Client over stdio against the built CLI (`npm test` builds first).
 */
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { verifyAuditLog } from "@agentpolicy/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "compiler/bin/agentpolicy.js");
const fsServer = join(root, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const policyFile = join(root, "examples/coding-agent/coding-agent.agentpolicy");

type TextContent = { type: "text"; text: string };

interface Proxy {
  client: Client;
  pid: number | null;
  stderr: () => string;
  close: () => Promise<void>;
}

async function startProxy(args: string[], upstream: string[], cwd: string): Promise<Proxy> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, "mcp-proxy", ...args, "--", ...upstream],
    cwd,
    stderr: "pipe",
    env: { ...(process.env as Record<string, string>), NO_COLOR: "1" },
  });
  let err = "";
  transport.stderr?.on("data", (c: Buffer) => {
    err += c.toString("utf8");
  });
  const client = new Client({ name: "proxy-test", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (e) {
    throw new Error(`proxy did not start: ${(e as Error).message}\n${err}`);
  }
  return { client, pid: transport.pid, stderr: () => err, close: () => client.close() };
}

function text(result: object): string {
  return (((result as { content?: unknown }).content ?? []) as TextContent[]).map((c) => c.text).join("\n");
}

describe("agentpolicy mcp-proxy in front of server-filesystem", () => {
  let dir: string;
  let workspace: string;
  let outside: string;
  let audit: string;
  let proxy: Proxy;

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "agentpolicy-proxy-")));
    workspace = join(dir, "workspace");
    outside = join(dir, "outside");
    mkdirSync(workspace);
    mkdirSync(outside);
    writeFileSync(join(workspace, "hello.txt"), "hello from the workspace\n");
    writeFileSync(join(workspace, ".env"), "TOKEN=secret\n");
    writeFileSync(join(outside, "keep.txt"), "untouched\n");
    audit = join(dir, "audit.jsonl");
    writeFileSync(join(dir, "context.json"), JSON.stringify({ user: { id: "u1" }, workspace }));
    // Approves a review when the new content says so; prints what it was asked on stderr.
    writeFileSync(
      join(dir, "review.mjs"),
      [
        'let input = "";',
        'process.stdin.on("data", (c) => (input += c));',
        'process.stdin.on("end", () => {',
        "  const { request, decision } = JSON.parse(input);",
        '  const approved = request.args.content.includes("approve me");',
        '  process.stdout.write(JSON.stringify({ approved, by: "test-reviewer", note: decision.rules.join(",") }));',
        "});",
      ].join("\n"),
    );
    // The server may touch the whole temp dir; the policy keeps the agent in `workspace`.
    proxy = await startProxy(
      [
        "--policy", policyFile, "--agent", "coder", "--context", "@context.json", "--audit", audit, "--session", "s1",
        "--engine", "interpreter", "--reviewer", `"${process.execPath}" review.mjs`,
      ],
      [process.execPath, fsServer, dir],
      dir,
    );
  });

  afterAll(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the tools the agent could ever be allowed", async () => {
    const { tools } = await proxy.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain("read_text_file");
    expect(names).toContain("write_file");
    expect(names).toContain("list_allowed_directories");
    // The upstream's own descriptions and schemas pass through.
    expect(tools.find((t) => t.name === "write_file")?.inputSchema.required).toEqual(["path", "content"]);
  });

  it("forwards an allowed read and returns the file", async () => {
    const result = await proxy.client.callTool({ name: "read_text_file", arguments: { path: join(workspace, "hello.txt") } });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toContain("hello from the workspace");
  });

  it("denies a write outside the workspace without touching the disk", async () => {
    const target = join(outside, "keep.txt");
    const result = await proxy.client.callTool({ name: "write_file", arguments: { path: target, content: "pwned" } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("outside-workspace");
    expect(text(result)).toContain("writes stay inside the workspace");
    expect((result._meta as Record<string, { effect: string; rules: string[] }>)["agentpolicy/decision"]).toMatchObject({ effect: "deny", rules: ["outside-workspace"] });
    expect(readFileSync(target, "utf8")).toBe("untouched\n");
    const escape = `${workspace}/../outside/new.txt`;
    const escaped = await proxy.client.callTool({ name: "write_file", arguments: { path: escape, content: "x" } });
    expect(escaped.isError).toBe(true);
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
  });

  it("forwards an allowed write inside the workspace", async () => {
    const target = join(workspace, "notes.md");
    const result = await proxy.client.callTool({ name: "write_file", arguments: { path: target, content: "# notes\n" } });
    expect(result.isError).toBeFalsy();
    expect(readFileSync(target, "utf8")).toBe("# notes\n");
  });

  it("denies secrets, reads outside the workspace, bad arguments and unknown tools", async () => {
    const secret = await proxy.client.callTool({ name: "read_text_file", arguments: { path: join(workspace, ".env") } });
    expect(secret.isError).toBe(true);
    expect(text(secret)).toContain("no-secrets");
    const passwd = await proxy.client.callTool({ name: "read_text_file", arguments: { path: "/etc/passwd" } });
    expect(passwd.isError).toBe(true);
    expect(text(passwd)).toContain("`default`");
    const bad = await proxy.client.callTool({ name: "read_text_file", arguments: { path: 42 } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("invalid_arguments");
    const unknown = await proxy.client.callTool({ name: "rm_rf", arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain("unknown_tool");
  });

  it("brakes a runaway loop with the repeats limit", async () => {
    const call = () => proxy.client.callTool({ name: "get_file_info", arguments: { path: join(workspace, "hello.txt") } });
    for (let i = 0; i < 3; i++) expect((await call()).isError).toBeFalsy();
    const fourth = await call();
    expect(fourth.isError).toBe(true);
    expect(text(fourth)).toContain("coder/limit/repeats");
  });

  it("asks the reviewer command and forwards only an approved review", async () => {
    const target = join(workspace, "package.json");
    const rejected = await proxy.client.callTool({ name: "write_file", arguments: { path: target, content: "{}" } });
    expect(rejected.isError).toBe(true);
    expect(text(rejected)).toContain("dependency-change");
    expect(text(rejected)).toContain("rejected in review by test-reviewer");
    expect(existsSync(target)).toBe(false);
    const approved = await proxy.client.callTool({ name: "write_file", arguments: { path: target, content: '{"approve me": 1}' } });
    expect(approved.isError).toBeFalsy();
    expect(readFileSync(target, "utf8")).toBe('{"approve me": 1}');
  });

  it("writes an audit log whose hash chain verifies, and the CLI agrees", async () => {
    const log = readFileSync(audit, "utf8");
    const verified = verifyAuditLog(log);
    expect(verified).toMatchObject({ ok: true });
    const records = log.trim().split("\n").map((l) => JSON.parse(l));
    expect(records.some((r) => r.decision.effect === "deny" && r.decision.rules[0] === "outside-workspace")).toBe(true);
    expect(records.every((r) => r.request.agent === "coder" && r.request.session === "s1")).toBe(true);
    expect(records.some((r) => r.review?.status === "approved" && r.review.by === "test-reviewer")).toBe(true);
    expect(proxy.stderr()).toContain("agentpolicy mcp-proxy:");
    const cli = spawnSync(process.execPath, [bin, "audit", "verify", audit], { encoding: "utf8" });
    expect(cli.status).toBe(0);
  });
});

describe("agentpolicy mcp-proxy for a read-only agent", () => {
  let dir: string;

  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "agentpolicy-proxy-ro-")));
    writeFileSync(join(dir, "a.txt"), "a\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("hides every tool the agent can never be allowed, and exits when the client leaves", async () => {
    const context = JSON.stringify({ user: { id: "u2" }, workspace: dir });
    const proxy = await startProxy(["--policy", policyFile, "--agent", "reader", "--context", context, "--engine", "interpreter"], [process.execPath, fsServer, dir], dir);
    const { tools } = await proxy.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["directory_tree", "get_file_info", "list_directory", "read_text_file", "search_files"]);
    const write = await proxy.client.callTool({ name: "write_file", arguments: { path: join(dir, "b.txt"), content: "b" } });
    expect(write.isError).toBe(true);
    expect(existsSync(join(dir, "b.txt"))).toBe(false);
    const read = await proxy.client.callTool({ name: "read_text_file", arguments: { path: join(dir, "a.txt") } });
    expect(text(read)).toBe("a\n");
    const pid = proxy.pid;
    const closing = Date.now();
    await proxy.close();
    expect(pid).not.toBeNull();
    await waitForExit(pid as number);
    expect(Date.now() - closing).toBeLessThan(8000);
  });

  it("denies a review when no reviewer is configured (compiled engine, the default)", async () => {
    const context = JSON.stringify({ user: { id: "u3" }, workspace: dir });
    const proxy = await startProxy(["--policy", policyFile, "--agent", "coder", "--context", context], [process.execPath, fsServer, dir], dir);
    const result = await proxy.client.callTool({ name: "write_file", arguments: { path: join(dir, "package.json"), content: "{}" } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("no reviewer is configured");
    expect(existsSync(join(dir, "package.json"))).toBe(false);
    await proxy.close();
  }, 120_000);

  it("refuses an alias the policy does not declare, and an upstream that cannot start", () => {
    const bad = spawnSync(process.execPath, [bin, "mcp-proxy", "--policy", policyFile, "--agent", "coder", "--alias", "nope", "--engine", "interpreter", "--", process.execPath, fsServer, dir], {
      encoding: "utf8",
      input: "",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--alias `nope`");
    const missing = spawnSync(process.execPath, [bin, "mcp-proxy", "--policy", policyFile, "--agent", "coder", "--engine", "interpreter", "--", "no-such-command-xyz"], {
      encoding: "utf8",
      input: "",
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("cannot start the MCP server");
    expect(missing.stdout).toBe("");
  });
});

describe("agentpolicy mcp-proxy in front of a paginating server, with an HTTP reviewer", () => {
  const pagedServer = join(import.meta.dirname, "fixtures/paged-server.mjs");
  let dir: string;

  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "agentpolicy-proxy-paged-")));
    const pulled = spawnSync(process.execPath, [bin, "manifest", "pull", "--out", "echo.tools.json", "--", process.execPath, pagedServer], { cwd: dir, encoding: "utf8" });
    expect(pulled.status, pulled.stderr).toBe(0);
    writeFileSync(
      join(dir, "echo.agentpolicy"),
      [
        "policy echo",
        'tools echo from "./echo.tools.json"',
        'agent "a" {',
        "  allow echo.t0, echo.t1",
        '  @id("ask-first")',
        '  review echo.t2 because "t2 needs a yes"',
        "}",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("collects every page for tools/list, asks the HTTP reviewer, and never forwards what is denied", async () => {
    const asked: unknown[] = [];
    const reviewer = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const payload = JSON.parse(body) as { request: { args: { n: number } } };
        asked.push(payload);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ approved: payload.request.args.n === 1, by: "http-reviewer" }));
      });
    });
    await new Promise<void>((r) => reviewer.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(reviewer.address() as AddressInfo).port}/review`;
    const proxy = await startProxy(["--policy", "echo.agentpolicy", "--agent", "a", "--engine", "interpreter", "--reviewer", url], [process.execPath, pagedServer], dir);
    try {
      const { tools } = await proxy.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["t0", "t1", "t2"]);
      const progress: number[] = [];
      const echoed = await proxy.client.callTool({ name: "t0", arguments: { n: 5 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
      expect(text(echoed)).toBe('{"tool":"t0","args":{"n":5}}');
      expect(progress).toEqual([1, 2]);
      const approved = await proxy.client.callTool({ name: "t2", arguments: { n: 1 } });
      expect(approved.isError).toBeFalsy();
      const rejected = await proxy.client.callTool({ name: "t2", arguments: { n: 2 } });
      expect(rejected.isError).toBe(true);
      expect(text(rejected)).toContain("rejected in review by http-reviewer");
      const hidden = await proxy.client.callTool({ name: "t3", arguments: { n: 1 } });
      expect(hidden.isError).toBe(true);
      expect(text(hidden)).toContain("`default`");
      expect(asked).toHaveLength(2);
      const log = proxy.stderr();
      expect(log).toContain("paged-echo: called t0");
      expect(log).toContain("paged-echo: called t2");
      expect(log.match(/paged-echo: called t2/g)).toHaveLength(1);
      expect(log).not.toContain("paged-echo: called t3");
    } finally {
      await proxy.close();
      reviewer.close();
    }
  });

  it("exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "mcp-proxy", "--policy", "echo.agentpolicy", "--agent", "a", "--engine", "interpreter", "--", process.execPath, pagedServer], {
      cwd: dir,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    await new Promise<void>((r) =>
      child.stderr.on("data", (c: Buffer) => {
        err += c.toString();
        if (err.includes("serving")) r();
      }),
    );
    expect(err).toContain("serving 3 of 5 upstream tools as `echo` for agent `a`");
    const code = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    child.kill("SIGTERM");
    expect(await code).toBe(0);
  });
});

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`process ${pid} did not exit`);
}
