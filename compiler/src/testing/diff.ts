/**
 * Semantic diff of two policies (TOOLCHAIN.md `agentpolicy diff`): which requests the new
 * policy decides differently from the old one, found by generating requests for both — the
 * generators of the invariants, over the agents, tools, contexts and labels of both sides,
 * seeded with the literals of both — plus the `expect` requests of both policies' tests.
 *
 * Every request is decided by both guards with fresh limits (fresh-guard.ts). A difference is
 * a change of effect; it is *looser* when the new effect is more permissive (deny < review <
 * allow). Differences are grouped by agent, tool and the deciding rules of each side; each
 * group keeps one concrete request, shrunk by fast-check to a small one. Limits are compared
 * too, by id: a limit removed, raised or given a shorter window is looser.
 *
 * Contract: never rejects; deterministic for a given seed (a fixed one by default), so a
 * policy that was only reformatted reports nothing, every time.
 */
import fc from "fast-check";
import type { Decision, Effect, PolicyProgram, ToolRequest } from "@agentpolicy/runtime";
import type { JsonSchema } from "../manifest/types.js";
import type { LimitModel, PolicyModel } from "../semantic/model.js";
import { decideFresh } from "./fresh-guard.js";
import { ValueGenerator, isValidFor, requestArbitrary, type GeneratedRequest, type RequestSpace, type SessionSample } from "./generators.js";
import { UNDECLARED_AGENT, sessionNote } from "./invariants.js";
import { collectLiterals } from "./literals.js";
import { requestOf } from "./run-tests.js";

export interface DiffOptions {
  /** Generated requests in all (spread over agent × tool pairs); default 4000. */
  readonly runs?: number;
  /** Default: a fixed seed, so the same two files always give the same report. */
  readonly seed?: number;
}

export type Direction = "looser" | "tighter";

export interface DiffSide {
  readonly effect: Effect;
  readonly rules: readonly string[];
  readonly reasons: readonly string[];
}

export interface RequestDifference {
  readonly agent: string;
  /** Whether the agent is declared by the old / new policy (an undeclared one gets top-level rules only). */
  readonly declared: { readonly old: boolean; readonly new: boolean };
  readonly tool: string;
  readonly direction: Direction;
  readonly old: DiffSide;
  readonly new: DiffSide;
  /** One concrete request that shows the change (shrunk when it was generated). */
  readonly example: ToolRequest;
  readonly session: SessionSample;
  readonly sessionNote: string | null;
  /** How many of the requests compared showed this change. */
  readonly seen: number;
  /** How many requests were compared for this agent and tool. */
  readonly of: number;
}

export interface LimitDifference {
  readonly id: string;
  readonly agent: string | null;
  readonly change: "added" | "removed" | "changed";
  /** `mixed` when one bound loosened and another tightened (counted as looser by --fail-on-looser). */
  readonly direction: Direction | "mixed";
  readonly old: string | null;
  readonly new: string | null;
}

export interface DiffReport {
  readonly differences: readonly RequestDifference[];
  readonly limits: readonly LimitDifference[];
  /** Requests compared in all. */
  readonly compared: number;
  /** Anything became more permissive (a looser request or a looser or mixed limit change). */
  readonly looser: boolean;
}

export const DEFAULT_DIFF_RUNS = 4000;
export const DEFAULT_DIFF_SEED = 0x5eed;
const MIN_PER_PAIR = 40;
const MAX_PER_PAIR = 400;
/** Distinct changes kept per agent and tool (the most frequent). */
const MAX_GROUPS_PER_PAIR = 6;

const RANK: Record<Effect, number> = { deny: 0, review: 1, allow: 2 };

interface Transition {
  readonly key: string;
  readonly old: DiffSide;
  readonly new: DiffSide;
}

const side = (d: Decision): DiffSide => ({ effect: d.effect, rules: [...d.rules], reasons: [...d.reasons] });

