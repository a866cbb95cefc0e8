/**
 * The semantic phase: a parsed document and its loaded manifests in, the checked
 * `PolicyModel` and the diagnostics of LANGUAGE.md §9 out (all but the analyses
 * W_SHADOWED, W_UNREACHABLE and I_UNCOVERED, which run on the model).
 *
 * Order: declarations sorted by kind → duplicates → names (binder) → manifest problems
 * → `context` → agents → rule ids → consts → labels, costs, prices, default → rules and
 * limits → invariants → tests → model.
 *
 * INVARIANT: never throws. Any document (including trees full of parse-error
 * placeholders) and any manifest give a model and diagnostics; should an unexpected
 * exception escape a check, it becomes one E_TYPE diagnostic and an incomplete model.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Messages } from "../diagnostics/messages.js";
import type { Manifest, RecordType, ToolInfo, Type } from "../manifest/types.js";
import type * as ast from "../syntax/ast.js";
import { Binder, collectDeclarations, type Declarations } from "./binder.js";
import { resolveAgentReference } from "./checks/agent-references.js";
import { checkAgentExtends } from "./checks/agent-extends.js";
import { checkCosts, checkPrices } from "./checks/cost-declarations.js";
import { checkDefaultAllow } from "./checks/default-allow.js";
import { checkDuplicateDeclarations } from "./checks/duplicate-declarations.js";
import { checkLimitAmount, checkLimitKeyForm, checkLimitWindow, isSessionId } from "./checks/limit-constraints.js";
import { checkManifestProblems } from "./checks/manifest-problems.js";
import { RegexPatterns } from "./checks/regex-patterns.js";
import { checkReservedConstNames } from "./checks/reserved-names.js";
import { checkTests } from "./checks/test-expectations.js";
import { ValueConformance } from "./checks/value-conformance.js";
import { ConstTable } from "./consts.js";
import { CheckContext } from "./check-context.js";
import { contextTypes } from "./context-type.js";
import { ExpressionChecker } from "./expressions.js";
import { assignIds } from "./ids.js";
import type { AgentModel, LabelModel, LimitModel, PolicyModel, RuleModel } from "./model.js";
import { policyHash } from "./policy-hash.js";
import { EMPTY_OPEN_RECORD, isScalarType, showType } from "./type-ops.js";

export interface CheckResult {
  readonly model: PolicyModel;
  readonly diagnostics: Diagnostic[];
}

/** Checks a parsed document against the manifests loaded for its `tools` declarations (by alias). */
export function checkDocument(document: ast.Document, manifests: ReadonlyMap<string, Manifest | null>): CheckResult {
  const cx = new CheckContext(document);
  try {
    const model = run(cx, document, manifests ?? new Map());
    return { model, diagnostics: cx.bag.items };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    cx.bag.report(Messages.Type, { start: 0, end: Math.min(1, cx.text.length) }, [`internal error in the checker: ${message}`]);
    return { model: emptyModel(document, cx), diagnostics: cx.bag.items };
  }
}

