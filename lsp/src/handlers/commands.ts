/**
 * The server's commands (`workspace/executeCommand`), each on one policy:
 *
 * - `agentpolicy.compile [uri]`: the checked policy → its guard module, written to
 *   `guards/` beside the policy (or the configured folder), as `NAME.guard.ts` (or
 *   `.js` + `.d.ts`). Refuses, writing nothing, when the policy has errors.
 * - `agentpolicy.test [uri]`: the policy's `test` blocks and invariants against its
 *   compiled guard (the reference interpreter when the guard cannot be loaded here).
 *
 * They report through the returned outcome (the server shows it with
 * `window/showMessage` and logs the details); they never throw.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { closingLine, generateGuard, plainRender, programFor, renderResult, runSuite } from "@agentpolicy/compiler";
import type { Snapshot } from "../snapshot.js";

export const COMMANDS = { compile: "agentpolicy.compile", test: "agentpolicy.test" } as const;

export interface CommandSettings {
  /** Output folder for `compile`: absolute, or relative to the policy's folder (default `guards`). */
  readonly outDir?: string;
  readonly emit?: "ts" | "js";
  /** Requests per invariant for `test` (default 1000). */
  readonly runs?: number;
  readonly seed?: number;
}

export interface CommandOutcome {
  readonly ok: boolean;
  /** One line for `window/showMessage`. */
  readonly message: string;
  /** Further lines for the log. */
  readonly details: readonly string[];
  /** Files written (`compile`). */
  readonly files?: readonly string[];
  readonly passed?: number;
  readonly failed?: number;
}

function errorsOf(snapshot: Snapshot): CommandOutcome | null {
  if (snapshot.checked.ok) return null;
  const errors = snapshot.checked.diagnostics.filter((d) => d.severity === "error");
  const first = errors[0];
  const where = first ? snapshot.lines.position(first.span.start) : null;
  return {
    ok: false,
    message: `${name(snapshot)} has ${errors.length} error${errors.length === 1 ? "" : "s"}; fix ${errors.length === 1 ? "it" : "them"} first${first && where ? ` (line ${where.line + 1}: ${first.message})` : ""}.`,
    details: errors.map((d) => {
      const p = snapshot.lines.position(d.span.start);
      return `${snapshot.file}:${p.line + 1}:${p.character + 1}: ${d.code} ${d.message}`;
    }),
  };
}

const name = (snapshot: Snapshot): string => snapshot.file.split(/[\\/]/).pop() ?? snapshot.file;

export async function runCompileCommand(snapshot: Snapshot, settings: CommandSettings = {}): Promise<CommandOutcome> {
  const refused = errorsOf(snapshot);
  if (refused) return refused;
  try {
    const emit = settings.emit === "js" ? "js" : "ts";
    const generated = await generateGuard(snapshot.checked.model, { emit });
    const base = dirname(snapshot.file);
    const outDir = settings.outDir ? (isAbsolute(settings.outDir) ? settings.outDir : resolve(base, settings.outDir)) : join(base, "guards");
    mkdirSync(outDir, { recursive: true });
    const files: string[] = [];
    const write = (file: string, text: string) => {
      writeFileSync(file, text);
      files.push(file);
    };
    if (emit === "js") {
      if (generated.js === undefined || generated.dts === undefined) return { ok: false, message: "The code generator returned no JavaScript.", details: [] };
      write(join(outDir, `${generated.baseName}.js`), generated.js);
      write(join(outDir, `${generated.baseName}.d.ts`), generated.dts);
    } else write(join(outDir, `${generated.baseName}.ts`), generated.ts);
    const shown = files.map((f) => relative(base, f) || f).join(", ");
    return { ok: true, message: `Compiled ${name(snapshot)} → ${shown}`, details: files, files };
  } catch (e) {
    return { ok: false, message: `Compiling ${name(snapshot)} failed: ${e instanceof Error ? e.message : String(e)}`, details: [] };
  }
}

export async function runTestCommand(snapshot: Snapshot, settings: CommandSettings = {}): Promise<CommandOutcome> {
  const refused = errorsOf(snapshot);
  if (refused) return refused;
  const model = snapshot.checked.model;
  if (model.tests.length === 0 && model.invariants.length === 0)
    return { ok: true, message: `${name(snapshot)} has no tests or invariants.`, details: [], passed: 0, failed: 0 };
  try {
    const notes: string[] = [];
    let program = await programFor(model, "compiled");
    if (!program.ok) {
      notes.push(`${program.error}; running against the reference interpreter instead`);
      program = await programFor(model, "interpreter");
      if (!program.ok) return { ok: false, message: `Cannot run the tests of ${name(snapshot)}: ${program.error}`, details: notes };
    }
    const results = await runSuite(model, program.program, { runs: settings.runs, seed: settings.seed });
    const ctx = plainRender((f) => snapshot.checked.source(f));
    const details = [...notes, ...results.flatMap((r) => renderResult(r, ctx))];
    const failed = results.filter((r) => !r.ok).length;
    const passed = results.length - failed;
    const summary = closingLine(results);
    return {
      ok: failed === 0,
      message: `${name(snapshot)}: ${summary}${failed > 0 ? " (details in the agentpolicy output)" : ""}`,
      details,
      passed,
      failed,
    };
  } catch (e) {
    return { ok: false, message: `Running the tests of ${name(snapshot)} failed: ${e instanceof Error ? e.message : String(e)}`, details: [] };
  }
}
