/**
 * Checked policy → guard plan: every decision the generated module makes, as plain data
 * (which tools and agents dispatch where, which rule functions exist and in what order they
 * run, which constants are hoisted). `emit-ts.ts` only prints it.
 *
 * INVARIANT: the plan decides exactly like the reference interpreter (interpret/):
 * - the rules of a request are the agent's rules covering the tool (top-level, own block,
 *   ancestors; top-level only for an undeclared agent), each evaluated at most once;
 * - a rule whose condition may err is ALWAYS evaluated (its error is listed whatever wins),
 *   first and in source order, so `errors` comes out in source order;
 * - a rule that cannot err is evaluated only while its effect can still win: deny rules
 *   first; once a deny applies, no review or allow rule that cannot err is run;
 * - a rule is specialized per tool (`tool.*` and the schema of `args` are constants), folded,
 *   and dropped where it can never apply and never err.
 */
import { basename } from "node:path";
import type { Effect, Expr } from "../syntax/ast.js";
import type { JsonSchema, RecordType, ToolInfo } from "../manifest/types.js";
import { limitsForAgent, rulesForAgent, type LimitModel, type PolicyModel, type RuleModel } from "../semantic/model.js";
import { type HoistedValue, Hoister, NameTable, identifier, pascal } from "./hoist.js";
import type { Ex } from "./ir.js";
import { EvalMemo, LOCAL_HELPERS, type LambdaFn, LowerContext, factsAfter, lowerCondition, lowerValue } from "./lower-expr.js";

/** Names the generated module defines itself or imports; nothing generated may reuse them. */
export const FIXED_NAMES = [
  ...LOCAL_HELPERS,
  "evaluate",
  "program",
  "policy",
  "createGuard",
  "createRuntimeGuard",
  "limitsFor",
  "chargesFor",
  "labelsFor",
  "redact",
  "toolsFor",
  "resolveTool",
  "decided",
  "decidedWide",
  "buildVerdict",
  "addError",
  "errorMessage",
  "invalid",
  "keyBy",
  "isRecord",
  "redactPath",
  "usageCost",
  "tokenCount",
  "Rec",
  "Tier",
  "RuleInfo",
  "Context",
  "ToolArgs",
  "ToolName",
  "EMPTY",
  "NO_ERRORS",
  "NO_ANNOTATIONS",
  "NO_LIMITS",
  "NO_STRINGS",
  "PRICES",
  "SENSITIVE",
  "REDACTED",
  "INTERNAL_ERROR",
  "COSTS",
  "DEFAULT_RULE",
  "contextProblems",
  "validate_context",
  "limitKeyError",
  "deepEqual",
  "codePointLength",
  "compileGlob",
  "parseUrl",
  "pathNormalize",
  "pathUnder",
  "pathName",
  "pathExt",
  "sessionHas",
  "sessionCount",
  "limitKey",
  "repeatFingerprint",
  "canonicalJson",
  "EvaluationError",
  "LimitKeyError",
] as const;

export type RootParam = "args" | "ctx" | "request" | "session";
const ROOT_ORDER: readonly RootParam[] = ["args", "ctx", "request", "session"];

export interface PolicyInfo {
  readonly name: string;
  readonly version: string | null;
  readonly hash: string;
  /** The policy file's name (no directories, so output does not depend on the machine). */
  readonly source: string;
}

/** The fixed facts of one rule, shared by every tier that lists it. */
export interface RuleInfoPlan {
  readonly constName: string;
  readonly id: string;
  readonly effect: Effect;
  readonly because: string | null;
  readonly annotations: Readonly<Record<string, string>>;
  /** `file:line` of the rule. */
  readonly where: string;
}

/** A compiled condition: `function NAME(params): boolean`, throwing `EvaluationError` on an evaluation error. */
export interface RuleFnPlan {
  readonly name: string;
  readonly rule: RuleInfoPlan;
  readonly params: readonly RootParam[];
  readonly body: Ex;
  /** The tools this variant serves (when the rule is specialized per tool). */
  readonly tools: readonly string[];
  readonly mayErr: boolean;
  /** The condition as written (`when ... unless ...`), for the comment. */
  readonly source: string;
}

