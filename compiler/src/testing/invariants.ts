/**
 * Invariants (LANGUAGE.md §10, §12 "Invariants and tests") checked with fast-check against a
 * guard program (the compiled guard in `agentpolicy test`).
 *
 * The set of an invariant: requests by its agent (every declared agent when none is named;
 * an undeclared agent when none is declared) to a tool its selectors cover, with arguments
 * valid for the tool's schema and a context valid for the `context` declaration, for which
 * its `when` holds or errs — in a session carrying any labels and earlier counts, with fresh
 * limits. For each such request the guard's effect must be one of the invariant's effects.
 *
 * Contract: never rejects. Deterministic for a given seed: the same seed gives the same runs,
 * the same counterexample and the same shrinking.
 */
import fc from "fast-check";
import type { Decision, Effect, PolicyProgram, ToolRequest } from "@agentpolicy/runtime";
import { EvalMemo, evaluateCondition, type EvalEnv } from "../interpret/evaluate-expr.js";
import type { PolicyModel } from "../semantic/model.js";
import type * as ast from "../syntax/ast.js";
import { decideFresh } from "./fresh-guard.js";
import { ValueGenerator, isValidFor, requestArbitrary, sessionViewOf, type GeneratedRequest, type RequestSpace, type SessionSample } from "./generators.js";
import { collectLiterals, type LiteralPool } from "./literals.js";
import { callText, expectLine, policyString, policyToolName } from "./policy-values.js";

/** `agentpolicy test` runs this many requests per invariant unless told otherwise. */
export const DEFAULT_RUNS = 1000;

export interface InvariantOptions {
  readonly runs?: number;
  readonly seed?: number;
}

export interface Counterexample {
  /** The shrunk request (with `context` when the policy declares one). */
  readonly request: ToolRequest;
  readonly session: SessionSample;
  /** What the guard decided for it. */
  readonly decision: Decision;
  /** The request as an `expect` line writes it: `agent "A" calls T(ARGS) [with CTX]`. */
  readonly call: string;
  /** A ready-to-paste `expect` line expecting the invariant's first effect. */
  readonly expect: string;
  /** Set when the agent is not declared (an `expect` must name a declared agent). */
  readonly agentNote: string | null;
  /** The session the request needs, when it is not a fresh one (an `expect` cannot say so). */
  readonly sessionNote: string | null;
  readonly shrinks: number;
}

export interface InvariantResult {
  readonly kind: "invariant";
  readonly name: string;
  readonly file: string;
  readonly span: ast.Span;
  readonly ok: boolean;
  readonly effects: readonly Effect[];
  /** Requests generated (runs, before shrinking). */
  readonly runs: number;
  /** Generated requests that were in the invariant's set. */
  readonly inSet: number;
  readonly seed: number;
  readonly counterexample: Counterexample | null;
  /** A failure that is not a counterexample (an internal error). */
  readonly error: string | null;
}

/** The agent a request comes from when the policy declares none. */
export const UNDECLARED_AGENT = "any-agent";

/** Qualified names of the tools some selector covers, in declaration order. */
export function selectorTools(model: PolicyModel, selectors: readonly ast.ToolSelector[]): string[] {
  const out = new Set<string>();
  for (const sel of selectors) {
    if (!sel) continue;
    for (const [q, t] of model.tools) {
      if (sel.alias === null) out.add(q);
      else if (sel.alias.name === t.alias && (sel.tool === null || sel.tool.name === t.name)) out.add(q);
    }
  }
  return [...model.tools.keys()].filter((q) => out.has(q));
}

/** The agents an invariant is about. */
export function invariantAgents(model: PolicyModel, inv: ast.Invariant): string[] {
  if (inv.agent && typeof inv.agent.value === "string") return [inv.agent.value];
  const declared = [...model.agents.keys()];
  return declared.length > 0 ? declared : [UNDECLARED_AGENT];
}

/** The request space of a policy for some agents and tools. */
export function policySpace(model: PolicyModel, agents: readonly string[], tools: readonly string[]): RequestSpace {
  return {
    agents,
    tools: tools.map((t) => ({ tool: t, schemas: [model.tools.get(t)!.schema] })),
    contextSchemas: model.hasContextDecl ? [model.contextSchema] : [],
    labels: [...model.labels.keys()],
    countTools: [...model.tools.keys()].slice(0, 64),
  };
}