/** Compares two checked policies through their programs. */
export async function diffPolicies(
  oldModel: PolicyModel,
  newModel: PolicyModel,
  oldProgram: PolicyProgram,
  newProgram: PolicyProgram,
  options: DiffOptions = {},
): Promise<DiffReport> {
  const pool = collectLiterals([oldModel, newModel]);
  const gen = new ValueGenerator(pool);
  const agents = agentsOf(oldModel, newModel);
  const tools = toolsOf(oldModel, newModel);
  const contextSchemas = dedupeSchemas([oldModel, newModel].filter((m) => m.hasContextDecl).map((m) => m.contextSchema));
  const labels = [...new Set([...oldModel.labels.keys(), ...newModel.labels.keys()])];
  const countTools = tools.map((t) => t.tool).slice(0, 64);
  const pairs = agents.length * Math.max(1, tools.length);
  const total = Math.max(1, Math.floor(options.runs ?? DEFAULT_DIFF_RUNS));
  const perPair = Math.min(MAX_PER_PAIR, Math.max(MIN_PER_PAIR, Math.floor(total / pairs)));
  const seed = options.seed ?? DEFAULT_DIFF_SEED;

  const transition = async (g: GeneratedRequest): Promise<Transition | null> => {
    const [a, b] = await Promise.all([decideFresh(oldProgram, g.request, g.session), decideFresh(newProgram, g.request, g.session)]);
    if (a.effect === b.effect) return null;
    return { key: `${a.effect}>${b.effect}|${a.rules.join(",")}|${b.rules.join(",")}`, old: side(a), new: side(b) };
  };
  const plausible = (g: GeneratedRequest, schemas: readonly JsonSchema[]): boolean =>
    schemas.some((s) => isValidFor(s, g.request.args)) && (contextSchemas.length === 0 || contextSchemas.some((s) => isValidFor(s, g.request.context ?? {})));

  const differences: RequestDifference[] = [];
  let compared = 0;
  let pairIndex = 0;
  const fixed = fixedRequests(oldModel, newModel);
  for (const agent of agents) {
    for (const { tool, schemas } of tools) {
      pairIndex++;
      const space: RequestSpace = { agents: [agent], tools: [{ tool, schemas }], contextSchemas, labels, countTools };
      const arb = requestArbitrary(gen, space, pool);
      const pairSeed = (seed + pairIndex * 7919) | 0;
      const groups = new Map<string, { t: Transition; example: GeneratedRequest; seen: number; generated: boolean }>();
      let n = 0;
      const note = (t: Transition | null, g: GeneratedRequest, generated: boolean) => {
        n++;
        if (t === null) return;
        const hit = groups.get(t.key);
        if (hit) hit.seen++;
        else groups.set(t.key, { t, example: g, seen: 1, generated });
      };
      for (const g of fc.sample(arb, { numRuns: perPair, seed: pairSeed })) {
        if (!plausible(g, schemas)) continue;
        note(await transition(g), g, true);
      }
      for (const r of fixed) {
        if (r.agent !== agent || r.tool !== tool) continue;
        const g: GeneratedRequest = { request: r, session: { labels: [], counts: {} } };
        note(await transition(g), g, false);
      }
      compared += n;
      const kept = [...groups.values()].sort((a, b) => b.seen - a.seen).slice(0, MAX_GROUPS_PER_PAIR);
      for (const grp of kept) {
        const example = grp.generated ? await shrinkExample(arb, grp.t.key, pairSeed, perPair, (g) => plausible(g, schemas), transition, grp.example) : grp.example;
        differences.push({
          agent,
          declared: { old: oldModel.agents.has(agent), new: newModel.agents.has(agent) },
          tool,
          direction: RANK[grp.t.new.effect] > RANK[grp.t.old.effect] ? "looser" : "tighter",
          old: grp.t.old,
          new: grp.t.new,
          example: example.request,
          session: example.session,
          sessionNote: sessionNote(example),
          seen: grp.seen,
          of: n,
        });
      }
    }
  }

  const limits = diffLimits(oldModel, newModel);
  return {
    differences: orderDifferences(differences, agents, tools.map((t) => t.tool)),
    limits,
    compared,
    looser: differences.some((d) => d.direction === "looser") || limits.some((l) => l.direction !== "tighter"),
  };
}

/** Finds a small request with the same change, by letting fast-check shrink one. */
async function shrinkExample(
  arb: fc.Arbitrary<GeneratedRequest>,
  key: string,
  seed: number,
  runs: number,
  plausible: (g: GeneratedRequest) => boolean,
  transition: (g: GeneratedRequest) => Promise<Transition | null>,
  fallback: GeneratedRequest,
): Promise<GeneratedRequest> {
  try {
    const details = await fc.check(
      fc.asyncProperty(arb, async (g) => {
        if (!plausible(g)) return true;
        const t = await transition(g);
        return t === null || t.key !== key;
      }),
      { numRuns: runs, seed },
    );
    const found = details.failed ? details.counterexample?.[0] : undefined;
    return found ?? fallback;
  } catch {
    return fallback;
  }
}