/** A compiled `by` key: `function NAME(params): unknown`. */
export interface KeyFnPlan {
  readonly name: string;
  readonly limitId: string;
  readonly where: string;
  readonly params: readonly RootParam[];
  readonly body: Ex;
  readonly source: string;
}

export interface RuleCall {
  readonly rule: RuleInfoPlan;
  readonly fn: string;
  readonly params: readonly RootParam[];
  /** Bit of the rule in its tier's mask: word `word`, value `1 << bit`. */
  readonly word: number;
  readonly bit: number;
}

export type GroupStep =
  /** A rule that may err: `try { if (fn()) mask |= bit } catch { (deny/review: mask |= bit); errors += }`. */
  | { readonly kind: "try"; readonly call: RuleCall }
  /** A rule that cannot err: `if (fn()) mask |= bit`. */
  | { readonly kind: "if"; readonly call: RuleCall }
  /** `if (mask !== 0) return decided(tier, mask, errors)`; `certain`: the mask is known non-zero. */
  | { readonly kind: "decide"; readonly effect: Effect; readonly tier: TierPlan; readonly certain: boolean };

export interface TierPlan {
  readonly name: string;
  readonly effect: Effect | "default";
  readonly tool: string;
  readonly rules: readonly RuleInfoPlan[];
  /** Number of 30-bit mask words (1 unless the tier has more than 30 rules). */
  readonly words: number;
}

/** The rules of one tool for a set of agents with the same applicable rules. */
export interface GroupPlan {
  /** Agent ids routed here; empty for the group of every other agent (top-level rules only). */
  readonly agents: readonly string[];
  readonly fnName: string;
  /** Mask bits set before any evaluation (unconditional rules), per effect and word. */
  readonly initial: Readonly<Record<Effect, readonly number[]>>;
  readonly words: Readonly<Record<Effect, number>>;
  readonly steps: readonly GroupStep[];
  /** Some rule may err: an `errors` list is kept. */
  readonly mayErr: boolean;
  /** The verdict when no rule applies. */
  readonly defaultTier: TierPlan;
  /** Parameters the group's rule calls need. */
  readonly params: readonly RootParam[];
  /** The result is fixed (`decided(tier, CONST)` or the default) and nothing can err. */
  readonly summary: string;
}

export interface ToolPlan {
  readonly qualified: string;
  readonly alias: string;
  readonly name: string;
  readonly info: ToolInfo;
  readonly argsType: string;
  readonly validator: string;
  readonly schema: JsonSchema;
  readonly fnName: string;
  readonly groups: readonly GroupPlan[];
  readonly otherAgents: GroupPlan;
  readonly defaultTier: TierPlan;
  readonly labels: readonly string[];
  readonly sensitivePaths: readonly (readonly string[])[];
}

export interface LimitInfoPlan {
  readonly id: string;
  readonly kind: "calls" | "tokens" | "cost" | "repeats";
  readonly window: number | "session" | null;
  readonly max: number;
}

/** One limit as it applies to the requests of a group of agents. */
export interface LimitUse {
  readonly limit: LimitInfoPlan;
  readonly where: string;
  /** `calls`: the tools it counts; null: every call. */
  readonly tools: readonly string[] | null;
  /** The compiled `by` key per tool (one variant when the key does not depend on the tool), or null for the agent key. */
  readonly by: { readonly source: string; readonly variants: readonly { readonly fn: string; readonly params: readonly RootParam[]; readonly tools: readonly string[] }[] } | null;
}

/** The limits of a group of agents with the same limits. */
export interface LimitsGroupPlan {
  readonly agents: readonly string[];
  readonly fnName: string;
  readonly uses: readonly LimitUse[];
}

export interface ChargeUse {
  readonly limit: LimitInfoPlan & { readonly kind: "tokens" | "cost"; readonly window: number | "session" };
  readonly by: { readonly fn: string; readonly params: readonly RootParam[] } | null;
}

