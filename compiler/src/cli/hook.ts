/**
 * `agentpolicy hook --policy FILE --agent ID [--context JSON|@FILE] [--alias-map SERVER=ALIAS,...]
 *   [--builtin-alias ALIAS] [--audit LOG] [--state FILE | --redis URL [--redis-prefix P]] [--engine interpreter|compiled]`
 *
 * A coding agent's PreToolUse hook (Claude Code's shape). Reads one call as JSON on standard input:
 *   {"session_id", "hook_event_name": "PreToolUse", "tool_name", "tool_input", "tool_use_id", ...}
 * and prints on standard output:
 *   {"hookSpecificOutput": {"hookEventName": "PreToolUse",
 *     "permissionDecision": "allow" | "deny" | "ask", "permissionDecisionReason": "..."}}
 * `allow` → allow, `deny` → deny, `review` → ask (the person at the keyboard is the reviewer).
 * A PostToolUse event (the call ran) prints nothing; with `--state` or `--redis`, when this hook
 * answered the call `ask`, the user approved it, and the held review is settled with that approval
 * so that it counts against the limits (asked calls are held by `tool_use_id`: in the journal,
 * `hook-state.ts`, or in Redis, `hook-held-redis.ts`, taken once only). An `ask` that cannot be
 * held (Redis unreachable) is refused instead: a `deny`, audited as a review rejected by the hook.
 *
 * Tool names: `mcp__SERVER__TOOL` → `ALIAS.TOOL` (ALIAS = SERVER unless `--alias-map SERVER=ALIAS`);
 * a built-in tool (`Bash`, `Edit`, `Write`, `Read`, ...) → `code.NAME` (`--builtin-alias`).
 * A name the policy's manifests do not know is denied (`unknown_tool`).
 *
 * Fail closed, in the hook's own terms: every problem after the options are parsed (unreadable or
 * broken policy, malformed input) prints a `deny` with the reason and exits 0, because a hook that
 * exits 1 lets the call run. Bad options exit 2, which also blocks the call.
 *
 * Each run is a fresh process: limits (`calls`, `tokens`, `cost`, `repeats`) and session labels are
 * NOT kept across calls, unless `--state FILE` names a journal that carries them from run to run
 * (`hook-state.ts`; runs holding it are serialized) or `--redis URL` keeps them in Redis (shared
 * with every other hook, `serve` and `mcp-proxy` given the same URL and prefix). `--audit` appends
 * to a hash-chained log across runs; runs take turns at it (`LOG.lock`, the runtime's `SharedFileAuditSink`).
 */
import type { Readable } from "node:stream";
import { resolve } from "node:path";
import { createGuard, type Decision, type LimitStore, type ReviewAnswer, type ToolRequest } from "@agentpolicy/runtime";
import type { Engine } from "../guard-loader.js";
import { errorText, loadPolicyProgram, openAudit, openStore, parseContextOption, reasonText, type StoreOptions } from "./guard-setup.js";
import { RedisHeldReviews } from "./hook-held-redis.js";
import { withHookState, type HeldReviews } from "./hook-state.js";
import { ExitCode, type Io } from "./io.js";

export interface HookOptions extends StoreOptions {
  readonly policy: string;
  readonly agent: string;
  /** `JSON` or `@FILE`. */
  readonly context?: string;
  /** `SERVER=ALIAS` entries (each may hold several, comma-separated). */
  readonly aliasMap?: readonly string[];
  /** Alias of the coding agent's built-in tools; default `code`. */
  readonly builtinAlias?: string;
  readonly audit?: string;
  /** A journal that keeps limits and session labels across runs. */
  readonly state?: string;
  readonly engine: Engine;
  /** Where the call is read from; default standard input. */
  readonly stdin?: Readable;
}

export type PermissionDecision = "allow" | "deny" | "ask";

export interface HookOutput {
  readonly hookSpecificOutput: {
    readonly hookEventName: "PreToolUse";
    readonly permissionDecision: PermissionDecision;
    readonly permissionDecisionReason: string;
  };
}

/** Largest hook input read, in bytes. */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_BUILTIN_ALIAS = "code";
/** Who approved, as the audit records an `ask` the user approved in the coding agent. */
export const CLAUDE_CODE_APPROVER = "user (coding agent ask)";
/** Who refused, as the audit records an `ask` the hook could not hold (so its approval could not count). */
export const HOOK_REFUSER = "agentpolicy hook (the ask could not be held)";