/** Checks one invariant. */
export async function checkInvariant(
  model: PolicyModel,
  program: PolicyProgram,
  inv: ast.Invariant,
  options: InvariantOptions = {},
  pool: LiteralPool = collectLiterals([model]),
): Promise<InvariantResult> {
  const runs = Math.max(1, Math.floor(options.runs ?? DEFAULT_RUNS));
  const seed = options.seed ?? defaultSeed();
  const effects = (inv.effects ?? []).map((e) => e.effect);
  const base = { kind: "invariant" as const, name: inv.name?.name ?? "", file: model.file, span: inv.span, effects, seed };
  const tools = selectorTools(model, inv.selectors ?? []);
  if (tools.length === 0) return { ...base, ok: true, runs: 0, inSet: 0, counterexample: null, error: null };

  const agents = invariantAgents(model, inv);
  const arb = requestArbitrary(new ValueGenerator(pool), policySpace(model, agents, tools), pool);
  const memo = new EvalMemo();
  let inSet = 0;
  let counting = true;

  /** null when outside the set; otherwise the decision and whether it satisfies the invariant. */
  const judge = async (g: GeneratedRequest): Promise<{ decision: Decision; ok: boolean } | null> => {
    const info = model.tools.get(g.request.tool);
    if (info === undefined || !isValidFor(info.schema, g.request.args)) return null;
    if (model.hasContextDecl && !isValidFor(model.contextSchema, g.request.context ?? {})) return null;
    if (inv.when) {
      const env: EvalEnv = {
        model,
        request: { args: g.request.args ?? {}, ctx: model.hasContextDecl ? (g.request.context ?? {}) : {}, tool: info },
        agent: g.request.agent,
        sessionId: g.request.session ?? "",
        session: sessionViewOf(g.session),
        memo,
      };
      const cond = evaluateCondition(inv.when, env);
      // a `when` that errs keeps the request in the set
      if (cond.ok && !cond.value) return null;
    }
    const decision = await decideFresh(program, g.request, g.session);
    return { decision, ok: effects.includes(decision.effect) };
  };

  try {
    const details = await fc.check(
      fc.asyncProperty(arb, async (g) => {
        const j = await judge(g);
        if (j === null) return true;
        if (counting) inSet++;
        if (!j.ok) counting = false;
        return j.ok;
      }),
      { numRuns: runs, seed },
    );
    if (!details.failed) return { ...base, ok: true, runs: details.numRuns, inSet, counterexample: null, error: null };
    const found = details.counterexample?.[0];
    if (found === undefined) {
      const why = details.errorInstance instanceof Error ? details.errorInstance.message : "the check was interrupted";
      return { ...base, ok: false, runs: details.numRuns, inSet, counterexample: null, error: why };
    }
    const again = await judge(found);
    const decision = again?.decision ?? (await decideFresh(program, found.request, found.session));
    const counterexample: Counterexample = {
      request: found.request,
      session: found.session,
      decision,
      call: callText(found.request),
      expect: expectLine(found.request, effects[0] ?? "deny"),
      agentNote: model.agents.has(found.request.agent)
        ? null
        : `the policy declares no agent; this request comes from an undeclared agent, which gets the top-level rules only`,
      sessionNote: sessionNote(found),
      shrinks: details.numShrinks,
    };
    return { ...base, ok: false, runs: details.numRuns, inSet, counterexample, error: null };
  } catch (e) {
    return { ...base, ok: false, runs: 0, inSet, counterexample: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Checks every invariant of a policy, in source order. */
export async function checkInvariants(model: PolicyModel, program: PolicyProgram, options: InvariantOptions = {}): Promise<InvariantResult[]> {
  const pool = collectLiterals([model]);
  const out: InvariantResult[] = [];
  for (const inv of model.invariants) out.push(await checkInvariant(model, program, inv, options, pool));
  return out;
}

/** What an `expect` cannot express about the counterexample's session. */
export function sessionNote(g: GeneratedRequest): string | null {
  const parts: string[] = [];
  if (g.request.session !== undefined && g.request.session !== "") parts.push(`session ${policyString(g.request.session)}`);
  if (g.session.labels.length > 0) parts.push(`carrying ${g.session.labels.map((l) => `label \`${l}\``).join(", ")}`);
  const counts = Object.entries(g.session.counts).filter(([, n]) => n > 0);
  if (counts.length > 0) parts.push(`after ${counts.map(([t, n]) => `${n} allowed call${n === 1 ? "" : "s"} of ${policyToolName(t)}`).join(", ")}`);
  return parts.length > 0 ? `in a session: ${parts.join("; ")}` : null;
}

/** A seed when none is given (printed with the results, so a run can be repeated). */
export function defaultSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
}
