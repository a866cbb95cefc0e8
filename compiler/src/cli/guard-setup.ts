/**
 * What the long-running and protocol commands (`mcp-proxy`, `serve`, `hook`) share: loading a
 * policy into a running program, the `--context JSON|@FILE` option, the limit store (`--redis`),
 * the audit sink, and the wording of a decision for people and agents.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { MemoryStore, SharedFileAuditSink, type Decision, type LimitStore, type PolicyProgram } from "@agentpolicy/runtime";
import { loadProgram, type Engine } from "../guard-loader.js";
import { checkFile, type CheckedPolicy } from "../program.js";
import { ExitCode, type Io, renderDiagnostics } from "./io.js";

export type LoadedPolicy =
  | { readonly ok: true; readonly policy: CheckedPolicy; readonly program: PolicyProgram }
  | { readonly ok: false; readonly code: number; readonly error: string };

/**
 * Checks `file` and loads its program with `engine`. Diagnostics of a policy with errors go to
 * `io.err` (code 1); an unreadable file is a usage error (code 2). Never throws.
 */
export async function loadPolicyProgram(file: string, engine: Engine, io: Io, command: string): Promise<LoadedPolicy> {
  const loaded = checkFile(resolve(io.cwd, file));
  if (!loaded.ok) {
    io.err(`agentpolicy ${command}: ${loaded.error}`);
    return { ok: false, code: ExitCode.usage, error: loaded.error };
  }
  const policy = loaded.policy;
  if (!policy.ok) {
    io.err(renderDiagnostics(io, policy.diagnostics, policy.source));
    return { ok: false, code: ExitCode.failed, error: `the policy ${file} has errors` };
  }
  try {
    return { ok: true, policy, program: await loadProgram(policy.model, engine) };
  } catch (e) {
    const error = `cannot load the ${engine} guard of ${file}: ${errorText(e)}`;
    io.err(`agentpolicy ${command}: ${error}`);
    return { ok: false, code: ExitCode.failed, error };
  }
}

export type ContextOption = { readonly ok: true; readonly context: unknown } | { readonly ok: false; readonly error: string };

/**
 * `--context JSON` or `--context @FILE` (a JSON file, relative to `cwd`). The value must be a JSON
 * object; absent means no context (the policy's `context` declaration then decides). Never throws.
 */
export function parseContextOption(value: string | undefined, cwd: string): ContextOption {
  if (value === undefined) return { ok: true, context: undefined };
  let text = value;
  if (value.startsWith("@")) {
    const file = resolve(cwd, value.slice(1));
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      return { ok: false, error: `--context: cannot read ${value.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}` };
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `--context is not JSON: ${errorText(e)}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, error: "--context must be a JSON object" };
  }
  return { ok: true, context: parsed };
}

/** The `--redis URL [--redis-prefix P]` options of the commands that keep limits. */
export interface StoreOptions {
  readonly redis?: string;
  readonly redisPrefix?: string;
}

export type OpenedStore = { readonly ok: true; readonly store: LimitStore & { close(): Promise<void> } } | { readonly ok: false; readonly error: string };

/**
 * The limit store of a command: with `--redis URL`, a `RedisStore` (every process given the same
 * URL and prefix shares one set of limits and session labels; it connects on first use, and a
 * Redis that cannot be reached makes each decision a deny naming Redis); else a `MemoryStore` of
 * this process. A URL that is not `redis://` or `rediss://`, or a missing `redis` package, is an
 * error to report as a usage error. Never throws.
 */
export async function openStore(options: StoreOptions): Promise<OpenedStore> {
  if (options.redis === undefined) {
    if (options.redisPrefix !== undefined) return { ok: false, error: "--redis-prefix goes with --redis" };
    return { ok: true, store: new MemoryStore() };
  }
  let url: URL;
  try {
    url = new URL(options.redis);
  } catch {
    return { ok: false, error: `--redis ${options.redis} is not a URL (redis://HOST:PORT or rediss://...)` };
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") return { ok: false, error: `--redis wants a redis:// or rediss:// URL, not ${url.protocol}//` };
  try {
    await import("redis");
  } catch {
    return { ok: false, error: "--redis needs the `redis` package (npm install redis)" };
  }
  const { RedisStore } = await import("@agentpolicy/runtime/redis");
  return { ok: true, store: new RedisStore({ url: options.redis, ...(options.redisPrefix === undefined ? {} : { prefix: options.redisPrefix }) }) };
}

/** A hash-chained JSON Lines audit sink at `file` (relative to `cwd`) that several processes may share (they take turns through `FILE.lock`), or none. */
export function openAudit(file: string | undefined, cwd: string): SharedFileAuditSink | undefined {
  return file === undefined ? undefined : new SharedFileAuditSink(resolve(cwd, file));
}

/** Exactly the fields of a decision line, in the order TOOLCHAIN.md shows them (`eval`, `serve`). */
export function decisionLine(d: Decision): Record<string, unknown> {
  return {
    effect: d.effect,
    rules: d.rules,
    reasons: d.reasons,
    limit: d.limit,
    errors: d.errors,
    policy: d.policy,
    policyHash: d.policyHash,
  };
}

/**
 * One sentence for a person or a model: what happened to the call, by which rule(s), and why.
 * e.g. "denied `create_purchase_order` by policy `inventory` (rule `no-purchases`): inventory-reader is read-only"
 */
export function describeDecision(decision: Decision, tool: string): string {
  const verb = decision.effect === "allow" ? "allowed" : decision.effect === "deny" ? "denied" : "review needed for";
  const rules = decision.rules.map((r) => `\`${r}\``).join(", ");
  const ruleWord = decision.rules.length === 1 ? "rule" : "rules";
  const policy = decision.policy === "" ? "the policy" : `policy \`${decision.policy}\``;
  const why = reasonText(decision);
  return `${verb} \`${tool}\` by ${policy} (${ruleWord} ${rules})${why === "" ? "" : `: ${why}`}`;
}

/** The reasons of a decision joined, with a fixed text for a call that no rule allowed. */
export function reasonText(decision: Decision): string {
  const reasons = [...decision.reasons];
  if (reasons.length === 0 && decision.rules.length === 1 && decision.rules[0] === "default") {
    reasons.push(decision.effect === "allow" ? "the policy allows what no rule mentions" : "no rule allows this call");
  }
  for (const e of decision.errors) reasons.push(`rule \`${e.rule}\` failed: ${e.message}`);
  return reasons.join("; ");
}

/** A message for any thrown value; never throws. */
export function errorText(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "unprintable error";
  }
}
