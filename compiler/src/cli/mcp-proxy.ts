/**
 * `agentpolicy mcp-proxy --policy FILE --agent ID [--context JSON|@FILE] [--session ID]
 *   [--alias ALIAS] [--audit LOG] [--reviewer CMD|URL] [--review-timeout MS]
 *   [--engine compiled|interpreter] -- CMD ARGS...`
 *
 * An MCP server over stdio (standard input/output are the protocol; logs go to standard error)
 * in front of the upstream MCP server CMD:
 * - `tools/list` shows only the upstream tools the agent could ever be allowed
 *   (`PolicyProgram.toolsFor(agent)`), under their upstream (bare) names;
 * - every `tools/call` is decided by the guard as `ALIAS.NAME` before anything reaches the
 *   upstream; only `allow` (or an approved review) is forwarded. A denial is a tool result with
 *   `isError: true` and one text content naming the rule(s) and the reason, plus the decision
 *   line under `_meta["agentpolicy/decision"]`.
 * - `review` asks `--reviewer` within the review timeout; without a reviewer a review is denied.
 *
 * ALIAS is the `tools` declaration whose manifest matches the upstream's tools (or `--alias`).
 * One proxy process is one agent session: limits and labels live in its memory, keyed by
 * `--session` (default: a fresh random id). Audit records go to `--audit` (hash-chained JSON Lines).
 *
 * The proxy ends when its client closes standard input, on SIGINT/SIGTERM (exit 0), or when the
 * upstream exits (exit 1). Only tools are proxied: resources, prompts and sampling are not offered,
 * so nothing reaches the upstream without a decision.
 */
import { randomUUID } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ListToolsRequestSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { createGuard, DEFAULT_REVIEW_TIMEOUT_MS, type Decision, type ToolRequest } from "@agentpolicy/runtime";
import type { Engine } from "../guard-loader.js";
import type { PolicyModel } from "../semantic/model.js";
import { decisionLine, describeDecision, errorText, loadPolicyProgram, openAudit, openStore, parseContextOption, type StoreOptions } from "./guard-setup.js";
import { ExitCode, type Io } from "./io.js";
import { connectUpstream, listAllTools } from "./mcp-upstream.js";
import { createReviewer, rejectingReviewer } from "./reviewer.js";