/** Newly allowed first; then other looser changes; then tighter ones; agents and tools in policy order. */
function orderDifferences(ds: RequestDifference[], agents: readonly string[], tools: readonly string[]): RequestDifference[] {
  const klass = (d: RequestDifference) => (d.direction === "looser" ? (d.new.effect === "allow" ? 0 : 1) : 2);
  // a group (agent, tool) stands where its most permissive change stands
  const groupClass = new Map<string, number>();
  for (const d of ds) {
    const k = `${d.agent}\u0000${d.tool}`;
    groupClass.set(k, Math.min(groupClass.get(k) ?? 9, klass(d)));
  }
  return [...ds].sort(
    (a, b) =>
      groupClass.get(`${a.agent}\u0000${a.tool}`)! - groupClass.get(`${b.agent}\u0000${b.tool}`)! ||
      agents.indexOf(a.agent) - agents.indexOf(b.agent) ||
      tools.indexOf(a.tool) - tools.indexOf(b.tool) ||
      klass(a) - klass(b) ||
      b.seen - a.seen,
  );
}

/** Declared agents of both sides (old order, then new ones), then one undeclared agent. */
function agentsOf(a: PolicyModel, b: PolicyModel): string[] {
  const declared = [...new Set([...a.agents.keys(), ...b.agents.keys()])];
  let undeclared = UNDECLARED_AGENT;
  for (let i = 2; declared.includes(undeclared); i++) undeclared = `${UNDECLARED_AGENT}-${i}`;
  return [...declared, undeclared];
}

/** Tools of both sides (old order, then new ones), each with its distinct schemas. */
function toolsOf(a: PolicyModel, b: PolicyModel): { tool: string; schemas: JsonSchema[] }[] {
  const names = [...new Set([...a.tools.keys(), ...b.tools.keys()])];
  return names.map((tool) => ({
    tool,
    schemas: dedupeSchemas([a.tools.get(tool)?.schema, b.tools.get(tool)?.schema].filter((s): s is JsonSchema => s !== undefined)),
  }));
}

function dedupeSchemas(schemas: readonly JsonSchema[]): JsonSchema[] {
  const seen = new Set<string>();
  const out: JsonSchema[] = [];
  for (const s of schemas) {
    const k = JSON.stringify(s);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(s);
    }
  }
  return out;
}

/** The `expect` requests of both policies' tests. */
function fixedRequests(a: PolicyModel, b: PolicyModel): ToolRequest[] {
  const out: ToolRequest[] = [];
  for (const m of [a, b])
    for (const t of m.tests)
      for (const x of t.expects ?? []) {
        if (!x) continue;
        const r = requestOf(m, x);
        if (r.ok) {
          const { at: _at, ...request } = r.request;
          out.push(request);
        }
      }
  return out;
}

// ------------------------------------------------------------------------------- limits

/** Limit changes by id. */
export function diffLimits(a: PolicyModel, b: PolicyModel): LimitDifference[] {
  const olds = new Map(a.limits.map((l) => [l.id, l]));
  const news = new Map(b.limits.map((l) => [l.id, l]));
  const out: LimitDifference[] = [];
  for (const [id, o] of olds) {
    const n = news.get(id);
    if (!n) {
      out.push({ id, agent: o.agent, change: "removed", direction: "looser", old: limitText(a, o), new: null });
      continue;
    }
    const dir = compareLimits(a, o, b, n);
    if (dir !== null) out.push({ id, agent: n.agent, change: "changed", direction: dir, old: limitText(a, o), new: limitText(b, n) });
  }
  for (const [id, n] of news) if (!olds.has(id)) out.push({ id, agent: n.agent, change: "added", direction: "tighter", old: null, new: limitText(b, n) });
  return out;
}

/** null when equal in meaning; else which way the new limit moved. */
function compareLimits(am: PolicyModel, a: LimitModel, bm: PolicyModel, b: LimitModel): Direction | "mixed" | null {
  let looser = false;
  let tighter = false;
  if (a.kind !== b.kind) return "mixed";
  if (b.max > a.max) looser = true;
  if (b.max < a.max) tighter = true;
  const w = (x: LimitModel) => (x.window === "session" ? Infinity : (x.window ?? 0));
  if (a.window !== b.window) {
    if (w(b) < w(a)) looser = true;
    else tighter = true;
  }
  const at = new Set(a.tools);
  const bt = new Set(b.tools);
  if ([...at].some((t) => !bt.has(t))) looser = true;
  if ([...bt].some((t) => !at.has(t))) tighter = true;
  if (a.agent !== b.agent) looser = tighter = true;
  const by = (m: PolicyModel, l: LimitModel) => (l.by ? squash(m.document.text.slice(l.by.span.start, l.by.span.end)) : "");
  if (by(am, a) !== by(bm, b)) looser = tighter = true;
  if (!looser && !tighter) return null;
  return looser && tighter ? "mixed" : looser ? "looser" : "tighter";
}

function limitText(m: PolicyModel, l: LimitModel): string {
  const span = l.decl?.span;
  return span ? squash(m.document.text.slice(span.start, span.end)) : l.id;
}

function squash(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
