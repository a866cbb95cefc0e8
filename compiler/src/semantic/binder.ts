/**
 * Names (LANGUAGE.md §4, §12): the symbol tables of one document — aliases and their
 * tools, consts, labels, agents, the `context` declaration — and tool selectors
 * resolved to tools. The first declaration of a name wins; duplicates are reported by
 * checks/duplicate-declarations.ts.
 *
 * INVARIANT: every selector is resolved (and its E_UNKNOWN_ALIAS / E_UNKNOWN_TOOL
 * reported) at most once, whatever number of times it is asked for.
 */
import { Messages } from "../diagnostics/messages.js";
import type { Manifest, ToolInfo } from "../manifest/types.js";
import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./check-context.js";
import type { AliasModel, Resolution } from "./model.js";
import { closest, writeName } from "./suggest.js";
import { EMPTY_OPEN_RECORD } from "./type-ops.js";

/** The names the expression language gives a fixed meaning; no const or lambda parameter may take them. */
export const ROOT_NAMES: ReadonlySet<string> = new Set(["args", "ctx", "tool", "session", "agent"]);

export interface SelectorResult {
  /** Every tool the selector covers, in declaration order. */
  readonly tools: readonly ToolInfo[];
  /** false when part of what it names is unknown (an error was reported or a manifest failed). */
  readonly complete: boolean;
}

export interface Declarations {
  readonly header: ast.PolicyHeader | null;
  readonly tools: ast.ToolsDecl[];
  readonly contexts: ast.ContextDecl[];
  readonly consts: ast.ConstDecl[];
  readonly labels: ast.LabelDecl[];
  readonly costs: ast.CostDecl[];
  readonly prices: ast.PriceDecl[];
  readonly defaults: ast.DefaultDecl[];
  readonly agents: ast.AgentDecl[];
  /** Rules and limits in source order, with the agent block they stand in (null: top level). */
  readonly rulesAndLimits: { readonly decl: ast.Rule | ast.Limit; readonly agent: ast.AgentDecl | null }[];
  readonly invariants: ast.Invariant[];
  readonly tests: ast.TestDecl[];
}

/** Sorts the declarations of a document by kind, keeping source order. Tolerates malformed trees. */
export function collectDeclarations(document: ast.Document): Declarations {
  const d: Declarations = {
    header: document.header ?? null,
    tools: [],
    contexts: [],
    consts: [],
    labels: [],
    costs: [],
    prices: [],
    defaults: [],
    agents: [],
    rulesAndLimits: [],
    invariants: [],
    tests: [],
  };
  for (const decl of document.declarations ?? []) {
    if (!decl || typeof decl !== "object") continue;
    switch (decl.kind) {
      case "ToolsDecl":
        d.tools.push(decl);
        break;
      case "ContextDecl":
        d.contexts.push(decl);
        break;
      case "ConstDecl":
        d.consts.push(decl);
        break;
      case "LabelDecl":
        d.labels.push(decl);
        break;
      case "CostDecl":
        d.costs.push(decl);
        break;
      case "PriceDecl":
        d.prices.push(decl);
        break;
      case "DefaultDecl":
        d.defaults.push(decl);
        break;
      case "AgentDecl":
        d.agents.push(decl);
        for (const r of decl.body ?? []) if (r && (r.kind === "Rule" || r.kind === "Limit")) d.rulesAndLimits.push({ decl: r, agent: decl });
        break;
      case "Rule":
      case "Limit":
        d.rulesAndLimits.push({ decl, agent: null });
        break;
      case "Invariant":
        d.invariants.push(decl);
        break;
      case "TestDecl":
        d.tests.push(decl);
        break;
      default:
        break;
    }
  }
  return d;
}