export interface GuardPlan {
  readonly policy: PolicyInfo;
  readonly defaultEffect: "allow" | "deny";
  readonly hasContextDecl: boolean;
  readonly context: RecordType;
  readonly contextSchema: JsonSchema;
  readonly tools: readonly ToolPlan[];
  /** Every text a request may name a tool by (qualified names and unique bare names), with its tool. */
  readonly toolNames: readonly { readonly text: string; readonly tool: string }[];
  readonly rules: readonly RuleInfoPlan[];
  readonly ruleFns: readonly RuleFnPlan[];
  readonly keyFns: readonly KeyFnPlan[];
  readonly lambdas: readonly LambdaFn[];
  readonly hoisted: readonly HoistedValue[];
  readonly tiers: readonly TierPlan[];
  readonly limits: { readonly groups: readonly LimitsGroupPlan[]; readonly others: LimitsGroupPlan };
  /** Cost per call in micro-dollars, per tool (for `cost` limits). */
  readonly costs: readonly (readonly [string, number])[];
  readonly charges: { readonly groups: readonly { readonly agents: readonly string[]; readonly uses: readonly ChargeUse[] }[]; readonly others: readonly ChargeUse[] };
  readonly toolsFor: { readonly groups: readonly { readonly agents: readonly string[]; readonly tools: readonly string[] }[]; readonly others: readonly string[] };
  readonly prices: readonly (readonly [string, { readonly input: number; readonly output: number }])[];
  /** Names of the local helpers and runtime imports the code uses. */
  readonly names: NameTable;
}

export const DEFAULT_RULE_ID = "default";

/** Builds the plan. Never throws for a complete model. */
export function planGuard(model: PolicyModel): GuardPlan {
  return new Planner(model).run();
}

interface RuleVariant {
  readonly status: "never" | "always" | "cond";
  readonly fn: string | null;
  readonly params: readonly RootParam[];
  readonly mayErr: boolean;
}

class Planner {
  private readonly names = new NameTable();
  private readonly hoist = new Hoister(this.names);
  private readonly memo = new EvalMemo();
  private readonly file: string;
  private readonly ruleInfos = new Map<RuleModel, RuleInfoPlan>();
  private readonly ruleBases = new Map<RuleModel, string>();
  private readonly ruleFns: RuleFnPlan[] = [];
  private readonly ruleVariants = new Map<RuleModel, { sig: string; fn: RuleFnPlan; lambdas: LambdaFn[] }[]>();
  private readonly variantByRuleTool = new Map<string, RuleVariant>();
  private readonly keyFns: KeyFnPlan[] = [];
  private readonly keyVariants = new Map<string, { sig: string; fn: KeyFnPlan }[]>();
  private readonly keyFnCache = new Map<string, { fn: string; params: readonly RootParam[] }>();
  private readonly lambdas: LambdaFn[] = [];
  private readonly tiers: TierPlan[] = [];
  private readonly tierByKey = new Map<string, TierPlan>();
  private readonly usedRuleInfos = new Set<RuleInfoPlan>();

  constructor(private readonly model: PolicyModel) {
    this.names.reserve(...FIXED_NAMES);
    this.file = basename(model.file);
  }

  run(): GuardPlan {
    const m = this.model;
    const argsTypes = new NameTable();
    argsTypes.reserve("Context", "ToolArgs", "ToolName", "Rec", "Tier", "RuleInfo");
    const tools: ToolPlan[] = [];
    for (const info of m.tools.values()) {
      const ident = identifier(info.qualified);
      tools.push(this.planTool(info, ident, argsTypes.unique(`${pascal(info.alias)}${pascal(info.name)}Args`)));
    }
    return {
      policy: { name: m.name, version: m.version, hash: m.hash, source: this.file },
      defaultEffect: m.defaultEffect,
      hasContextDecl: m.hasContextDecl,
      context: m.context,
      contextSchema: m.contextSchema,
      tools,
      toolNames: this.toolNames(),
      rules: [...this.ruleInfos.values()].filter((r) => this.usedRuleInfos.has(r)),
      ruleFns: this.ruleFns,
      keyFns: this.keyFns,
      lambdas: this.lambdas,
      hoisted: this.hoist.values,
      tiers: this.tiers,
      limits: this.planLimits(),
      costs: [...m.costs.entries()],
      charges: this.planCharges(),
      toolsFor: this.planToolsFor(),
      prices: [...m.prices.entries()],
      names: this.names,
    };
  }

  // ------------------------------------------------------------ tools