export async function runHook(options: HookOptions, io: Io): Promise<number> {
  const answer = (permissionDecision: PermissionDecision, permissionDecisionReason: string): number => {
    const output: HookOutput = { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision, permissionDecisionReason } };
    io.out(JSON.stringify(output));
    return ExitCode.ok;
  };
  const aliases = parseAliasMap(options.aliasMap ?? []);
  if (!aliases.ok) {
    io.err(`agentpolicy hook: ${aliases.error}`);
    return ExitCode.usage;
  }
  if (options.state !== undefined && options.redis !== undefined) {
    io.err("agentpolicy hook: give --state or --redis, not both");
    return ExitCode.usage;
  }
  const builtin = options.builtinAlias ?? DEFAULT_BUILTIN_ALIAS;
  const context = parseContextOption(options.context, io.cwd);
  if (!context.ok) return answer("deny", `agentpolicy hook: ${context.error}`);

  let input: string;
  try {
    input = await readAll(options.stdin ?? process.stdin, MAX_INPUT_BYTES);
  } catch (e) {
    return answer("deny", `agentpolicy hook: cannot read the call: ${errorText(e)}`);
  }
  const call = parseHookInput(input);
  if (!call.ok) return answer("deny", `agentpolicy hook: ${call.error}`);

  const loaded = await loadPolicyProgram(options.policy, options.engine, io, "hook");
  if (!loaded.ok) return answer("deny", `agentpolicy hook: ${loaded.error}; every call is denied until it is fixed`);
  const tool = policyToolName(call.toolName, aliases.map, builtin);
  const request: ToolRequest = {
    agent: options.agent,
    tool,
    args: call.toolInput,
    ...(context.context === undefined ? {} : { context: context.context }),
    ...(call.sessionId === undefined ? {} : { session: call.sessionId }),
    ...(call.toolUseId === undefined ? {} : { callId: call.toolUseId }),
  };
  /**
   * Decides `asked` (with the user's approval, for a PostToolUse) against `store`, audited. Hooks
   * run in parallel processes (a coding agent's parallel tool calls): the audit sink takes turns
   * at the log (`openAudit`).
   */
  const decideWith = async (store: LimitStore | undefined, asked: ToolRequest, approval?: ReviewAnswer): Promise<Decision> => {
    const audit = openAudit(options.audit, io.cwd);
    const guard = createGuard(loaded.program, { ...(audit === undefined ? {} : { audit }), ...(store === undefined ? {} : { store }) });
    const decision = await guard.decide(asked, approval === undefined ? undefined : { approval });
    await audit?.close().catch((e: unknown) => io.err(`agentpolicy hook: closing the audit log failed: ${errorText(e)}`));
    return decision;
  };
  const decide = async (store?: LimitStore, held?: HeldReviews): Promise<Decision> => {
    const decision = await decideWith(store, request);
    // an `ask` the user may approve: its PostToolUse settles it against the limits
    if (decision.effect !== "review" || call.toolUseId === undefined || held === undefined) return decision;
    try {
      await held.hold(call.toolUseId, request, Date.now());
    } catch (e) {
      // its approval could not be counted: the review is refused (audited) instead of asked
      return decideWith(store, request, { approved: false, by: HOOK_REFUSER, note: errorText(e) });
    }
    return decision;
  };
  /** Settles the review held under `id`, if any, as approved by the user. */
  const settle = async (store: LimitStore, held: HeldReviews, id: string): Promise<void> => {
    const asked = await held.take(id);
    if (asked === undefined) return;
    const settled = await decideWith(store, asked, { approved: true, by: CLAUDE_CODE_APPROVER });
    if (settled.errors.length > 0) io.err(`agentpolicy hook: the approved call ${id} was settled with errors: ${reasonText(settled)}`);
  };

  if (call.event === "PostToolUse") {
    // The call ran. If this hook answered it `ask`, the user approved it: settle the review, so
    // the call counts against the limits (audited). `--state` and `--redis` remember what was
    // asked. The call has run already, so a failure is reported on standard error, exit 0.
    const toolUseId = call.toolUseId;
    if (toolUseId === undefined) return ExitCode.ok;
    if (options.state !== undefined) {
      try {
        await withHookState(resolve(io.cwd, options.state), (store, held) => settle(store, held, toolUseId));
      } catch (e) {
        io.err(`agentpolicy hook: --state ${options.state}: ${errorText(e)}`);
      }
    } else if (options.redis !== undefined) {
      const redis = await openRedis(options, options.redis, io);
      if (redis === null) return ExitCode.usage;
      try {
        await settle(redis.store, redis.held, toolUseId);
      } catch (e) {
        io.err(`agentpolicy hook: ${errorText(e)}`);
      } finally {
        await closeRedis(redis, io);
      }
    }
    return ExitCode.ok;
  }
  let decision: Decision;
  if (options.redis !== undefined) {
    const redis = await openRedis(options, options.redis, io);
    if (redis === null) return ExitCode.usage;
    try {
      decision = await decide(redis.store, redis.held);
    } catch (e) {
      return answer("deny", `agentpolicy hook: ${errorText(e)}`);
    } finally {
      await closeRedis(redis, io);
    }
  } else {
    try {
      decision = options.state === undefined ? await decide() : await withHookState(resolve(io.cwd, options.state), decide);
    } catch (e) {
      return answer("deny", `agentpolicy hook: ${options.state === undefined ? "" : `--state ${options.state}: `}${errorText(e)}`);
    }
  }
  return answer(permissionOf(decision), hookReason(decision, tool));
}

/** What `--redis` keeps in Redis: the limit store and the held asks. */
interface RedisState {
  readonly store: LimitStore & { close(): Promise<void> };
  readonly held: RedisHeldReviews;
}

