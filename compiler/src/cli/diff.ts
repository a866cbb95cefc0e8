/**
 * `agentpolicy diff OLD NEW [--format text|json] [--fail-on-looser]`
 *
 * Concrete example requests that the two policies decide differently — newly allowed first —
 * grouped by agent and tool, with the deciding rules of each side, then the limits that
 * changed. Both sides run as compiled guards. Exit 0 (differences or not); 1 when a policy
 * has errors, or when `--fail-on-looser` is given and anything became more permissive;
 * 2 when a file cannot be read.
 */
import type { Engine } from "../guard-loader.js";
import { checkFile, type CheckedPolicy } from "../program.js";
import { diffPolicies, type DiffReport, type RequestDifference } from "../testing/diff.js";
import { describeDecision } from "../testing/report.js";
import { programFor } from "../testing/suite.js";
import { displayPath, ExitCode, type Io, renderDiagnostics, styleFor } from "./io.js";

export interface DiffCliOptions {
  readonly format: "text" | "json";
  readonly failOnLooser: boolean;
  /** The programs compared: compiled guards (default) or the reference interpreter. */
  readonly engine?: Engine;
}

export async function runDiff(oldFile: string, newFile: string, options: DiffCliOptions, io: Io): Promise<number> {
  const sides: CheckedPolicy[] = [];
  for (const f of [oldFile, newFile]) {
    const loaded = checkFile(f);
    if (!loaded.ok) {
      io.err(`agentpolicy: ${loaded.error}`);
      return ExitCode.usage;
    }
    sides.push(loaded.policy);
  }
  const [oldPolicy, newPolicy] = sides;
  let broken = false;
  for (const p of sides) {
    if (p.ok) continue;
    broken = true;
    io.err(renderDiagnostics(io, p.diagnostics.filter((d) => d.severity === "error"), p.source));
  }
  if (broken) return ExitCode.failed;
  const oldProgram = await programFor(oldPolicy.model, options.engine ?? "compiled");
  const newProgram = await programFor(newPolicy.model, options.engine ?? "compiled");
  for (const p of [oldProgram, newProgram]) {
    if (!p.ok) {
      io.err(`agentpolicy: ${p.error}`);
      return ExitCode.failed;
    }
  }
  if (!oldProgram.ok || !newProgram.ok) return ExitCode.failed;
  const report = await diffPolicies(oldPolicy.model, newPolicy.model, oldProgram.program, newProgram.program);
  const show = displayPath(io);
  if (options.format === "json") io.out(JSON.stringify(diffJson(report, show(oldPolicy.file), show(newPolicy.file)), null, 2));
  else io.out(renderDiffText(report, show(oldPolicy.file), show(newPolicy.file), io));
  return options.failOnLooser && report.looser ? ExitCode.failed : ExitCode.ok;
}

function agentTitle(d: RequestDifference): string {
  if (!d.declared.old && !d.declared.new) return "an undeclared agent";
  return `agent ${JSON.stringify(d.agent)}`;
}

/** The text report: a summary line, then groups by agent and tool, then limit changes. */
export function renderDiffText(report: DiffReport, oldName: string, newName: string, io: Io): string {
  const style = styleFor(io);
  const looser = report.differences.filter((d) => d.direction === "looser").length;
  const tighter = report.differences.length - looser;
  const lines: string[] = [];
  if (report.differences.length === 0 && report.limits.length === 0) {
    lines.push(`${oldName} → ${newName}: no differences (${report.compared} requests compared)`);
    return lines.join("\n");
  }
  lines.push(
    `${oldName} → ${newName}: ${report.differences.length} change${report.differences.length === 1 ? "" : "s"} in decisions ` +
      `(${looser} more permissive, ${tighter} more restrictive), ${report.limits.length} limit change${report.limits.length === 1 ? "" : "s"} ` +
      `(${report.compared} requests compared)`,
  );
  let group = "";
  for (const d of report.differences) {
    const g = `${agentTitle(d)}, ${d.tool}`;
    if (g !== group) {
      group = g;
      lines.push("", style.bold(g));
    }
    const mark = d.direction === "looser" ? style.red("more permissive") : style.yellow("more restrictive");
    lines.push(`  ${d.old.effect} → ${d.new.effect}  ${mark} (${d.seen} of ${d.of} requests)`);
    lines.push(`    request  ${requestLine(d)}`);
    if (d.sessionNote) lines.push(`             ${style.dim(`// ${d.sessionNote}`)}`);
    lines.push(`    old      ${describeDecision({ ...d.old, errors: [] })}`);
    lines.push(`    new      ${describeDecision({ ...d.new, errors: [] })}`);
  }
  if (report.limits.length > 0) {
    lines.push("", style.bold("limits"));
    for (const l of report.limits) {
      const dir = l.direction === "looser" ? style.red("more permissive") : l.direction === "tighter" ? style.yellow("more restrictive") : style.red("changed both ways");
      const what = l.change === "removed" ? `removed: ${l.old}` : l.change === "added" ? `added: ${l.new}` : `${l.old}  →  ${l.new}`;
      lines.push(`  ${l.id}  ${dir}`, `    ${what}`);
    }
  }
  return lines.join("\n");
}

/** The request as an `eval` request line. */
function requestLine(d: RequestDifference): string {
  return JSON.stringify(d.example);
}

export function diffJson(report: DiffReport, oldName: string, newName: string): Record<string, unknown> {
  return {
    old: oldName,
    new: newName,
    compared: report.compared,
    looser: report.looser,
    differences: report.differences.map((d) => ({
      agent: d.agent,
      declared: d.declared,
      tool: d.tool,
      direction: d.direction,
      old: d.old,
      new: d.new,
      request: d.example,
      session: d.session,
      seen: d.seen,
      of: d.of,
    })),
    limits: report.limits,
  };
}