  private toolNames(): { text: string; tool: string }[] {
    const m = this.model;
    const out: { text: string; tool: string }[] = [];
    for (const q of m.tools.keys()) out.push({ text: q, tool: q });
    for (const [bare, qs] of m.toolsByBareName) {
      if (qs.length !== 1) continue;
      const dot = bare.indexOf(".");
      // `ALIAS.x` always resolves as a qualified name, never as a bare one.
      if (dot > 0 && m.aliases.has(bare.slice(0, dot))) continue;
      if (m.tools.has(bare)) continue;
      out.push({ text: bare, tool: qs[0] });
    }
    return out;
  }

  private planTool(info: ToolInfo, ident: string, argsType: string): ToolPlan {
    const m = this.model;
    const q = info.qualified;
    const defaultTier = this.tier(`${ident}_default`, "default", q, [DEFAULT_INFO]);
    const byKey = new Map<string, GroupPlan>();
    const others = this.planGroup(info, ident, [], m.rules.filter((r) => r.agent === null && r.tools.includes(q)), defaultTier);
    const othersKey = others.key;
    const groups: GroupPlan[] = [];
    for (const agent of m.agents.keys()) {
      const rules = rulesForAgent(m, agent).filter((r) => r.tools.includes(q));
      const key = this.groupKey(info, rules);
      if (key === othersKey) continue;
      const existing = byKey.get(key);
      if (existing !== undefined) {
        (existing.agents as string[]).push(agent);
        continue;
      }
      const g = this.planGroup(info, ident, [agent], rules, defaultTier).plan;
      byKey.set(key, g);
      groups.push(g);
    }
    return {
      qualified: q,
      alias: info.alias,
      name: info.name,
      info,
      argsType,
      validator: this.names.unique(`validate_${ident}`),
      schema: info.schema,
      fnName: this.names.unique(`decide_${ident}`),
      groups,
      otherAgents: others.plan,
      defaultTier,
      labels: [...m.labels.values()].filter((l) => l.tools.includes(q)).map((l) => l.name),
      sensitivePaths: info.sensitivePaths,
    };
  }

  /** Rules of a group that can apply or err, as a key (agents with equal keys share a group). */
  private groupKey(info: ToolInfo, rules: readonly RuleModel[]): string {
    return rules
      .filter((r) => this.variant(r, info).status !== "never")
      .map((r) => r.id)
      .join("\u0000");
  }

  private planGroup(info: ToolInfo, ident: string, agents: string[], rules: readonly RuleModel[], defaultTier: TierPlan): { key: string; plan: GroupPlan } {
    const live = rules.map((r) => ({ rule: r, v: this.variant(r, info) })).filter((x) => x.v.status !== "never");
    const key = live.map((x) => x.rule.id).join("\u0000");
    const hint = agents.length === 0 ? `${ident}_others` : `${ident}_${agents[0]}`;
    const fnName = this.names.unique(`rules_${hint}`);
    const tiers = {} as Record<Effect, TierPlan>;
    const calls = new Map<RuleModel, RuleCall>();
    const initial: Record<Effect, number[]> = { deny: [], review: [], allow: [] };
    const words: Record<Effect, number> = { deny: 0, review: 0, allow: 0 };
    for (const effect of ["deny", "review", "allow"] as const) {
      const of = live.filter((x) => x.rule.effect === effect);
      if (of.length === 0) continue;
      const infos = of.map((x) => this.ruleInfo(x.rule));
      const tier = this.tier(`${hint}_${effect}`, effect, info.qualified, infos);
      tiers[effect] = tier;
      words[effect] = tier.words;
      initial[effect] = new Array<number>(tier.words).fill(0);
      of.forEach((x, i) => {
        const word = Math.floor(i / 30);
        const bit = i % 30;
        if (x.v.status === "always") initial[effect][word] |= 1 << bit;
        else calls.set(x.rule, { rule: this.ruleInfo(x.rule), fn: x.v.fn as string, params: x.v.params, word, bit });
      });
    }
    const steps: GroupStep[] = [];
    let mayErr = false;
    // Rules that may err run first, in source order: their errors are listed whatever wins.
    for (const x of live) {
      const c = calls.get(x.rule);
      if (c !== undefined && x.v.mayErr) {
        steps.push({ kind: "try", call: c });
        mayErr = true;
      }
    }
    for (const effect of ["deny", "review", "allow"] as const) {
      const tier = tiers[effect];
      if (tier === undefined) continue;
      for (const x of live) {
        if (x.rule.effect !== effect) continue;
        const c = calls.get(x.rule);
        if (c !== undefined && !x.v.mayErr) steps.push({ kind: "if", call: c });
      }
      const certain = initial[effect].some((w) => w !== 0);
      steps.push({ kind: "decide", effect, tier, certain });
      if (certain) break;
    }
    const params = new Set<RootParam>();
    for (const c of calls.values()) for (const p of c.params) params.add(p);
    const summary =
      live.length === 0
        ? "no rule covers this tool: the default decides"
        : steps.length === 1 && steps[0].kind === "decide" && steps[0].certain
          ? `always ${steps[0].effect}`
          : "";
    return {
      key,
      plan: { agents, fnName, initial, words, steps, mayErr, defaultTier, params: ROOT_ORDER.filter((p) => params.has(p)), summary },
    };
  }