function run(cx: CheckContext, document: ast.Document, manifests: ReadonlyMap<string, Manifest | null>): PolicyModel {
  const decls = collectDeclarations(document);
  checkDuplicateDeclarations(cx, decls);
  const binder = new Binder(cx, decls, manifests);
  for (const [alias, a] of binder.aliases) {
    checkManifestProblems(cx, a.decl, a.manifest);
    binder.resolutions.set(a.decl.alias, { kind: "alias", alias });
  }
  checkReservedConstNames(cx, decls.consts);
  const ctx = contextTypes(cx, binder.contextDecl);
  for (const extra of decls.contexts.slice(1)) contextTypes(cx, extra);
  const ancestors = checkAgentExtends(cx, binder);
  const agentOf = (a: ast.AgentDecl | null) => (a ? (typeof a.id?.value === "string" ? a.id.value : "") : null);
  const ids = assignIds(
    cx,
    decls.rulesAndLimits.map(({ decl, agent }) => ({ decl, agent: agentOf(agent) })),
  );

  const consts = new ConstTable(cx, binder.consts);
  const regexes = new RegexPatterns(cx);
  const checker = new ExpressionChecker(cx, binder, ctx.type, consts, regexes);
  consts.attach(checker);
  for (const [name, c] of binder.consts) binder.resolutions.set(c.name, { kind: "const", name });
  const constModels = consts.models();

  const labels = new Map<string, LabelModel>();
  for (const l of decls.labels) {
    const tools = binder.resolveSelectors(l.selectors ?? []).tools.map((t) => t.qualified);
    const name = l.name?.name;
    if (typeof name === "string" && binder.labels.get(name) === l) {
      labels.set(name, { name, decl: l, tools });
      binder.resolutions.set(l.name, { kind: "label", name });
    }
  }
  const costs = checkCosts(cx, binder, decls.costs);
  const prices = checkPrices(cx, decls.prices);
  checkDefaultAllow(cx, decls.defaults);
  const defaultEffect = decls.defaults[0]?.effect === "allow" ? "allow" : "deny";

  const rules: RuleModel[] = [];
  const limits: LimitModel[] = [];
  decls.rulesAndLimits.forEach(({ decl, agent }, order) => {
    const id = ids.get(decl) ?? "";
    const agentId = agentOf(agent);
    const annotations = annotationsOf(decl);
    if (decl.kind === "Rule") {
      const sel = binder.resolveSelectors(decl.selectors ?? []);
      const sc = checker.scope("rule", checker.argsFor(sel.tools));
      if (decl.when) checker.condition(decl.when, sc);
      if (decl.unless) checker.condition(decl.unless, checker.after(sc, decl.when));
      rules.push({
        id,
        agent: agentId,
        effect: decl.effect,
        tools: qualifiedNames(sel.tools),
        when: decl.when ?? null,
        unless: decl.unless ?? null,
        because: typeof decl.because?.value === "string" ? decl.because.value : null,
        annotations,
        decl,
        order,
      });
      return;
    }
    const sel = binder.resolveSelectors(decl.selectors ?? []);
    const max = checkLimitAmount(cx, decl);
    const window = checkLimitWindow(cx, decl);
    if (decl.by) {
      if (checkLimitKeyForm(cx, decl)) {
        const sc = checker.scope("rule", checker.argsFor(sel.tools));
        const ty = checker.value(decl.by, sc);
        if (!isScalarType(ty.type))
          cx.report(Messages.Type, decl.by.span, [`a \`by\` key must be a string, number or boolean, found \`${showType(ty.type)}\``]);
      } else if (isSessionId(decl.by)) checker.value(decl.by, checker.scope("rule", null));
    }
    limits.push({
      id,
      agent: agentId,
      kind: decl.limitKind,
      tools: decl.limitKind === "calls" ? qualifiedNames(sel.tools) : [],
      max: max ?? 0,
      window,
      by: decl.by ?? null,
      annotations,
      decl,
      order,
    });
  });

  for (const inv of decls.invariants) {
    if (inv.agent) resolveAgentReference(cx, binder, inv.agent);
    const sel = binder.resolveSelectors(inv.selectors ?? []);
    if (inv.when) checker.condition(inv.when, checker.scope("rule", checker.argsFor(sel.tools)));
  }

  const ruleIds = new Set<string>([...rules.map((r) => r.id), ...limits.map((l) => l.id)]);
  const conformance = new ValueConformance(cx, binder, (n) => constModels.get(n)?.value);
  checkTests(cx, binder, checker, conformance, decls.tests, ruleIds, ctx.type);

  const agents = new Map<string, AgentModel>();
  for (const [id, decl] of binder.agents) {
    agents.set(id, { id, decl, ancestors: ancestors.get(id) ?? [] });
    binder.resolutions.set(decl.id, { kind: "agent", id });
  }

  return {
    document,
    file: cx.file,
    name: typeof decls.header?.name?.name === "string" ? decls.header.name.name : "",
    version: typeof decls.header?.version?.value === "string" ? decls.header.version.value : null,
    hash: hashOf(cx, decls, binder),
    aliases: binder.aliases,
    tools: binder.tools,
    toolsByBareName: binder.toolsByBareName,
    context: ctx.type,
    hasContextDecl: binder.contextDecl !== null,
    contextSchema: ctx.schema,
    consts: constModels,
    labels,
    costs,
    prices,
    defaultEffect,
    rules,
    limits,
    agents,
    invariants: decls.invariants,
    tests: decls.tests,
    types: checker.types,
    resolutions: binder.resolutions,
    complete: !cx.bag.hasErrors && !cx.sawErrorNode,
  };
}

const namesCache = new WeakMap<readonly ToolInfo[], readonly string[]>();

/** The qualified names of a list of tools (shared per list: `*` rules all use one array). */
function qualifiedNames(tools: readonly ToolInfo[]): readonly string[] {
  let names = namesCache.get(tools);
  if (!names) {
    names = tools.map((t) => t.qualified);
    namesCache.set(tools, names);
  }
  return names;
}

/** Annotations of a rule or limit except `@id` (the first value of each name). */
function annotationsOf(decl: ast.Rule | ast.Limit): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of decl.annotations ?? []) {
    const name = a?.name?.name;
    if (typeof name !== "string" || name === "id" || Object.hasOwn(out, name)) continue;
    Object.defineProperty(out, name, { value: a.value?.value ?? "", enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function hashOf(cx: CheckContext, decls: Declarations, binder: Binder): string {
  const texts: string[] = [];
  for (const t of decls.tools) {
    const a = binder.aliases.get(t.alias?.name);
    if (a && a.decl === t && a.manifest && typeof a.manifest.text === "string") texts.push(a.manifest.text);
  }
  return policyHash(cx.text, texts);
}

/** The model of a document the checker could not finish (incomplete: never used by a back end). */
function emptyModel(document: ast.Document, cx: CheckContext): PolicyModel {
  const context: RecordType = EMPTY_OPEN_RECORD;
  return {
    document,
    file: cx.file,
    name: "",
    version: null,
    hash: policyHash(cx.text, []),
    aliases: new Map(),
    tools: new Map(),
    toolsByBareName: new Map(),
    context,
    hasContextDecl: false,
    contextSchema: { type: "object" },
    consts: new Map(),
    labels: new Map(),
    costs: new Map(),
    prices: new Map(),
    defaultEffect: "deny",
    rules: [],
    limits: [],
    agents: new Map(),
    invariants: [],
    tests: [],
    types: new Map<ast.Expr, Type>(),
    resolutions: new Map(),
    complete: false,
  };
}
