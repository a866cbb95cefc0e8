/**
 * `agentpolicy test FILE... [--runs N] [--seed S] [--format text|json]`
 *
 * Runs each policy's `test` blocks and checks its invariants with fast-check, against the
 * compiled guard. Text: per file a header line, one result line per test block and per
 * invariant (failures with their details), and a closing line `N passed, N failed`.
 * Exit 0 when everything passed, 1 on any failure (a policy with errors counts as one),
 * 2 on bad usage (an unreadable file, a bad `--runs` or `--seed`). Without `--seed` a fresh
 * seed is drawn and printed, so a run can be repeated; with it the output is deterministic.
 */
import pc from "picocolors";
import type { Engine } from "../guard-loader.js";
import { checkFile, type CheckedPolicy } from "../program.js";
import { defaultSeed, DEFAULT_RUNS } from "../testing/invariants.js";
import { closingLine, renderResult, resultJson, type RenderContext, type SuiteResult } from "../testing/report.js";
import { programFor, runSuite } from "../testing/suite.js";
import { displayPath, ExitCode, type Io, renderDiagnostics, styleFor } from "./io.js";

export interface TestOptions {
  readonly runs?: number;
  readonly seed?: number;
  readonly format: "text" | "json";
  /** The program the tests run against: the compiled guard (default) or the reference interpreter. */
  readonly engine?: Engine;
}

export async function runTest(files: string[], options: TestOptions, io: Io): Promise<number> {
  const runs = options.runs ?? DEFAULT_RUNS;
  if (!Number.isSafeInteger(runs) || runs < 1) {
    io.err(`agentpolicy: --runs wants a positive integer, got \`${String(options.runs)}\``);
    return ExitCode.usage;
  }
  if (options.seed !== undefined && !(Number.isSafeInteger(options.seed) && Math.abs(options.seed) <= 0x7fffffff)) {
    io.err(`agentpolicy: --seed wants an integer between -2147483647 and 2147483647, got \`${String(options.seed)}\``);
    return ExitCode.usage;
  }
  const seed = options.seed ?? defaultSeed();
  const json = options.format === "json";
  const checked: CheckedPolicy[] = [];
  const source = (file: string): string | undefined => {
    for (const c of checked) {
      const t = c.source(file);
      if (t !== undefined) return t;
    }
    return undefined;
  };
  const ctx: RenderContext = { source, path: displayPath(io), style: styleFor(io), pass: io.color ? pc.green : undefined };

  let unreadable = false;
  let broken = 0;
  const all: SuiteResult[] = [];
  const jsonFiles: Record<string, unknown>[] = [];
  for (const file of files) {
    const loaded = checkFile(file);
    if (!loaded.ok) {
      io.err(`agentpolicy: ${loaded.error}`);
      unreadable = true;
      continue;
    }
    const policy = loaded.policy;
    checked.push(policy);
    const shown = displayPath(io)(policy.file);
    if (!policy.ok) {
      broken++;
      const errors = policy.diagnostics.filter((d) => d.severity === "error");
      io.err(renderDiagnostics(io, errors, policy.source));
      if (json) jsonFiles.push({ file: shown, error: "the policy has errors", results: [] });
      else io.out(`${shown}\n  ${ctx.style.red("✗")} the policy has errors; its tests did not run`);
      continue;
    }
    const program = await programFor(policy.model, options.engine ?? "compiled");
    if (!program.ok) {
      broken++;
      io.err(`agentpolicy: ${shown}: ${program.error}`);
      if (json) jsonFiles.push({ file: shown, error: program.error, results: [] });
      else io.out(`${shown}\n  ${ctx.style.red("✗")} ${program.error}`);
      continue;
    }
    const results = await runSuite(policy.model, program.program, { runs, seed });
    all.push(...results);
    if (json) jsonFiles.push({ file: shown, results: results.map((r) => resultJson(r, ctx)) });
    else {
      const header = policy.model.invariants.length > 0 ? `${shown} ${ctx.style.dim(`(seed ${seed}, ${runs} runs per invariant)`)}` : shown;
      const lines = [header, ...results.flatMap((r) => renderResult(r, ctx).map((l) => `  ${l}`))];
      io.out(lines.join("\n"));
    }
  }

  const failed = all.filter((r) => !r.ok).length + broken;
  const passed = all.filter((r) => r.ok).length;
  if (json) io.out(JSON.stringify({ seed, runs, files: jsonFiles, passed, failed }, null, 2));
  else io.out(closingLine(all, broken));
  if (unreadable) return ExitCode.usage;
  return failed > 0 ? ExitCode.failed : ExitCode.ok;
}