export interface McpProxyOptions extends StoreOptions {
  readonly policy: string;
  readonly agent: string;
  /** `JSON` or `@FILE`. */
  readonly context?: string;
  readonly session?: string;
  readonly alias?: string;
  readonly audit?: string;
  readonly reviewer?: string;
  readonly reviewTimeoutMs?: number;
  /** Milliseconds a forwarded call may take upstream (progress resets it); default 600 000. */
  readonly callTimeoutMs?: number;
  readonly engine: Engine;
  /** The protocol's streams; default this process's standard input and output. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Ends the proxy (exit 0) when aborted, besides SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

/** Key of the decision line in a denial's `_meta`. */
export const DECISION_META_KEY = "agentpolicy/decision";

const NAME = "agentpolicy mcp-proxy";

export async function runMcpProxy(options: McpProxyOptions, command: readonly string[], io: Io): Promise<number> {
  const log = (text: string): void => io.err(`${NAME}: ${text}`);
  if (command.length === 0) {
    log("give the upstream MCP server's command after `--`, e.g. `-- npx -y @modelcontextprotocol/server-filesystem /work`");
    return ExitCode.usage;
  }
  const context = parseContextOption(options.context, io.cwd);
  if (!context.ok) {
    log(context.error);
    return ExitCode.usage;
  }
  const loaded = await loadPolicyProgram(options.policy, options.engine, io, "mcp-proxy");
  if (!loaded.ok) return loaded.code;
  const { program, policy } = loaded;
  if (options.alias !== undefined && !policy.model.aliases.has(options.alias)) {
    log(`--alias \`${options.alias}\` is not a \`tools\` alias of ${options.policy} (it has ${[...policy.model.aliases.keys()].map((a) => `\`${a}\``).join(", ") || "none"})`);
    return ExitCode.usage;
  }
  let visible: ReadonlySet<string>;
  try {
    visible = new Set(program.toolsFor(options.agent));
  } catch (e) {
    log(`cannot compute the tools of agent \`${options.agent}\`: ${errorText(e)}`);
    return ExitCode.failed;
  }
  if (!policy.model.agents.has(options.agent)) {
    log(`note: agent \`${options.agent}\` has no block in the policy; only its top-level rules apply`);
  }

  const opened = await openStore(options);
  if (!opened.ok) {
    log(opened.error);
    return ExitCode.usage;
  }
  const store = opened.store;

  const connected = await connectUpstream(command, { name: "agentpolicy-mcp-proxy", version: "0.1.0", cwd: io.cwd });
  if (!connected.ok) {
    log(connected.error);
    await store.close().catch(() => undefined);
    return ExitCode.failed;
  }
  const { upstream } = connected;
  let upstreamTools: Tool[];
  try {
    upstreamTools = await listAllTools(upstream.client);
  } catch (e) {
    log(`the upstream's tools/list failed: ${errorText(e)}`);
    await upstream.close();
    await store.close().catch(() => undefined);
    return ExitCode.failed;
  }
  const matched = resolveAlias(
    policy.model,
    upstreamTools.map((t) => t.name),
    options.alias,
  );
  if (!matched.ok) {
    log(matched.error);
    await upstream.close();
    await store.close().catch(() => undefined);
    return ExitCode.usage;
  }
  const alias = matched.alias;
  if (matched.unknown.length > 0) {
    log(`upstream tools not in the manifest of \`${alias}\` (hidden and denied): ${matched.unknown.join(", ")}`);
  }
  if (matched.missing.length > 0) log(`manifest tools of \`${alias}\` the upstream does not offer: ${matched.missing.join(", ")}`);

  const session = options.session ?? `mcp-${randomUUID()}`;
  const audit = openAudit(options.audit, io.cwd);
  const reviewTimeoutMs = options.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS;
  const guard = createGuard(program, {
    store,
    ...(audit === undefined ? {} : { audit }),
    reviewer: options.reviewer === undefined ? rejectingReviewer(NAME) : createReviewer(options.reviewer, reviewTimeoutMs, io.cwd),
    reviewTimeoutMs,
  });
  const callTimeoutMs = options.callTimeoutMs ?? 600_000;

  const server = new Server(
    { name: "agentpolicy-mcp-proxy", version: "0.1.0" },
    {
      capabilities: { tools: { listChanged: true } },
      ...(upstream.client.getInstructions() === undefined ? {} : { instructions: upstream.client.getInstructions() }),
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const tools = await listAllTools(upstream.client, { signal: extra.signal });
    return { tools: tools.filter((t) => visible.has(`${alias}.${t.name}`)) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args, _meta: meta } = request.params;
    const tool = `${alias}.${name}`;
    const toolRequest: ToolRequest = {
      agent: options.agent,
      tool,
      args: args ?? {},
      ...(context.context === undefined ? {} : { context: context.context }),
      session,
      callId: String(extra.requestId),
    };
    const decision = await guard.decide(toolRequest);
    log(describeDecision(decision, tool));
    if (decision.effect !== "allow") return denial(decision, name);

    // The SDK gives the forwarded request its own progress token; progress is relayed under the
    // client's, in order, and all of it before the result (a client drops progress after the result).
    const progressToken = meta?.progressToken;
    const { progressToken: _dropped, ...forwardedMeta } = meta ?? {};
    const params = { ...request.params, ...(meta === undefined ? {} : { _meta: forwardedMeta }) };
    if (Object.keys(forwardedMeta).length === 0) delete (params as { _meta?: unknown })._meta;
    let relayed: Promise<void> = Promise.resolve();
    const result = await upstream.client.request({ method: "tools/call", params }, CallToolResultSchema, {
      signal: extra.signal,
      timeout: callTimeoutMs,
      resetTimeoutOnProgress: true,
      ...(progressToken === undefined
        ? {}
        : {
            onprogress: (progress) => {
              relayed = relayed
                .then(() => extra.sendNotification({ method: "notifications/progress", params: { ...progress, progressToken } }))
                .catch(() => undefined);
            },
          }),
    });
    await relayed;
    return result;
  });

  upstream.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    await server.sendToolListChanged().catch(() => undefined);
  });

  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let closing = false;
  upstream.client.onclose = () => {
    if (!closing) {
      log("the upstream MCP server exited");
      finish(ExitCode.failed);
    }
  };
  const onEnd = (): void => finish(ExitCode.ok);
  const onSignal = (): void => finish(ExitCode.ok);
  stdin.once("end", onEnd);
  stdin.once("close", onEnd);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  options.signal?.addEventListener("abort", onSignal, { once: true });

  try {
    await server.connect(new StdioServerTransport(stdin, stdout));
    log(`serving ${upstreamTools.filter((t) => visible.has(`${alias}.${t.name}`)).length} of ${upstreamTools.length} upstream tools as \`${alias}\` for agent \`${options.agent}\`, session \`${session}\`, policy \`${program.policy.name}\` (${program.policy.hash})`);
    return await finished;
  } catch (e) {
    log(`cannot serve on standard input/output: ${errorText(e)}`);
    return ExitCode.failed;
  } finally {
    closing = true;
    stdin.off("end", onEnd);
    stdin.off("close", onEnd);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    options.signal?.removeEventListener("abort", onSignal);
    await server.close().catch(() => undefined);
    await upstream.close();
    await audit?.close().catch((e: unknown) => log(`closing the audit log failed: ${errorText(e)}`));
    await store.close().catch((e: unknown) => log(`closing the limit store failed: ${errorText(e)}`));
  }
}

