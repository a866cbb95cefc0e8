/**
 * `agentpolicy eval FILE --requests REQ.jsonl [--engine compiled|interpreter] [--now MS]`
 *
 * Prints exactly one decision line per request line, in order; usage lines print
 * nothing; a malformed request line gets an `invalid_request` deny line. Exit 0
 * whatever the effects; a policy with errors prints diagnostics and exits 1.
 */
import { readFileSync } from "node:fs";
import { createGuard, MemoryStore, type ToolRequest, type Usage } from "@agentpolicy/runtime";
import { loadProgram, type Engine } from "../guard-loader.js";
import { checkFile } from "../program.js";
import { decisionLine } from "./guard-setup.js";
import { ExitCode, type Io, renderDiagnostics } from "./io.js";

export interface EvalOptions {
  readonly requests: string;
  readonly engine: Engine;
  readonly now?: number;
}

type Line =
  | {
      readonly kind: "request";
      readonly request: ToolRequest;
      readonly at?: number;
      /** The line's own `approval` member, when it has one (`serve` settles a review with it). */
      readonly approval?: unknown;
    }
  | { readonly kind: "usage"; readonly usage: Usage; readonly at?: number }
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "invalid-usage"; readonly reason: string };

export async function runEval(file: string, options: EvalOptions, io: Io): Promise<number> {
  const loaded = checkFile(file);
  if (!loaded.ok) {
    io.err(`agentpolicy: ${loaded.error}`);
    return ExitCode.usage;
  }
  const policy = loaded.policy;
  if (!policy.ok) {
    io.err(renderDiagnostics(io, policy.diagnostics, policy.source));
    return ExitCode.failed;
  }
  let text: string;
  try {
    text = readFileSync(options.requests, "utf8");
  } catch (e) {
    io.err(`agentpolicy: cannot read ${options.requests}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return ExitCode.usage;
  }
  const program = await loadProgram(policy.model, options.engine);
  // The clock: `--now` at the start, else the first request's `at`, else the wall clock.
  // Time never runs backwards: an earlier `at` counts as the latest seen.
  let now: number | undefined = options.now;
  const clock = (): number => (now ??= Date.now());
  const guard = createGuard(program, { store: new MemoryStore(), clock });
  const meta = { policy: program.policy.name, policyHash: program.policy.hash };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const line = parseLine(lines[i]);
    if (line.kind === "invalid") {
      io.out(JSON.stringify(decisionLine({ effect: "deny", rules: ["invalid_request"], reasons: [line.reason], limit: null, errors: [], ...meta })));
      continue;
    }
    if (line.kind === "invalid-usage") {
      io.err(`agentpolicy eval: line ${i + 1}: ${line.reason}`);
      continue;
    }
    if (line.at !== undefined) now = now === undefined ? line.at : Math.max(now, line.at);
    const at = clock();
    if (line.kind === "usage") await guard.recordUsage({ ...line.usage, at });
    else io.out(JSON.stringify(decisionLine(await guard.decide({ ...line.request, at }))));
  }
  return ExitCode.ok;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Validates one JSON line; never throws. */
export function parseLine(text: string): Line {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { kind: "invalid", reason: `not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(v)) return { kind: "invalid", reason: "a request line must be a JSON object" };
  if (v.at !== undefined && !isTime(v.at)) return { kind: "invalid", reason: "`at` must be a non-negative number of milliseconds" };
  const at = v.at as number | undefined;
  if (Object.hasOwn(v, "usage")) {
    const u = v.usage;
    if (!isRecord(u)) return { kind: "invalid-usage", reason: "`usage` must be an object" };
    if (typeof u.agent !== "string") return { kind: "invalid-usage", reason: "`usage.agent` must be a string" };
    if (!isCount(u.inputTokens) || !isCount(u.outputTokens)) return { kind: "invalid-usage", reason: "`usage.inputTokens` and `usage.outputTokens` must be non-negative integers" };
    if (u.session !== undefined && typeof u.session !== "string") return { kind: "invalid-usage", reason: "`usage.session` must be a string" };
    if (u.model !== undefined && typeof u.model !== "string") return { kind: "invalid-usage", reason: "`usage.model` must be a string" };
    if (u.costUsd !== undefined && !(typeof u.costUsd === "number" && Number.isFinite(u.costUsd) && u.costUsd >= 0)) return { kind: "invalid-usage", reason: "`usage.costUsd` must be a non-negative number" };
    const usage: Usage = {
      agent: u.agent,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      ...(u.session !== undefined ? { session: u.session as string } : {}),
      ...(u.model !== undefined ? { model: u.model as string } : {}),
      ...(u.costUsd !== undefined ? { costUsd: u.costUsd as number } : {}),
    };
    return { kind: "usage", usage, ...(at !== undefined ? { at } : {}) };
  }
  if (typeof v.agent !== "string") return { kind: "invalid", reason: "`agent` must be a string" };
  if (typeof v.tool !== "string") return { kind: "invalid", reason: "`tool` must be a string" };
  if (v.session !== undefined && typeof v.session !== "string") return { kind: "invalid", reason: "`session` must be a string" };
  const request: ToolRequest = {
    agent: v.agent,
    tool: v.tool,
    ...(Object.hasOwn(v, "args") ? { args: v.args } : {}),
    ...(Object.hasOwn(v, "context") ? { context: v.context } : {}),
    ...(v.session !== undefined ? { session: v.session as string } : {}),
  };
  return { kind: "request", request, ...(at !== undefined ? { at } : {}), ...(Object.hasOwn(v, "approval") ? { approval: v.approval } : {}) };
}
