/**
 * A policy's whole suite: its `test` blocks, then its invariants, against one guard program.
 * Shared by `agentpolicy test` and the vitest helper.
 */
import type { PolicyProgram } from "@agentpolicy/runtime";
import { loadProgram, type Engine } from "../guard-loader.js";
import type { PolicyModel } from "../semantic/model.js";
import { checkInvariant, DEFAULT_RUNS, defaultSeed } from "./invariants.js";
import { collectLiterals } from "./literals.js";
import type { SuiteResult } from "./report.js";
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