  private tier(hint: string, effect: Effect | "default", tool: string, rules: RuleInfoPlan[]): TierPlan {
    for (const r of rules) this.usedRuleInfos.add(r);
    const key = [effect, tool, ...rules.map((r) => r.id)].join("\u0000");
    const same = this.tierByKey.get(key);
    if (same !== undefined) return same;
    const t: TierPlan = { name: this.names.unique(hint.toUpperCase()), effect, tool, rules, words: Math.max(1, Math.ceil(rules.length / 30)) };
    this.tiers.push(t);
    this.tierByKey.set(key, t);
    return t;
  }

  // ------------------------------------------------------------ rules

  private ruleInfo(rule: RuleModel): RuleInfoPlan {
    let info = this.ruleInfos.get(rule);
    if (info === undefined) {
      info = {
        constName: this.names.unique(`R_${rule.id}`.toUpperCase()),
        id: rule.id,
        effect: rule.effect,
        because: rule.because,
        annotations: rule.annotations,
        where: this.where(rule.decl.span.start),
      };
      this.ruleInfos.set(rule, info);
    }
    return info;
  }

  private where(offset: number): string {
    const text = this.model.document.text;
    let line = 1;
    for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return `${this.file}:${line}`;
  }

  /** The rule compiled for one tool: dropped, unconditional, or a (shared) condition function. */
  private variant(rule: RuleModel, tool: ToolInfo): RuleVariant {
    const key = `${rule.order}\u0000${tool.qualified}`;
    const cached = this.variantByRuleTool.get(key);
    if (cached !== undefined) return cached;
    const v = this.compileVariant(rule, tool);
    this.variantByRuleTool.set(key, v);
    return v;
  }

  private compileVariant(rule: RuleModel, tool: ToolInfo): RuleVariant {
    let base = this.ruleBases.get(rule);
    if (base === undefined) {
      base = this.names.unique(`rule_${rule.id}`);
      this.ruleBases.set(rule, base);
    }
    const variants = this.ruleVariants.get(rule) ?? [];
    const fnName = variants.length === 0 ? base : `${base}__${identifier(tool.qualified)}`;
    const cx = new LowerContext(this.model, tool, this.hoist, this.names, fnName, this.memo);
    const cond = this.condition(rule.when, rule.unless, cx);
    if (cond.status !== "cond") return { status: cond.status, fn: null, params: [], mayErr: false };
    const params = ROOT_ORDER.filter((p) => cx.uses.has(p));
    const sig = JSON.stringify({ body: cond.body, lambdas: cx.lambdas, params }).split(fnName).join("\u0000FN\u0000");
    for (const old of variants) {
      if (old.sig === sig) {
        (old.fn.tools as string[]).push(tool.qualified);
        return { status: "cond", fn: old.fn.name, params: old.fn.params, mayErr: old.fn.mayErr };
      }
    }
    const fn: RuleFnPlan = {
      name: fnName,
      rule: this.ruleInfo(rule),
      params,
      body: cond.body,
      tools: [tool.qualified],
      mayErr: cond.mayErr,
      source: conditionText(this.model.document.text, rule.when, rule.unless),
    };
    variants.push({ sig, fn, lambdas: cx.lambdas });
    this.ruleVariants.set(rule, variants);
    this.ruleFns.push(fn);
    this.lambdas.push(...cx.lambdas);
    return { status: "cond", fn: fn.name, params, mayErr: cond.mayErr };
  }

