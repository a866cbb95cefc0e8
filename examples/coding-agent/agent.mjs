// A scripted coding agent behind `agentpolicy mcp-proxy` — no network, no model, no API key.
// It starts the proxy (which compiles coding-agent.agentpolicy into a guard and starts the real
// @modelcontextprotocol/server-filesystem behind it) over stdio with the MCP SDK's client, in a
// scratch folder holding a `workspace/` and an `outside/` folder. The filesystem server may touch
// both; the policy keeps the agent inside `workspace/`.
//
//   node examples/coding-agent/agent.mjs        (after `npm ci` or `npm run build`)
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { verifyAuditLog } from "@agentpolicy/runtime";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const cli = join(root, "compiler/bin/agentpolicy.js");
const fsServer = join(root, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "agentpolicy-coding-agent-")));
const workspace = join(scratch, "workspace");
const outside = join(scratch, "outside");
mkdirSync(join(workspace, "src"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(workspace, "src/greet.ts"), 'export const greet = (name: string) => `hello ${name}`;\n');
writeFileSync(join(workspace, ".env"), "OPENAI_API_KEY=sk-not-for-models\n");
writeFileSync(join(outside, "notes.txt"), "someone else's notes\n");
const audit = join(scratch, "audit.jsonl");

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [
    cli, "mcp-proxy",
    "--policy", join(here, "coding-agent.agentpolicy"),
    "--agent", "coder",
    "--context", JSON.stringify({ user: { id: "u-ada" }, workspace }),
    "--session", "demo",
    "--audit", audit,
    "--", process.execPath, fsServer, scratch,
  ],
  stderr: "pipe",
});
let proxyLog = "";
transport.stderr?.on("data", (chunk) => (proxyLog += chunk));
const client = new Client({ name: "scripted-coding-agent", version: "1.0.0" });

const outcomes = [];
async function call(name, args) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content.map((c) => c.text ?? "").join(" ").replace(/\s+/g, " ");
  const shown = text.length > 170 ? `${text.slice(0, 167)}...` : text;
  console.log(`${result.isError ? "DENIED " : "ok     "} ${name}(${JSON.stringify(args).replaceAll(scratch, "…")})\n         ${shown.replaceAll(scratch, "…")}`);
  outcomes.push(!result.isError);
  return result;
}

try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  console.log(`the proxy offers ${tools.length} tools: ${tools.map((t) => t.name).join(", ")}\n`);

  await call("read_text_file", { path: join(workspace, "src/greet.ts") });
  await call("write_file", { path: join(workspace, "src/greet.test.ts"), content: "// tests go here\n" });
  await call("read_text_file", { path: join(workspace, ".env") });
  await call("write_file", { path: join(outside, "notes.txt"), content: "overwritten" });
  await call("write_file", { path: `${workspace}/../outside/sneaky.txt`, content: "escaped" });
  await call("move_file", { source: join(workspace, "src/greet.ts"), destination: join(outside, "greet.ts") });
  await call("write_file", { path: join(workspace, "package.json"), content: '{ "dependencies": { "left-pad": "*" } }' });
} finally {
  await client.close();
}

const untouched = readFileSync(join(outside, "notes.txt"), "utf8") === "someone else's notes\n" && !existsSync(join(outside, "sneaky.txt"));
const verified = verifyAuditLog(readFileSync(audit, "utf8"));
console.log(`\noutside/ untouched: ${untouched}; audit log: ${verified.ok ? `${verified.records} records, hash chain intact` : `BROKEN at line ${verified.line}`}`);
rmSync(scratch, { recursive: true, force: true });

const expected = [true, true, false, false, false, false, false];
if (!untouched || !verified.ok || JSON.stringify(outcomes) !== JSON.stringify(expected)) {
  console.error(`unexpected outcomes: ${JSON.stringify(outcomes)}\n--- proxy log ---\n${proxyLog}`);
  process.exitCode = 1;
}
