/**
 * `agentpolicy manifest pull [--out FILE] [--timeout MS] -- CMD ARGS...`
 *
 * Starts the MCP server CMD over stdio, asks `tools/list` (following `nextCursor` to the last
 * page) and prints the manifest `{ "tools": [...] }` as JSON on standard output (or writes it to
 * `--out`). The tools are kept exactly as the server describes them, in its order. Exit 0 on
 * success, 1 when the server cannot be started or answers badly, 2 on bad usage.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorText } from "./guard-setup.js";
import { ExitCode, type Io } from "./io.js";
import { connectUpstream, listAllTools } from "./mcp-upstream.js";

export interface ManifestPullOptions {
  /** Write the manifest here instead of standard output. */
  readonly out?: string;
  /** Milliseconds for the handshake and for each `tools/list` page; default 60 000. */
  readonly timeoutMs?: number;
}

export async function runManifestPull(command: readonly string[], options: ManifestPullOptions, io: Io): Promise<number> {
  if (command.length === 0) {
    io.err("agentpolicy manifest pull: give the MCP server's command after `--`, e.g. `agentpolicy manifest pull -- npx -y @modelcontextprotocol/server-filesystem /tmp`");
    return ExitCode.usage;
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const connected = await connectUpstream(command, { name: "agentpolicy-manifest-pull", version: "0.1.0", cwd: io.cwd, timeoutMs });
  if (!connected.ok) {
    io.err(`agentpolicy manifest pull: ${connected.error}`);
    return ExitCode.failed;
  }
  const { upstream } = connected;
  try {
    const tools = await listAllTools(upstream.client, { timeoutMs });
    const text = `${JSON.stringify({ tools }, null, 2)}\n`;
    if (options.out === undefined) io.out(text);
    else {
      writeFileSync(resolve(io.cwd, options.out), text);
      io.err(`agentpolicy manifest pull: ${tools.length} tool${tools.length === 1 ? "" : "s"} → ${options.out}`);
    }
    return ExitCode.ok;
  } catch (e) {
    io.err(`agentpolicy manifest pull: tools/list failed: ${errorText(e)}`);
    return ExitCode.failed;
  } finally {
    await upstream.close();
  }
}