  /** `when W unless U` as one boolean IR: `W && !U`, folded. */
  private condition(when: Expr | null, unless: Expr | null, cx: LowerContext): { status: "never" | "always" | "cond"; body: Ex; mayErr: boolean } {
    const w = when === null ? null : lowerCondition(when, cx);
    const wc = w !== null && w.ex.k === "lit" ? w.ex.value : w === null ? true : undefined;
    if (wc === false) return { status: "never", body: { k: "lit", value: false }, mayErr: false };
    const u = unless === null ? null : lowerCondition(unless, cx, when === null ? undefined : factsAfter(when, true, cx));
    const uc = u !== null && u.ex.k === "lit" ? u.ex.value : u === null ? false : undefined;
    if (uc === true && (w === null || !w.err)) return { status: "never", body: { k: "lit", value: false }, mayErr: false };
    if (wc === true && uc === false) return { status: "always", body: { k: "lit", value: true }, mayErr: false };
    const notU: Ex | null = uc === false ? null : { k: "not", x: (u as { ex: Ex }).ex };
    const body: Ex = wc === true ? (notU as Ex) : notU === null ? (w as { ex: Ex }).ex : { k: "bin", op: "&&", l: (w as { ex: Ex }).ex, r: notU, ts: "boolean" };
    return { status: "cond", body, mayErr: (w?.err ?? false) || (u?.err ?? false) };
  }

  // ------------------------------------------------------------ limits

  private planLimits(): GuardPlan["limits"] {
    const m = this.model;
    const usesOf = (limits: readonly LimitModel[]): LimitUse[] =>
      limits.map((l) => {
        const tools = l.kind === "calls" ? l.tools : null;
        let by: LimitUse["by"] = null;
        if (l.by !== null) {
          const variants: { fn: string; params: readonly RootParam[]; tools: string[] }[] = [];
          for (const q of tools ?? [...m.tools.keys()]) {
            const info = m.tools.get(q);
            if (info === undefined) continue;
            const k = this.keyFn(l, info);
            const same = variants.find((v) => v.fn === k.fn);
            if (same !== undefined) same.tools.push(q);
            else variants.push({ fn: k.fn, params: k.params, tools: [q] });
          }
          by = { source: m.document.text.slice(l.by.span.start, l.by.span.end).replace(/\s+/g, " "), variants };
        }
        return { limit: limitInfo(l), where: this.where(l.decl.span.start), tools, by };
      });
    const key = (uses: readonly LimitUse[]) => uses.map((u) => u.limit.id).join("\u0000");
    const others: LimitsGroupPlan = { agents: [], fnName: this.names.unique("limits_others"), uses: usesOf(m.limits.filter((l) => l.agent === null)) };
    const groups: LimitsGroupPlan[] = [];
    for (const agent of m.agents.keys()) {
      const uses = usesOf(limitsForAgent(m, agent));
      if (key(uses) === key(others.uses)) continue;
      const g = groups.find((x) => key(x.uses) === key(uses));
      if (g !== undefined) (g.agents as string[]).push(agent);
      else groups.push({ agents: [agent], fnName: this.names.unique(`limits_${agent}`), uses });
    }
    return { groups, others };
  }

  /** The `by` key of a limit compiled for one tool (null tool: a usage report, no request). */
  private keyFn(limit: LimitModel, tool: ToolInfo | null): { fn: string; params: readonly RootParam[] } {
    const cacheKey = `${limit.order}\u0000${tool === null ? "" : tool.qualified}`;
    const cached = this.keyFnCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const made = this.makeKeyFn(limit, tool);
    this.keyFnCache.set(cacheKey, made);
    return made;
  }

