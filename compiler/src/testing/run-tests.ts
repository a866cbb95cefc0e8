/**
 * `test` blocks (LANGUAGE.md §10, §12 "Invariants and tests"), run against a guard.
 *
 * Each block: a fresh `MemoryStore`, one session (the default session `""`), a fixed clock;
 * its `expect`s are decided in order through `createGuard`, so limits and labels carry from
 * one `expect` to the next. An `expect` without `with` sends `{}` as the context. It passes
 * when the effect is the expected one and, when a rule id is given, that id is among the
 * decision's rules (a rule or limit id, `default`, `invalid_arguments`, `invalid_context`).
 *
 * Contract: never rejects; a record that cannot be folded to a value (only possible on a
 * model the checker rejected) fails its `expect` with the reason.
 */
import { createGuard, MemoryStore, type Decision, type Effect, type PolicyProgram, type ToolRequest } from "@agentpolicy/runtime";
import { foldExpr } from "../semantic/fold.js";
import type { PolicyModel, Value } from "../semantic/model.js";
import type * as ast from "../syntax/ast.js";
import { FIXED_NOW } from "./fresh-guard.js";

export interface ExpectOutcome {
  readonly expect: ast.Expect;
  readonly ok: boolean;
  /** The request sent (null when its records could not be evaluated). */
  readonly request: ToolRequest | null;
  readonly expected: { readonly effect: Effect; readonly rule: string | null };
  /** The guard's decision (null when no request could be built). */
  readonly decision: Decision | null;
  /** Why the request could not be built. */
  readonly problem: string | null;
}

export interface TestBlockResult {
  readonly kind: "test";
  readonly name: string;
  readonly file: string;
  readonly span: ast.Span;
  readonly ok: boolean;
  readonly expects: readonly ExpectOutcome[];
}

/** Runs one `test` block in a fresh store. */
export async function runTestBlock(model: PolicyModel, program: PolicyProgram, test: ast.TestDecl): Promise<TestBlockResult> {
  const guard = createGuard(program, { store: new MemoryStore(), clock: () => FIXED_NOW });
  const outcomes: ExpectOutcome[] = [];
  for (const x of test.expects ?? []) {
    if (!x) continue;
    const expected = { effect: x.effect?.effect ?? "deny", rule: x.ruleId?.value ?? null };
    const built = requestOf(model, x);
    if (!built.ok) {
      outcomes.push({ expect: x, ok: false, request: null, expected, decision: null, problem: built.problem });
      continue;
    }
    const decision = await guard.decide(built.request);
    const ok = decision.effect === expected.effect && (expected.rule === null || decision.rules.includes(expected.rule));
    outcomes.push({ expect: x, ok, request: built.request, expected, decision, problem: null });
  }
  return {
    kind: "test",
    name: test.name?.value ?? "",
    file: model.file,
    span: test.span,
    ok: outcomes.every((o) => o.ok),
    expects: outcomes,
  };
}

/** Runs every `test` block of a policy, in source order. */
export async function runTestBlocks(model: PolicyModel, program: PolicyProgram): Promise<TestBlockResult[]> {
  const out: TestBlockResult[] = [];
  for (const t of model.tests) out.push(await runTestBlock(model, program, t));
  return out;
}

type Built = { readonly ok: true; readonly request: ToolRequest } | { readonly ok: false; readonly problem: string };

/** The request of one `expect`: `{ agent, tool: "ALIAS.TOOL", args, context }` (context `{}` without `with`). */
export function requestOf(model: PolicyModel, x: ast.Expect): Built {
  const alias = x.tool?.alias?.name;
  const tool = x.tool?.tool?.name;
  if (typeof alias !== "string" || typeof tool !== "string") return { ok: false, problem: "the expect does not name one tool" };
  const lookup = (name: string): Value | undefined => model.consts.get(name)?.value;
  const args = x.args ? foldExpr(x.args, lookup) : ({ ok: true, value: {} } as const);
  if (!args.ok) return { ok: false, problem: `its arguments cannot be evaluated: ${args.message}` };
  const ctx = x.context ? foldExpr(x.context, lookup) : ({ ok: true, value: {} } as const);
  if (!ctx.ok) return { ok: false, problem: `its context cannot be evaluated: ${ctx.message}` };
  return { ok: true, request: { agent: x.agent?.value ?? "", tool: `${alias}.${tool}`, args: args.value, context: ctx.value, at: FIXED_NOW } };
}