/** The tool result of a call the guard did not let through. */
export function denial(decision: Decision, name: string): CallToolResult {
  return {
    content: [{ type: "text", text: describeDecision(decision, name) }],
    isError: true,
    _meta: { [DECISION_META_KEY]: { ...decisionLine(decision), ...(decision.review === undefined ? {} : { review: decision.review }) } },
  };
}

export type AliasMatch =
  | {
      readonly ok: true;
      readonly alias: string;
      /** Upstream tools the alias's manifest does not have (hidden, and denied as `unknown_tool`). */
      readonly unknown: readonly string[];
      /** Manifest tools the upstream does not offer. */
      readonly missing: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/**
 * The `tools` alias the upstream stands for: `explicit` when given; else the one alias whose
 * manifest has exactly the upstream's tool names; else the one alias sharing the most tool names
 * with it. No match, or a tie, is an error asking for `--alias`. Never throws.
 */
export function resolveAlias(model: PolicyModel, upstreamNames: readonly string[], explicit?: string): AliasMatch {
  const upstream = new Set(upstreamNames);
  const namesOf = (alias: string): Set<string> => new Set(model.aliases.get(alias)?.manifest?.tools.map((t) => t.name) ?? []);
  const result = (alias: string): AliasMatch => {
    const declared = namesOf(alias);
    return {
      ok: true,
      alias,
      unknown: [...upstream].filter((n) => !declared.has(n)),
      missing: [...declared].filter((n) => !upstream.has(n)),
    };
  };
  if (explicit !== undefined) {
    return model.aliases.has(explicit) ? result(explicit) : { ok: false, error: `--alias \`${explicit}\` is not a \`tools\` alias of the policy` };
  }
  const scored = [...model.aliases.keys()].map((alias) => {
    const declared = namesOf(alias);
    const shared = [...upstream].filter((n) => declared.has(n)).length;
    return { alias, shared, exact: shared === upstream.size && shared === declared.size };
  });
  const exact = scored.filter((s) => s.exact && s.shared > 0);
  if (exact.length === 1) return result(exact[0].alias);
  const best = Math.max(0, ...scored.map((s) => s.shared));
  const top = scored.filter((s) => s.shared === best && best > 0);
  if (exact.length === 0 && top.length === 1) return result(top[0].alias);
  const tied = (exact.length > 1 ? exact : top).map((s) => `\`${s.alias}\``);
  if (tied.length > 1) return { ok: false, error: `the upstream's tools match the manifests of ${tied.join(" and ")} equally; choose one with --alias` };
  return {
    ok: false,
    error: `no \`tools\` declaration's manifest matches the upstream's tools (${[...upstream].slice(0, 5).join(", ")}${upstream.size > 5 ? ", ..." : ""}); choose one with --alias`,
  };
}