  private makeKeyFn(limit: LimitModel, tool: ToolInfo | null): { fn: string; params: readonly RootParam[] } {
    const by = limit.by as Expr;
    const idKey = limit.id;
    const variants = this.keyVariants.get(idKey) ?? [];
    const base = variants.length === 0 ? this.names.unique(`key_${limit.id}`) : `${variants[0].fn.name}__${tool === null ? "usage" : identifier(tool.qualified)}`;
    const cx = new LowerContext(this.model, tool, this.hoist, this.names, base, this.memo);
    const v = lowerValue(by, cx);
    const body: Ex =
      v.info.kind === "value" || v.info.kind === "never"
        ? v.ex
        : { k: "call", fn: "raise", args: [{ k: "lit", value: `the \`by\` key of limit \`${limit.id}\` is not a value` }], ts: "never" };
    const params = ROOT_ORDER.filter((p) => cx.uses.has(p));
    const sig = JSON.stringify({ body, lambdas: cx.lambdas, params }).split(base).join("\u0000FN\u0000");
    for (const old of variants) if (old.sig === sig) return { fn: old.fn.name, params: old.fn.params };
    const fn: KeyFnPlan = {
      name: base,
      limitId: limit.id,
      where: this.where(limit.decl.span.start),
      params,
      body,
      source: this.model.document.text.slice(by.span.start, by.span.end),
    };
    variants.push({ sig, fn });
    this.keyVariants.set(idKey, variants);
    this.keyFns.push(fn);
    this.lambdas.push(...cx.lambdas);
    return { fn: fn.name, params };
  }

  private planCharges(): GuardPlan["charges"] {
    const m = this.model;
    const usesFor = (limits: readonly LimitModel[]): ChargeUse[] =>
      limits
        .filter((l) => (l.kind === "tokens" || l.kind === "cost") && l.window !== null)
        .map((l) => ({
          limit: limitInfo(l) as ChargeUse["limit"],
          by: l.by === null ? null : this.keyFn(l, null),
        }));
    const others = usesFor(m.limits.filter((l) => l.agent === null));
    const key = (u: readonly ChargeUse[]) => u.map((x) => x.limit.id).join("\u0000");
    const groups: { agents: string[]; uses: ChargeUse[] }[] = [];
    for (const agent of m.agents.keys()) {
      const uses = usesFor(limitsForAgent(m, agent));
      if (key(uses) === key(others)) continue;
      const g = groups.find((x) => key(x.uses) === key(uses));
      if (g !== undefined) g.agents.push(agent);
      else groups.push({ agents: [agent], uses });
    }
    return { groups, others };
  }

  /** As the interpreter's `toolsFor`: tools some allow/review rule covers (all with `default allow`), minus unconditional denies. */
  private planToolsFor(): GuardPlan["toolsFor"] {
    const m = this.model;
    const compute = (rules: readonly RuleModel[]): string[] => {
      const denied = new Set(rules.filter((r) => r.effect === "deny" && r.when === null && r.unless === null).flatMap((r) => r.tools));
      const reachable = new Set(m.defaultEffect === "allow" ? [...m.tools.keys()] : rules.filter((r) => r.effect !== "deny").flatMap((r) => r.tools));
      return [...m.tools.keys()].filter((t) => reachable.has(t) && !denied.has(t));
    };
    const others = compute(m.rules.filter((r) => r.agent === null));
    const groups: { agents: string[]; tools: string[] }[] = [];
    for (const agent of m.agents.keys()) {
      const tools = compute(rulesForAgent(m, agent));
      if (tools.join("\u0000") === others.join("\u0000")) continue;
      const g = groups.find((x) => x.tools.join("\u0000") === tools.join("\u0000"));
      if (g !== undefined) g.agents.push(agent);
      else groups.push({ agents: [agent], tools });
    }
    return { groups, others };
  }
}

const DEFAULT_INFO: RuleInfoPlan = { constName: "DEFAULT_RULE", id: DEFAULT_RULE_ID, effect: "deny", because: null, annotations: {}, where: "" };

function limitInfo(l: LimitModel): LimitInfoPlan {
  return { id: l.id, kind: l.kind, window: l.window, max: l.max };
}

function conditionText(text: string, when: Expr | null, unless: Expr | null): string {
  const part = (kw: string, e: Expr | null) => (e === null ? "" : `${kw} ${text.slice(e.span.start, e.span.end).replace(/\s+/g, " ")}`);
  return [part("when", when), part("unless", unless)].filter((s) => s !== "").join(" ");
}