export class Binder {
  readonly aliases = new Map<string, AliasModel>();
  /** Every tool by qualified name, declaration order. */
  readonly tools = new Map<string, ToolInfo>();
  readonly toolOrder = new Map<string, number>();
  readonly toolsByAlias = new Map<string, ToolInfo[]>();
  readonly toolsByBareName = new Map<string, string[]>();
  readonly consts = new Map<string, ast.ConstDecl>();
  readonly labels = new Map<string, ast.LabelDecl>();
  readonly agents = new Map<string, ast.AgentDecl>();
  readonly contextDecl: ast.ContextDecl | null;
  readonly resolutions = new Map<ast.Node, Resolution>();
  private readonly selectorCache = new Map<ast.ToolSelector, SelectorResult>();
  /** true when some `tools` declaration has no usable manifest. */
  readonly anyManifestMissing: boolean;

  constructor(
    private readonly cx: CheckContext,
    readonly decls: Declarations,
    manifests: ReadonlyMap<string, Manifest | null>,
  ) {
    let missing = false;
    for (const t of decls.tools) {
      const alias = t.alias?.name;
      if (typeof alias !== "string" || alias === "" || this.aliases.has(alias)) continue;
      const manifest = manifests.get(alias) ?? null;
      this.aliases.set(alias, { alias, decl: t, manifest });
      if (!manifest) missing = true;
      const list: ToolInfo[] = [];
      this.toolsByAlias.set(alias, list);
      for (const raw of Array.isArray(manifest?.tools) ? manifest.tools : []) {
        const info = sanitizeTool(raw, alias);
        if (!info || this.tools.has(info.qualified)) continue;
        this.tools.set(info.qualified, info);
        this.toolOrder.set(info.qualified, this.toolOrder.size);
        list.push(info);
        const bare = this.toolsByBareName.get(info.name);
        if (bare) bare.push(info.qualified);
        else this.toolsByBareName.set(info.name, [info.qualified]);
      }
    }
    this.anyManifestMissing = missing;
    this.contextDecl = decls.contexts[0] ?? null;
    for (const c of decls.consts) {
      const n = c.name?.name;
      if (typeof n === "string" && n !== "" && !ROOT_NAMES.has(n) && !this.consts.has(n)) this.consts.set(n, c);
    }
    for (const l of decls.labels) {
      const n = l.name?.name;
      if (typeof n === "string" && n !== "" && !this.labels.has(n)) this.labels.set(n, l);
    }
    for (const a of decls.agents) {
      const id = a.id?.value;
      if (typeof id === "string" && !this.agents.has(id)) this.agents.set(id, a);
    }
  }

  /** The tools a selector covers, reporting an unknown alias or tool once. */
  resolveSelector(sel: ast.ToolSelector): SelectorResult {
    const cached = this.selectorCache.get(sel);
    if (cached) return cached;
    const result = this.resolveUncached(sel);
    this.selectorCache.set(sel, result);
    return result;
  }

  private resolveUncached(sel: ast.ToolSelector): SelectorResult {
    if (!sel || typeof sel !== "object") return { tools: [], complete: false };
    const r = this.resolveParts(sel.alias, sel.tool);
    if (r.alias !== null) {
      if (sel.alias) this.resolutions.set(sel.alias, { kind: "alias", alias: r.alias });
      if (r.tool) {
        this.resolutions.set(sel, { kind: "tool", qualified: r.tool.qualified });
        if (sel.tool) this.resolutions.set(sel.tool, { kind: "tool", qualified: r.tool.qualified });
      } else if (!sel.tool) this.resolutions.set(sel, { kind: "alias", alias: r.alias });
    }
    return r;
  }