/** The `--redis` state (nothing connects until used), or null when the options are bad (reported on `io`). */
async function openRedis(options: StoreOptions, url: string, io: Io): Promise<RedisState | null> {
  const opened = await openStore(options);
  if (!opened.ok) {
    io.err(`agentpolicy hook: ${opened.error}`);
    return null;
  }
  return { store: opened.store, held: new RedisHeldReviews({ url, ...(options.redisPrefix === undefined ? {} : { prefix: options.redisPrefix }) }) };
}

/** Closes both (each waits a bounded time); never rejects. */
async function closeRedis(redis: RedisState, io: Io): Promise<void> {
  await Promise.all([
    redis.store.close().catch((e: unknown) => io.err(`agentpolicy hook: closing the limit store failed: ${errorText(e)}`)),
    redis.held.close(),
  ]);
}

/** allow → allow, deny → deny, review → ask. */
export function permissionOf(decision: Decision): PermissionDecision {
  return decision.effect === "allow" ? "allow" : decision.effect === "review" ? "ask" : "deny";
}

/** e.g. "agentpolicy `coding` (rule `outside-workspace`) denies `fs.write_file`: writes stay in the workspace" */
export function hookReason(decision: Decision, tool: string): string {
  const verb = decision.effect === "allow" ? "allows" : decision.effect === "deny" ? "denies" : "asks for review of";
  const rules = decision.rules.map((r) => `\`${r}\``).join(", ");
  const why = reasonText(decision);
  return `agentpolicy \`${decision.policy}\` (${decision.rules.length === 1 ? "rule" : "rules"} ${rules}) ${verb} \`${tool}\`${why === "" ? "" : `: ${why}`}`;
}

/**
 * The policy's name for a coding agent's tool: `mcp__SERVER__TOOL` → `ALIAS.TOOL` (the map, else
 * SERVER itself), any other name → `BUILTIN.NAME`. The tool part of an MCP name is everything after
 * the second `__`.
 */
export function policyToolName(toolName: string, aliasMap: ReadonlyMap<string, string>, builtinAlias: string): string {
  const mcp = /^mcp__(.+?)__(.+)$/s.exec(toolName);
  if (mcp !== null) return `${aliasMap.get(mcp[1]) ?? mcp[1]}.${mcp[2]}`;
  return `${builtinAlias}.${toolName}`;
}

export type AliasMap = { readonly ok: true; readonly map: ReadonlyMap<string, string> } | { readonly ok: false; readonly error: string };

/** `["filesystem=fs,github=gh", "x=y"]` → a map; never throws. */
export function parseAliasMap(entries: readonly string[]): AliasMap {
  const map = new Map<string, string>();
  for (const entry of entries.flatMap((e) => e.split(","))) {
    const item = entry.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const server = eq < 0 ? "" : item.slice(0, eq).trim();
    const alias = eq < 0 ? "" : item.slice(eq + 1).trim();
    if (server === "" || alias === "") return { ok: false, error: `--alias-map wants SERVER=ALIAS entries, got \`${item}\`` };
    map.set(server, alias);
  }
  return { ok: true, map };
}

export type HookInput =
  | {
      readonly ok: true;
      /** PreToolUse: decide the call; PostToolUse: the call ran (an `ask` the user approved settles). */
      readonly event: "PreToolUse" | "PostToolUse";
      readonly toolName: string;
      readonly toolInput: unknown;
      readonly sessionId?: string;
      readonly toolUseId?: string;
    }
  | { readonly ok: false; readonly error: string };

/** Validates one PreToolUse (or PostToolUse) call; never throws. */
export function parseHookInput(text: string): HookInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `the call on standard input is not JSON: ${errorText(e)}` };
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return { ok: false, error: "the call on standard input must be a JSON object" };
  const c = v as Record<string, unknown>;
  if (c.hook_event_name !== undefined && c.hook_event_name !== "PreToolUse" && c.hook_event_name !== "PostToolUse") {
    return { ok: false, error: `this hook answers PreToolUse (and PostToolUse) calls, not ${JSON.stringify(c.hook_event_name)}` };
  }
  if (typeof c.tool_name !== "string" || c.tool_name === "") return { ok: false, error: "`tool_name` must be a non-empty string" };
  const toolInput = c.tool_input === undefined || c.tool_input === null ? {} : c.tool_input;
  if (typeof toolInput !== "object" || Array.isArray(toolInput)) return { ok: false, error: "`tool_input` must be a JSON object" };
  if (c.session_id !== undefined && typeof c.session_id !== "string") return { ok: false, error: "`session_id` must be a string" };
  return {
    ok: true,
    event: c.hook_event_name === "PostToolUse" ? "PostToolUse" : "PreToolUse",
    toolName: c.tool_name,
    toolInput,
    ...(typeof c.session_id === "string" ? { sessionId: c.session_id } : {}),
    ...(typeof c.tool_use_id === "string" ? { toolUseId: c.tool_use_id } : {}),
  };
}

function readAll(stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > limit) {
        stream.destroy();
        reject(new Error(`more than ${limit} bytes`));
      } else chunks.push(b);
    });
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}
