/**
 * A policy's whole suite: its `test` blocks, then its invariants, against one guard program —
 * as results (`runSuite`, for `agentpolicy test`) or as named runnable cases (`policySuite`,
 * for the vitest helper and any other test framework).
 */
import type { PolicyProgram } from "@agentpolicy/runtime";
import { formatDiagnosticText, plainStyle } from "../diagnostics/format.js";
import { loadProgram, type Engine } from "../guard-loader.js";
import { checkFile } from "../program.js";
import type { PolicyModel } from "../semantic/model.js";
import { checkInvariant, DEFAULT_RUNS, defaultSeed } from "./invariants.js";
import { collectLiterals } from "./literals.js";
import { renderResult, type RenderContext, type SuiteResult } from "./report.js";
import { runTestBlock } from "./run-tests.js";

export interface SuiteOptions {
  /** Requests per invariant (default 1000). */
  readonly runs?: number;
  /** fast-check seed (default: a fresh one, reported with each invariant result). */
  readonly seed?: number;
}

/** Runs every `test` block (source order), then every invariant (source order). Never rejects. */
export async function runSuite(model: PolicyModel, program: PolicyProgram, options: SuiteOptions = {}): Promise<SuiteResult[]> {
  const results: SuiteResult[] = [];
  for (const t of model.tests) results.push(await runTestBlock(model, program, t));
  const seed = options.seed ?? defaultSeed();
  const pool = collectLiterals([model]);
  for (const inv of model.invariants) results.push(await checkInvariant(model, program, inv, { runs: options.runs ?? DEFAULT_RUNS, seed }, pool));
  return results;
}

export type ProgramResult = { readonly ok: true; readonly program: PolicyProgram } | { readonly ok: false; readonly error: string };

/** The guard program of a checked model; the compiled guard unless told otherwise. Never rejects. */
export async function programFor(model: PolicyModel, engine: Engine = "compiled"): Promise<ProgramResult> {
  try {
    return { ok: true, program: await loadProgram(model, engine) };
  } catch (e) {
    return { ok: false, error: `the ${engine === "compiled" ? "compiled guard" : "interpreter"} could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** One runnable case of a policy: a `test` block or an invariant (or the policy's errors). */
export interface PolicyCase {
  /** `test "NAME"`, `invariant NAME`, or `checks without errors`. */
  readonly name: string;
  /** Resolves when the case passes; rejects with the text `agentpolicy test` prints for its failure. */
  run(): Promise<void>;
}

export interface PolicySuite {
  /** `policy NAME (FILE)`, or the file when the policy has no name. */
  readonly title: string;
  /** Loads the guard program; run once before the cases. Never rejects. */
  setup(): Promise<void>;
  readonly cases: readonly PolicyCase[];
}

export interface PolicySuiteOptions extends SuiteOptions {
  /** `compiled` (default) or `interpreter`. */
  readonly engine?: Engine;
}

/**
 * The cases of the policy at `file`, for a test framework: the policy is checked now (so the
 * cases can be named), the program is loaded by `setup`. A file that cannot be read or a policy
 * with errors gives one failing case that says why.
 */
export function policySuite(file: string, options: PolicySuiteOptions = {}): PolicySuite {
  const loaded = checkFile(file);
  if (!loaded.ok) return { title: file, setup: async () => {}, cases: [failing("can be read", loaded.error)] };
  const policy = loaded.policy;
  const model = policy.model;
  const title = model.name ? `policy ${model.name} (${file})` : file;
  if (!policy.ok) {
    const text = policy.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => formatDiagnosticText(d, (f) => policy.source(f)))
      .join("\n\n");
    return { title, setup: async () => {}, cases: [failing("checks without errors", text)] };
  }
  const ctx: RenderContext = { source: (f) => policy.source(f), path: (f) => f, style: plainStyle };
  let program: PolicyProgram | null = null;
  let loadError = "the guard was not loaded (setup did not run)";
  const ready = (): PolicyProgram => {
    if (program === null) throw new Error(loadError);
    return program;
  };
  const seed = options.seed ?? defaultSeed();
  const runs = options.runs ?? DEFAULT_RUNS;
  const pool = collectLiterals([model]);
  const cases: PolicyCase[] = [
    ...model.tests.map((t) => ({
      name: `test ${JSON.stringify(t.name?.value ?? "")}`,
      run: async () => {
        const r = await runTestBlock(model, ready(), t);
        if (!r.ok) throw new Error(renderResult(r, ctx).join("\n"));
      },
    })),
    ...model.invariants.map((inv) => ({
      name: `invariant ${inv.name?.name ?? ""}`,
      run: async () => {
        const r = await checkInvariant(model, ready(), inv, { runs, seed }, pool);
        if (!r.ok) throw new Error(renderResult(r, ctx).join("\n"));
      },
    })),
  ];
  return {
    title,
    setup: async () => {
      const p = await programFor(model, options.engine ?? "compiled");
      if (p.ok) program = p.program;
      else loadError = p.error;
    },
    cases,
  };
}

function failing(name: string, message: string): PolicyCase {
  return { name, run: () => Promise.reject(new Error(message)) };
}