  /**
   * Resolves `*` (alias null), `ALIAS.*` (tool null) or `ALIAS.TOOL`, reporting an
   * unknown alias or tool at its identifier. `alias` in the result is the resolved
   * alias name (null for `*` or an unknown alias); `tool` the one tool of `ALIAS.TOOL`.
   */
  resolveParts(
    aliasId: { readonly name: string; readonly span: ast.Span } | null,
    toolId: { readonly name: string; readonly span: ast.Span } | null,
  ): SelectorResult & { readonly alias: string | null; readonly tool: ToolInfo | null } {
    if (!aliasId) return { tools: this.allTools(), complete: !this.anyManifestMissing, alias: null, tool: null };
    const aliasName = aliasId.name;
    const alias = this.aliases.get(aliasName);
    if (!alias) {
      if (aliasName !== "") {
        const s = closest(aliasName, this.aliases.keys());
        this.cx.report(Messages.UnknownAlias, aliasId.span, [aliasName], this.cx.didYouMean(s, aliasId.span, s && writeName(s)));
      }
      return { tools: [], complete: false, alias: null, tool: null };
    }
    const tools = this.toolsByAlias.get(aliasName) ?? [];
    if (!toolId) return { tools, complete: alias.manifest !== null, alias: aliasName, tool: null };
    // A manifest that failed (E_MANIFEST) may have lost the very tool named: no second error.
    const failed = !alias.manifest || (alias.manifest.problems ?? []).some((p) => p.severity === "error");
    if (failed && !this.tools.has(`${aliasName}.${toolId.name}`)) return { tools: [], complete: false, alias: aliasName, tool: null };
    const toolName = toolId.name;
    const info = this.tools.get(`${aliasName}.${toolName}`);
    if (!info) {
      if (toolName !== "") {
        const s = closest(
          toolName,
          tools.map((t) => t.name),
        );
        const related = [this.cx.related(alias.decl.span, `\`${aliasName}\` is loaded here`)];
        this.cx.report(Messages.UnknownTool, toolId.span, [aliasName, toolName], this.cx.didYouMean(s, toolId.span, s && writeName(s), related));
      }
      return { tools: [], complete: false, alias: aliasName, tool: null };
    }
    return { tools: [info], complete: true, alias: aliasName, tool: info };
  }

  private allToolsList: readonly ToolInfo[] | null = null;

  /** Every tool, declaration order (one shared array). */
  allTools(): readonly ToolInfo[] {
    this.allToolsList ??= [...this.tools.values()];
    return this.allToolsList;
  }

  /** The union of several selectors' tools, in declaration order, each once. */
  resolveSelectors(sels: readonly ast.ToolSelector[]): SelectorResult {
    if (sels && sels.length === 1) return this.resolveSelector(sels[0]);
    let complete = true;
    const seen = new Set<string>();
    const out: ToolInfo[] = [];
    for (const s of sels ?? []) {
      const r = this.resolveSelector(s);
      if (!r.complete) complete = false;
      for (const t of r.tools)
        if (!seen.has(t.qualified)) {
          seen.add(t.qualified);
          out.push(t);
        }
    }
    if (sels && sels.length > 1) out.sort((a, b) => (this.toolOrder.get(a.qualified) ?? 0) - (this.toolOrder.get(b.qualified) ?? 0));
    return { tools: out, complete };
  }
}

/** A tool as the checker may rely on it: a record input type and string names (a malformed manifest gets defaults). */
function sanitizeTool(raw: ToolInfo, alias: string): ToolInfo | null {
  if (!raw || typeof raw !== "object" || typeof raw.name !== "string") return null;
  const inputOk = raw.input && raw.input.kind === "record" && raw.input.fields instanceof Map;
  const annotationsOk = raw.annotations && typeof raw.annotations === "object";
  const qualified = `${alias}.${raw.name}`;
  if (inputOk && annotationsOk && raw.alias === alias && raw.qualified === qualified && raw.source) return raw;
  return {
    ...raw,
    alias,
    qualified,
    input: inputOk ? raw.input : EMPTY_OPEN_RECORD,
    annotations: annotationsOk ? raw.annotations : { readOnly: false, destructive: true, idempotent: false, openWorld: true },
    source: raw.source ?? { file: "", span: { start: 0, end: 0 }, nameSpan: { start: 0, end: 0 } },
  };
}
