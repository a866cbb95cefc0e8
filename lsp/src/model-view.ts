/**
 * The names and types a half-typed document still knows: the current version's model,
 * falling back to the last version that parsed cleanly for whatever the current one lost
 * (a `tools` line or a `context` block broken by the edit in progress).
 */
import type { ConstModel, Field, LabelModel, PolicyModel, RecordType, ToolInfo, Type } from "@agentpolicy/compiler";
import type { CheckedPolicy } from "@agentpolicy/compiler";

/** A selector as written in tokens: `*` (alias null), `ALIAS.*` (tool null) or `ALIAS.TOOL`. */
export interface SelectorText {
  readonly alias: string | null;
  readonly tool: string | null;
}

export class ModelView {
  private readonly models: readonly PolicyModel[];

  constructor(snapshot: { readonly checked: CheckedPolicy; readonly lastGood: CheckedPolicy | null }) {
    const current = snapshot.checked.model;
    const good = snapshot.lastGood?.model;
    this.models = good && good !== current ? [current, good] : [current];
  }

  get current(): PolicyModel {
    return this.models[0];
  }

  /** Alias names, current ones first. */
  aliases(): { readonly alias: string; readonly path: string; readonly tools: number }[] {
    const out = new Map<string, { alias: string; path: string; tools: number }>();
    for (const m of this.models)
      for (const [alias, a] of m.aliases)
        if (!out.has(alias)) out.set(alias, { alias, path: a.decl.path?.value ?? "", tools: a.manifest?.tools.length ?? 0 });
    return [...out.values()];
  }

  /** The tools of one alias (from the first model that loaded any). */
  toolsOf(alias: string): ToolInfo[] {
    for (const m of this.models) {
      const tools = [...m.tools.values()].filter((t) => t.alias === alias);
      if (tools.length > 0) return tools;
    }
    return [];
  }

  tool(qualified: string): ToolInfo | undefined {
    for (const m of this.models) {
      const t = m.tools.get(qualified);
      if (t) return t;
    }
    return undefined;
  }

  allTools(): ToolInfo[] {
    for (const m of this.models) if (m.tools.size > 0) return [...m.tools.values()];
    return [];
  }

  /** The tools a list of selectors covers, in declaration order, each once. */
  selected(selectors: readonly SelectorText[]): ToolInfo[] {
    const out = new Map<string, ToolInfo>();
    for (const s of selectors) {
      const tools = s.alias === null ? this.allTools() : s.tool === null ? this.toolsOf(s.alias) : [this.tool(`${s.alias}.${s.tool}`)];
      for (const t of tools) if (t && !out.has(t.qualified)) out.set(t.qualified, t);
    }
    return [...out.values()];
  }

  consts(): ConstModel[] {
    return this.merged((m) => m.consts);
  }

  labels(): LabelModel[] {
    return this.merged((m) => m.labels);
  }

  agents(): string[] {
    const out = new Set<string>();
    for (const m of this.models) for (const id of m.agents.keys()) out.add(id);
    return [...out];
  }

  /** Rule and limit ids, current ones first. */
  ruleIds(): string[] {
    const out = new Set<string>();
    for (const m of this.models) {
      for (const r of m.rules) out.add(r.id);
      for (const l of m.limits) out.add(l.id);
    }
    return [...out];
  }

  context(): RecordType {
    for (const m of this.models) if (m.hasContextDecl) return m.context;
    return this.current.context;
  }

  constType(name: string): Type | undefined {
    for (const m of this.models) {
      const c = m.consts.get(name);
      if (c) return c.type;
    }
    return undefined;
  }

  private merged<V>(get: (m: PolicyModel) => ReadonlyMap<string, V>): V[] {
    const out = new Map<string, V>();
    for (const m of this.models) for (const [k, v] of get(m)) if (!out.has(k)) out.set(k, v);
    return [...out.values()];
  }
}

/**
 * `args` of a rule selecting `tools`: the fields every selected tool has (a rule over
 * several tools may read only those — LANGUAGE.md §6), each typed by the union of its
 * types; for one tool, its input type.
 */
export function argsType(tools: readonly ToolInfo[]): RecordType | null {
  if (tools.length === 0) return null;
  if (tools.length === 1) return tools[0].input;
  const fields = new Map<string, Field>();
  const [first, ...rest] = tools;
  for (const f of first.input.fields.values()) {
    const others = rest.map((t) => t.input.fields.get(f.name));
    if (others.some((o) => o === undefined)) continue;
    const types = [f.type, ...others.map((o) => o!.type)];
    const distinct = types.filter((t, i) => types.indexOf(t) === i);
    fields.set(f.name, {
      ...f,
      optional: f.optional || others.some((o) => o!.optional),
      type: distinct.length === 1 ? distinct[0] : { kind: "union", members: distinct },
    });
  }
  return { kind: "record", fields, open: tools.some((t) => t.input.open) };
}
