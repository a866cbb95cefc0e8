/**
 * The upstream MCP server of `manifest pull` and `mcp-proxy`: a command started over stdio and
 * spoken to with the SDK's `Client`.
 *
 * The upstream inherits this process's environment (a proxy must be transparent: the upstream
 * gets the variables its user set, API tokens included) and its standard error (stdout is the
 * protocol). Nothing here writes to standard output.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { errorText } from "./guard-setup.js";

/** Pages followed at most by `listAllTools` (a server whose cursors never end is an error). */
const MAX_PAGES = 1000;

export interface UpstreamOptions {
  /** The client's name in `initialize`. */
  readonly name: string;
  readonly version: string;
  /** Working directory of the upstream; default this process's. */
  readonly cwd?: string;
  /** Milliseconds for `initialize`; default 60 000. */
  readonly timeoutMs?: number;
}

export interface Upstream {
  readonly client: Client;
  /** Process id of the upstream, when it started. */
  readonly pid: number | null;
  /** Closes the connection and stops the upstream (stdin closed, then SIGTERM, then SIGKILL). */
  close(): Promise<void>;
}

export type UpstreamResult = { readonly ok: true; readonly upstream: Upstream } | { readonly ok: false; readonly error: string };

/** Starts `command` and completes the MCP handshake. Never throws. */
export async function connectUpstream(command: readonly string[], options: UpstreamOptions): Promise<UpstreamResult> {
  if (command.length === 0 || command[0] === "") return { ok: false, error: "no upstream command given (after `--`)" };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === "string") env[k] = v;
  const transport = new StdioClientTransport({
    command: command[0],
    args: command.slice(1),
    env,
    stderr: "inherit",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const client = new Client({ name: options.name, version: options.version }, { capabilities: {} });
  try {
    await client.connect(transport, { timeout: options.timeoutMs ?? 60_000 });
  } catch (e) {
    await client.close().catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "command not found" : errorText(e);
    return { ok: false, error: `cannot start the MCP server \`${command.join(" ")}\`: ${why}` };
  }
  return {
    ok: true,
    upstream: {
      client,
      pid: transport.pid,
      close: () => client.close().catch(() => undefined),
    },
  };
}

/** Every tool of the upstream, following `nextCursor` to the last page. Throws on a protocol error. */
export async function listAllTools(client: Client, options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {}): Promise<Tool[]> {
  const tools: Tool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    tools.push(...result.tools);
    const next = result.nextCursor;
    if (next === undefined || next === null || next === "") return tools;
    if (seen.has(next)) throw new Error(`tools/list returned the cursor ${JSON.stringify(next)} twice`);
    seen.add(next);
    cursor = next;
  }
  throw new Error(`tools/list did not end after ${MAX_PAGES} pages`);
}
